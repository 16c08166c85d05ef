#!/usr/bin/env bash
# Sets up and runs every test of Barnbesök: unit tests, server tests over real
# HTTP against SQLite and a throwaway PostgreSQL, the IndexedDB layer in
# headless Chromium, and the end-to-end test against the release build.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
# A test run builds each crate once: incremental caches would only fill the
# disk (gigabytes per profile) without speeding the next run much.
export CARGO_INCREMENTAL=0
at_exit print_step_times

step "Setup"
"$ROOT/scripts/setup.sh"

step "Guard: the offline release app build needs only what setup fetched"
"$ROOT/scripts/check-app-fetch.sh"

step "Formatting and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "Unit tests: shared domain and protocol, app sync logic, benchmark data (native)"
cargo test -p barnbesok-shared -p barnbesok-app -p barnbesok-bench -p barnbesok-texts

step "Languages: missing and outdated texts per language (fails for Swedish or English); style sheets mirror right-to-left"
cargo run --quiet -p barnbesok-texts -- check
cargo run --quiet -p barnbesok-texts -- css "$ROOT"/style/*.css

step "The import's JSON Schema: the example validates, each refused case does not"
node "$ROOT/tests/schema/validate.mjs" "$ROOT/docs/schema/import.schema.json" "$ROOT/docs/examples/import.json"
for bad in "$ROOT"/tests/schema/import-invalid/*.json; do
  node "$ROOT/tests/schema/validate.mjs" "$ROOT/docs/schema/import.schema.json" "$bad" --expect invalid
done

step "The benchmark's own code: the module-size reader, the profile table (node --test)"
node --test "$ROOT"/bench/*.test.mjs

step "The build's own scripts: placing the app's parts beside it (python unittest)"
python3 -m unittest discover -s "$ROOT/scripts/split"

step "Server tests over HTTP: SQLite and PostgreSQL"
# fsync off: the tests check behaviour, not durability on power loss.
start_throwaway_postgres -c fsync=off
BARNBESOK_TEST_POSTGRES_URL="$PG_URL" \
  BARNBESOK_REQUIRE_POSTGRES=1 \
  cargo test -p barnbesok-server

step "Sync model: simulated tablets against the real storage, with injected faults (property test); a restore from a backup loses no settled visit"
cargo test -p barnbesok-tests --test sync_model --test restore -- --nocapture

step "IndexedDB layer in headless Chromium (wasm-bindgen-test)"
CHROMEDRIVER=/usr/bin/chromedriver \
  WASM_BINDGEN_TEST_WEBDRIVER_JSON="$ROOT/tests/webdriver.json" \
  WASM_BINDGEN_TEST_TIMEOUT=120 \
  with_web_toolchain cargo test -p barnbesok-app --target wasm32-unknown-unknown --test idb

step "Fuzzing every decoder of untrusted input, ${BARNBESOK_FUZZ_SECONDS:-20} s per target (libFuzzer)"
"$ROOT/scripts/fuzz.sh"

step "Release build: the app and the server, as scripts/run.sh serves them"
"$ROOT/scripts/build-app.sh"
cargo build --release -p barnbesok-server

step "End-to-end tests in headless Chromium"
BARNBESOK_SERVER_BIN="$CARGO_TARGET_DIR/release/barnbesok-server" \
  BARNBESOK_DIST="$ROOT/dist" \
  node --test --test-concurrency=1 "$ROOT"/tests/e2e/*.test.mjs
