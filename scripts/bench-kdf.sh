#!/usr/bin/env bash
# How long the tablet's PIN key derivation (Argon2id, 64 MiB) takes in
# WebAssembly in headless Chromium, optimised as shipped: prints a table.
# docs/security.md computes the offline guessing cost from it.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}" \
WASM_BINDGEN_TEST_WEBDRIVER_JSON="$ROOT/tests/webdriver.json" \
WASM_BINDGEN_TEST_TIMEOUT=600 \
  with_web_toolchain cargo test --release -p barnbesok-app \
    --target wasm32-unknown-unknown --test kdf_bench -- --nocapture 2>&1 |
  sed -n '/^Argon2id/,/^$/p'
