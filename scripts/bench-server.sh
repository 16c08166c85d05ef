#!/usr/bin/env bash
# The benchmark's server-load rows for an earlier commit and for the working
# tree, side by side in one run: does a change make the server slower?
#   scripts/bench-server.sh [BASE]          BASE defaults to origin/main or HEAD~1
#   BARNBESOK_BENCH_SECONDS=5 scripts/bench-server.sh main   shorter rows
# Builds both servers (release) and the load generator, starts a throwaway
# PostgreSQL with its default, durable settings, prints one table.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
at_exit print_step_times

base="${1:-$(git rev-parse --verify -q origin/main || git rev-parse HEAD~1)}"
base_name="$(git rev-parse --short "$base")"
head_name="$(git describe --always --dirty)"

step "Setup"
"$ROOT/scripts/setup.sh" --run

step "Release build of $base_name (the base)"
worktree="$(mktemp -d)"
remove_worktree() { git -C "$ROOT" worktree remove --force "$worktree" >/dev/null 2>&1 || rm -rf "$worktree"; }
at_exit remove_worktree
git worktree add --detach "$worktree" "$base" >/dev/null
(cd "$worktree" && cargo build --release -p barnbesok-server)
base_bin="$worktree/barnbesok-server-base"
cp "$CARGO_TARGET_DIR/release/barnbesok-server" "$base_bin"

step "Release build of the working tree ($head_name) and the load generator"
cargo build --release -p barnbesok-server -p barnbesok-bench
mkdir -p "$ROOT/dist"

step "Server load, both builds"
start_throwaway_postgres
base_pg_url="${PG_URL%/*}/bench_base"
psql "$PG_URL" -q -c "CREATE DATABASE bench_base" >/dev/null
BARNBESOK_SERVER_BIN="$CARGO_TARGET_DIR/release/barnbesok-server" \
  BARNBESOK_BASE_SERVER_BIN="$base_bin" \
  BARNBESOK_BASE_NAME="$base_name" \
  BARNBESOK_HEAD_NAME="$head_name" \
  BARNBESOK_BENCH_BIN="$CARGO_TARGET_DIR/release/barnbesok-bench" \
  BARNBESOK_DIST="$ROOT/dist" \
  BARNBESOK_BENCH_POSTGRES_URL="$PG_URL" \
  BARNBESOK_BENCH_POSTGRES_BASE_URL="$base_pg_url" \
  node "$ROOT/bench/compare-server.mjs"
