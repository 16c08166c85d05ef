#!/usr/bin/env bash
# Builds the optimised front end into dist/ (what the server serves).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
# scripts/bench-profiles.sh builds into directories of its own.
DIST="${BARNBESOK_APP_DIST:-$ROOT/dist}"
say "Building the app (release, wasm-opt -Oz)"
# scripts/split/wasm-bindgen cuts the pages loaded on first use
# (app/src/ui/lazy.rs) out of the module, then runs the real wasm-bindgen;
# place-parts.py puts those parts beside the app.
export BARNBESOK_SPLIT_DIR="$WEB_TARGET_DIR/wasm-split"
PATH="$ROOT/scripts/split:$PATH" with_web_toolchain trunk build --release --dist "$DIST"
python3 "$ROOT/scripts/split/place-parts.py" "$DIST" "$BARNBESOK_SPLIT_DIR"
# Trunk starts the app with an inline <script>; the Content-Security-Policy
# allows no inline script, so move it to a content-hashed file.
python3 - "$DIST/index.html" <<'PY'
import hashlib, pathlib, re, sys
index = pathlib.Path(sys.argv[1])
html = index.read_text()
match = re.search(r'<script type="module">(.*?)</script>', html, re.S)
if match:
    code = match.group(1).strip() + "\n"
    name = f"boot-{hashlib.sha256(code.encode()).hexdigest()[:16]}.js"
    (index.parent / name).write_text(code)
    html = html.replace(match.group(0), f'<script type="module" src="/{name}"></script>')
    index.write_text(html)
if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html):
    sys.exit("index.html still has an inline script")
PY
# Every translated text with its review status, for the languages page
# (docs/languages.md).
cargo run --quiet -p barnbesok-texts -- --locales "$ROOT/app/locales" --content "$ROOT/shared/content" status "$DIST/texts/status.json"
# Precompressed copies: the server sends brotli to browsers that accept it
# (all current ones), gzip to the rest.
find "$DIST" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.html' -o -name '*.webmanifest' -o -name '*.svg' -o -name '*.json' \) |
  while read -r f; do gzip -9 -k -f "$f"; brotli -q 11 -k -f "$f"; done
say "App built: $(du -sh "$DIST" | cut -f1) in $DIST"
