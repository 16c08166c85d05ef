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

say "Unit tests: shared domain and protocol, app sync logic, benchmark data (native)"
cargo test -p barnbesok-shared -p barnbesok-app -p barnbesok-bench

# fsync off: the tests check behaviour, not durability on power loss.
start_throwaway_postgres -c fsync=off

say "Server tests over HTTP: SQLite and PostgreSQL"
BARNBESOK_TEST_POSTGRES_URL="$PG_URL" \
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
