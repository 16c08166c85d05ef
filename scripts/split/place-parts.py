"""Puts the parts scripts/split/wasm-bindgen cut out of the module beside the app.

Each part is optimised like the main module (wasm-opt -Oz) and named with the
main module's build hash, so it is cached for good like the rest; the parts'
loader and the main module's import of it are renamed to match. index.html
lists them (meta barnbesok-parts) for the service worker, which keeps them
for offline use.

Usage: place-parts.py DIST SPLIT_DIR
"""
import base64
import hashlib
import pathlib
import re
import subprocess
import sys

dist, parts = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
[main_js] = [p for p in dist.glob("barnbesok-app-*.js") if re.fullmatch(r"barnbesok-app-[0-9a-f]+\.js", p.name)]
build = main_js.stem.rsplit("-", 1)[1]
loader = (parts / "__wasm_split.js").read_text()
loader_name = f"barnbesok-parts-{build}.js"
if '"./barnbesok-app.js"' not in loader:
    sys.exit("the split loader does not import barnbesok-app.js")
loader = loader.replace('"./barnbesok-app.js"', f'"./{main_js.name}"')
listed = []
for part in sorted(parts.glob("*.wasm")):
    if part.name == "barnbesok-app.wasm":
        continue
    name = f"{part.stem}-{build}.wasm"
    if f'"./{part.name}"' not in loader:
        sys.exit(f"{part.name} is not in the split loader")
    # wasm-opt warns about every part's name section (which it drops); say
    # what it said only when it fails.
    opt = subprocess.run(["wasm-opt", "-Oz", "--output", str(dist / name), str(part)], capture_output=True, text=True)
    if opt.returncode != 0:
        sys.exit(f"wasm-opt failed on {part.name}:\n{opt.stderr}")
    loader = loader.replace(f'"./{part.name}"', f'"./{name}"')
    listed.append(f"/{name}")
(dist / loader_name).write_text(loader)
listed.append(f"/{loader_name}")
js = main_js.read_text()
# Only the module imports: the wasm's own import object keeps the name.
if 'from "./__wasm_split.js"' not in js:
    sys.exit(f"{main_js.name} does not import the split loader")
js = js.replace('from "./__wasm_split.js"', f'from "./{loader_name}"')
main_js.write_text(js)
index = dist / "index.html"
html = re.sub(r'\s*<meta name="barnbesok-parts"[^>]*>', "", index.read_text())
# Trunk's modulepreload of the main module carries its hash (integrity).
integrity = "sha384-" + base64.b64encode(hashlib.sha384(js.encode()).digest()).decode()
preload = re.compile(r'(<link rel="modulepreload" href="/' + re.escape(main_js.name) + r'"[^>]*integrity=")[^"]*(")')
html, found = preload.subn(lambda m: m.group(1) + integrity + m.group(2), html)
if found != 1:
    sys.exit(f"index.html has {found} modulepreload links to {main_js.name}")
meta = f'<meta name="barnbesok-parts" content="{" ".join(listed)}" />'
index.write_text(html.replace("</head>", f"  {meta}\n  </head>", 1))
print(f"{len(listed) - 1} parts of the app load on first use; index.html lists them")
