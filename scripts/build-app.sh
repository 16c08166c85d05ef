#!/usr/bin/env bash
# Builds the optimised front end into dist/ (what the server serves).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
say "Building the app (release, wasm-opt -Oz)"
with_web_toolchain trunk build --release --dist "$ROOT/dist"
# Precompressed copies: the server sends them to browsers that accept them.
find "$ROOT/dist" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' \) |
  while read -r f; do gzip -9 -k -f "$f"; done
say "App built: $(du -sh "$ROOT/dist" | cut -f1) in dist/"
