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

# The standard library's source workspace (Debian's rust-web-src), which the
# from-source wasm32 std is built from.
web_std_workspace() {
  echo "$(/usr/bin/rustc --print sysroot)/lib/rustlib/src/rust/library"
}

# Brings into the cargo registry every crate the app's release build needs.
# Trunk runs cargo with --offline (Trunk.toml), so nothing may be left for the
# build to fetch: the workspace's crates, and, when std is built from source,
# the standard library's own dependencies (dlmalloc, rustc-demangle, ...),
# which no fetch of the workspace brings. Quick when already done.
# scripts/test.sh runs this into an empty CARGO_HOME and resolves the build
# there (its first step), so whatever this misses fails the tests.
fetch_app_crates() {
  with_web_toolchain cargo fetch --locked --quiet --manifest-path "$ROOT/Cargo.toml"
  if ! has_rustup_wasm_target; then
    with_web_toolchain cargo fetch --locked --quiet --manifest-path "$(web_std_workspace)/Cargo.toml"
  fi
}

# The cargo command Trunk runs for the release app (index.html: data-bin,
# data-cargo-profile-release; Trunk.toml: offline), for the guard.
app_release_cargo_args() {
  echo build --offline --target wasm32-unknown-unknown --profile wasm-release \
    --manifest-path "$ROOT/app/Cargo.toml" --bin barnbesok-app
}

# Cleanups run when the calling script exits, the last added first.
EXIT_HOOKS=()
EXIT_STATUS=0
run_exit_hooks() {
  EXIT_STATUS=$?
  local i
  for ((i = ${#EXIT_HOOKS[@]} - 1; i >= 0; i--)); do "${EXIT_HOOKS[$i]}" || true; done
}
at_exit() { EXIT_HOOKS+=("$1"); trap run_exit_hooks EXIT; }

# Named steps with their times: `step "What"` starts one (ending the one
# before), `print_step_times` ends the last and prints them all as a table.
# The table is printed on failure too, with the step that failed marked.
STEP_NAMES=()
STEP_SECONDS=()
step_name=""
step() {
  finish_step
  say "$*"
  step_name="$*"
  step_started=$SECONDS
}
finish_step() {
  if [ -n "$step_name" ]; then
    STEP_NAMES+=("$step_name")
    STEP_SECONDS+=($((SECONDS - step_started)))
    step_name=""
  fi
}
print_step_times() {
  local status=$EXIT_STATUS failed="$step_name" i total=0 secs
  finish_step
  [ ${#STEP_NAMES[@]} -gt 0 ] || return 0
  printf '\n%s\n' "${1:-Time per step}" >&2
  for i in "${!STEP_NAMES[@]}"; do
    secs=${STEP_SECONDS[$i]}
    total=$((total + secs))
    printf '  %4dm %02ds  %s%s\n' $((secs / 60)) $((secs % 60)) "${STEP_NAMES[$i]}" \
      "$([ $status -ne 0 ] && [ "${STEP_NAMES[$i]}" = "$failed" ] && echo '  (FAILED)')" >&2
  done
  printf '  %4dm %02ds  total\n' $((total / 60)) $((total % 60)) >&2
}

# Starts a throwaway PostgreSQL cluster (Debian's server) on a free loopback
# port, removed when the calling script exits, and sets PG_URL and
# PG_VERSION. Extra arguments are server options (`-c name=value`).
start_throwaway_postgres() {
  pg_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  pg_dir="$(mktemp -d)"
  pg_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  [ "$(id -u)" = 0 ] && chown postgres "$pg_dir"
  at_exit stop_throwaway_postgres
  say "Starting PostgreSQL on 127.0.0.1:$pg_port"
  as_postgres "$pg_bin/initdb" -D "$pg_dir/data" -A trust -U app >/dev/null
  as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/data" -w -l "$pg_dir/log" \
    -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 $*" start >/dev/null
  PG_URL="postgres://app@127.0.0.1:$pg_port/postgres"
  PG_VERSION="$("$pg_bin/postgres" --version | awk '{print $3}')"
  export PG_URL PG_VERSION
}

as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

stop_throwaway_postgres() {
  as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
