#!/usr/bin/env bash
# Installs everything Barnbesök needs to build, run and test, on a machine with
# Rust, a C compiler, Python and Node/npm. Idempotent: quick when already done.
#   scripts/setup.sh          everything
#   scripts/setup.sh --run    only what running the app needs
set -euo pipefail
source "$(dirname "$0")/env.sh"

want_tests=1
[ "${1:-}" = "--run" ] && want_tests=0
at_exit print_step_times

sudo_if_needed() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_missing=()
need_deb() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed" || apt_missing+=("$1"); }
if ! has_rustup_wasm_target; then
  for p in rustc-web cargo-web rust-web-src lld-19; do need_deb "$p"; done
fi
# brotli: scripts/build-app.sh precompresses the app with it.
need_deb brotli
if [ $want_tests = 1 ]; then
  # g++ builds libFuzzer for the fuzz targets (libfuzzer-sys); pdftotext
  # (poppler-utils) reads back the text of the record's PDFs in the server tests.
  for p in chromium chromium-driver postgresql g++ poppler-utils; do need_deb "$p"; done
fi
if [ ${#apt_missing[@]} -gt 0 ]; then
  step "Installing Debian packages: ${apt_missing[*]}"
  sudo_if_needed apt-get update -qq
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${apt_missing[@]}" >/dev/null
fi

step "Fetching the crates of the offline app build"
fetch_app_crates

# Trunk 0.21.14: 0.22 needs a newer rustc than these machines have.
if ! trunk --version 2>/dev/null | grep -q '^trunk 0.21.14$'; then
  step "Installing trunk 0.21.14 (takes about 10 minutes once)"
  cargo install trunk --version 0.21.14 --locked
fi

wbg="$(wasm_bindgen_version)"
if ! wasm-bindgen --version 2>/dev/null | grep -q " $wbg\$" ||
  ! command -v wasm-bindgen-test-runner >/dev/null; then
  step "Installing wasm-bindgen-cli $wbg (takes about 6 minutes once)"
  # Not --locked: a dependency in its lock file is gone from the registry.
  cargo install wasm-bindgen-cli --version "$wbg" --force
fi

# wasm-split-cli cuts the pages loaded on first use out of the app's module
# (scripts/split/wasm-bindgen). It has no --version: cargo's list says.
if ! cargo install --list 2>/dev/null | grep -q '^wasm_split_cli_support v0.2.4:$'; then
  step "Installing wasm-split-cli 0.2.4 (takes about 4 minutes once)"
  cargo install wasm_split_cli_support --version 0.2.4 --features build-binary --locked
fi

# cargo-fuzz 0.13.1 for scripts/fuzz.sh (libFuzzer; stable rustc with
# RUSTC_BOOTSTRAP=1, no nightly needed).
if [ $want_tests = 1 ] && ! cargo fuzz --version 2>/dev/null | grep -q '^cargo-fuzz 0.13.1$'; then
  step "Installing cargo-fuzz 0.13.1 (takes about 2 minutes once)"
  cargo install cargo-fuzz --version 0.13.1 --locked
fi

# wasm-opt from npm's binaryen 132 (Debian's binaryen 108 breaks the module)
# and playwright-core for the browser tests, both pinned in package-lock.json.
if [ ! -x "$ROOT/node_modules/.bin/wasm-opt" ] ||
  ! cmp -s "$ROOT/package-lock.json" "$ROOT/node_modules/.package-lock.json.copy" 2>/dev/null; then
  step "Installing npm packages"
  (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$ROOT/package-lock.json" "$ROOT/node_modules/.package-lock.json.copy"
fi
finish_step
say "Setup done"
