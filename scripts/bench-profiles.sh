#!/usr/bin/env bash
# The app under several compiler profiles, side by side: builds each variant
# of the wasm-release profile (Cargo.toml) into a directory of its own and
# prints one table of sizes as served and of the first sync, the caseload
# and the unlock timed in turns. How the shipped profile was chosen:
# docs/performance.md, "The compiler profile".
#   scripts/bench-profiles.sh                                 every variant, 3 rounds
#   BARNBESOK_PROFILE_VARIANTS="shipped opt-s" scripts/bench-profiles.sh
# The first build of a variant compiles everything (the standard library
# too), about 7 minutes on 2 cores; later runs reuse it.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"

"$ROOT/scripts/setup.sh"

# name | what it sets on top of Cargo.toml's wasm-release (TOML, one line per key)
declare -A SETTINGS=(
  [shipped]=""
  [opt-s]='opt-level = "s"'
  [opt-3]='opt-level = 3'
  [lto-thin]='lto = "thin"'
  [cgu-16]='codegen-units = 16'
  [sealing-json-opt-3]='package.chacha20.opt-level = 3
package.poly1305.opt-level = 3
package.serde_json.opt-level = 3'
)
ORDER=(shipped opt-s opt-3 lto-thin cgu-16 sealing-json-opt-3)
read -r -a chosen <<<"${BARNBESOK_PROFILE_VARIANTS:-${ORDER[*]}}"
[ "${chosen[0]}" = shipped ] || chosen=(shipped "${chosen[@]}")

OUT="${BARNBESOK_PROFILE_DIR:-$HOME/.cache/barnbesok/profiles}"
# One target directory for every variant but the shipped one: cargo keeps
# each profile's compiled crates apart, so a rerun rebuilds nothing.
VARIANT_TARGET_DIR="${CARGO_TARGET_DIR}-web-profiles"
mkdir -p "$OUT"

say "Release build: the server and the benchmark's seeder"
cargo build --release -p barnbesok-server -p barnbesok-bench

# One line of JSON per variant, for bench/profiles.mjs.
variants="$OUT/variants.jsonl"
: >"$variants"
for name in "${chosen[@]}"; do
  [ -n "${SETTINGS[$name]+set}" ] || { echo "unknown variant: $name (known: ${ORDER[*]})" >&2; exit 2; }
  settings="${SETTINGS[$name]}"
  one_line="${settings//$'\n'/, }"
  dist="$OUT/$name/dist"
  say "Building the app: $name${settings:+ ($one_line)}"
  rm -rf "$dist"
  if [ -z "$settings" ]; then
    BARNBESOK_APP_DIST="$dist" "$ROOT/scripts/build-app.sh"
  else
    # Profile settings in a cargo config outrank Cargo.toml's; Trunk runs
    # cargo itself, so they go in through CARGO_HOME's config.toml.
    home="$OUT/$name/cargo-home"
    mkdir -p "$home"
    ln -sfn "${CARGO_HOME:-$HOME/.cargo}/registry" "$home/registry"
    { echo '[profile.wasm-release]'; echo "$settings"; } >"$home/config.toml"
    CARGO_HOME="$home" WEB_TARGET_DIR="$VARIANT_TARGET_DIR" BARNBESOK_APP_DIST="$dist" \
      "$ROOT/scripts/build-app.sh"
  fi
  python3 -c 'import json, sys; print(json.dumps(dict(zip(("name", "settings", "dist"), sys.argv[1:]))))' \
    "$name" "$one_line" "$dist" >>"$variants"
done

say "Timing the variants in turns"
BARNBESOK_SERVER_BIN="$CARGO_TARGET_DIR/release/barnbesok-server" \
  BARNBESOK_BENCH_BIN="$CARGO_TARGET_DIR/release/barnbesok-bench" \
  BARNBESOK_DIST="$OUT/shipped/dist" \
  node "$ROOT/bench/profiles.mjs" "$variants"
