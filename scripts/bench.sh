#!/usr/bin/env bash
# The performance benchmark: sets up what it needs (the project's tools, the
# PouchDB side from npm, a throwaway PostgreSQL), builds release binaries
# and the app, and prints one table of figures all taken in this run.
#   scripts/bench.sh                      10,000 and 50,000 records; the self-check at 5,000 children
#   BARNBESOK_BENCH_SIZES=2000 scripts/bench.sh   a quick look
# See docs/performance.md for what is measured and the last results.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"

"$ROOT/scripts/setup.sh"

if ! cmp -s "$ROOT/bench/pouch/package-lock.json" "$ROOT/bench/pouch/node_modules/.package-lock.json.copy" 2>/dev/null; then
  say "Installing the PouchDB side (npm)"
  (cd "$ROOT/bench/pouch" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$ROOT/bench/pouch/package-lock.json" "$ROOT/bench/pouch/node_modules/.package-lock.json.copy"
fi
# The RxDB page bundle (esbuild, about 2 s): rebuilt only when it is missing or
# older than its source, build script or lockfile.
(cd "$ROOT/bench/pouch" && node build.mjs --if-stale)

say "Release build: the app, the server and the load generator"
"$ROOT/scripts/build-app.sh"
cargo build --release -p barnbesok-server -p barnbesok-bench

# Durable as deployed: PostgreSQL's default fsync and synchronous_commit.
start_throwaway_postgres

say "Running the benchmark (about 25 minutes)"
versions="$(python3 - "$PG_VERSION" <<'PY'
import json, subprocess, sys
def out(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
    except Exception:
        return "unknown"
print(json.dumps({
    "barnbesok": out(["git", "describe", "--always", "--dirty"]),
    "rustc": out(["rustc", "--version"]).split(" ")[1] if out(["rustc", "--version"]) != "unknown" else "unknown",
    "postgresql": sys.argv[1],
}))
PY
)"
BARNBESOK_SERVER_BIN="$CARGO_TARGET_DIR/release/barnbesok-server" \
  BARNBESOK_BENCH_BIN="$CARGO_TARGET_DIR/release/barnbesok-bench" \
  BARNBESOK_DIST="$ROOT/dist" \
  BARNBESOK_WASM_UNOPTIMISED="$WEB_TARGET_DIR/wasm-split/barnbesok-app.wasm" \
  BARNBESOK_BENCH_POSTGRES_URL="$PG_URL" \
  BARNBESOK_BENCH_VERSIONS="$versions" \
  node "$ROOT/bench/run.mjs"
