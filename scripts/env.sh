# Sourced by the other scripts: where builds go and which toolchain builds
# the WebAssembly front end. Safe to source more than once.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT
# Builds live outside the checkout, so a fresh clone on the same machine
# (as CI makes) reuses them.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/barnbesok/target}"
# The wasm build has its own target directory: it may use another rustc.
export WEB_TARGET_DIR="${WEB_TARGET_DIR:-${CARGO_TARGET_DIR}-web}"
export PATH="$HOME/.cargo/bin:$ROOT/node_modules/.bin:$PATH"

# The wasm-bindgen version pinned in Cargo.lock; the CLI must match it exactly.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

# Use a rustup-installed wasm32 target when there is one; otherwise Debian's
# rustc-web with the standard library built from source (see
# docs/architecture.md, "Building the front end").
has_rustup_wasm_target() {
  command -v rustup >/dev/null 2>&1 &&
    rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown
}

# Runs a command with the environment that builds for wasm32.
with_web_toolchain() {
  if has_rustup_wasm_target; then
    CARGO_TARGET_DIR="$WEB_TARGET_DIR" "$@"
  else
    PATH="/usr/bin:$PATH" \
      CARGO_TARGET_DIR="$WEB_TARGET_DIR" \
      RUSTC_BOOTSTRAP=1 \
      CARGO_UNSTABLE_BUILD_STD=std,panic_abort \
      CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld-19 \
      "$@"
  fi
}

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
