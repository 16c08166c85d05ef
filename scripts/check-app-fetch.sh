#!/usr/bin/env bash
# Guard: the release app build needs nothing that setup does not fetch.
#
# Trunk builds the app with cargo --offline, so a crate that setup's fetch
# (fetch_app_crates in env.sh) misses breaks scripts/run.sh on a fresh
# machine, while on any machine that built something else first (CI, a
# developer's) the crate is already in the registry and every build passes.
#
# Why this mechanism: ordering the test command so the release build comes
# first would only catch the gap on a machine whose registry is empty, which
# CI's never is after its first run. Instead this runs setup's own fetch into
# an empty, throwaway CARGO_HOME, then has cargo resolve the exact offline
# build Trunk runs against that registry alone. Resolving with --unit-graph
# reads every package's manifest (so every crate must be there, the standard
# library's own dependencies included) but compiles nothing: it costs the
# download (well under a minute), not a second full wasm build, and leaves the
# real registry and build directories alone.
set -euo pipefail
source "$(dirname "$0")/env.sh"

cargo_home="$(mktemp -d)"
remove_cargo_home() { rm -rf "$cargo_home"; }
at_exit remove_cargo_home

export CARGO_HOME="$cargo_home"
fetch_app_crates
# shellcheck disable=SC2046 # the arguments are words on purpose
if ! with_web_toolchain env RUSTC_BOOTSTRAP=1 cargo $(app_release_cargo_args) \
  --unit-graph -Z unstable-options >"$cargo_home/unit-graph.json" 2>"$cargo_home/err"; then
  cat "$cargo_home/err" >&2
  echo "The offline release build of the app needs crates that scripts/setup.sh" >&2
  echo "does not fetch (fetch_app_crates in scripts/env.sh): scripts/run.sh fails" >&2
  echo "on a fresh machine. Fetch them there." >&2
  exit 1
fi
units="$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["units"]))' "$cargo_home/unit-graph.json")"
say "The offline release build resolves from setup's fetch alone ($units units)"
