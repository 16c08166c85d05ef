#!/usr/bin/env bash
# Sets up and runs every test of Barnbesök: unit tests, server tests over real
# HTTP against SQLite and a throwaway PostgreSQL, the IndexedDB layer in
# headless Chromium, and the end-to-end test against the release build.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"

"$ROOT/scripts/setup.sh"

say "Formatting and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --quiet -- -D warnings

say "Unit tests: shared domain and protocol, app sync logic (native)"
cargo test -p barnbesok-shared -p barnbesok-app

# A throwaway PostgreSQL cluster on a free loopback port, removed on exit.
pg_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
pg_dir="$(mktemp -d)"
pg_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$pg_dir"
stop_pg() {
  as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
trap stop_pg EXIT
say "Starting PostgreSQL on 127.0.0.1:$pg_port"
as_pg "$pg_bin/initdb" -D "$pg_dir/data" -A trust -U app >/dev/null
as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -w -l "$pg_dir/log" \
  -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null

say "Server tests over HTTP: SQLite and PostgreSQL"
BARNBESOK_TEST_POSTGRES_URL="postgres://app@127.0.0.1:$pg_port/postgres" \
  BARNBESOK_REQUIRE_POSTGRES=1 \
  cargo test -p barnbesok-server

say "Sync model: simulated tablets against the real storage, with injected faults (property test)"
cargo test -p barnbesok-tests --test sync_model -- --nocapture

say "IndexedDB layer in headless Chromium (wasm-bindgen-test)"
CHROMEDRIVER=/usr/bin/chromedriver \
  WASM_BINDGEN_TEST_WEBDRIVER_JSON="$ROOT/tests/webdriver.json" \
  WASM_BINDGEN_TEST_TIMEOUT=120 \
  with_web_toolchain cargo test -p barnbesok-app --target wasm32-unknown-unknown --test idb

say "Fuzzing every decoder of untrusted input, ${BARNBESOK_FUZZ_SECONDS:-20} s per target (libFuzzer)"
"$ROOT/scripts/fuzz.sh"

say "Release build: the app and the server, as scripts/run.sh serves them"
"$ROOT/scripts/build-app.sh"
cargo build --release -p barnbesok-server

say "End-to-end tests in headless Chromium"
BARNBESOK_SERVER_BIN="$CARGO_TARGET_DIR/release/barnbesok-server" \
  BARNBESOK_DIST="$ROOT/dist" \
  node --test --test-concurrency=1 "$ROOT"/tests/e2e/*.test.mjs
