"""place-parts.py on a made-up build: the parts are renamed with the main
module's build hash, whatever its length (Trunk drops leading zeros), and
index.html lists them with the main module's integrity updated.

Run by scripts/test.sh: python3 -m unittest discover -s scripts/split
"""
import base64
import hashlib
import pathlib
import re
import subprocess
import sys
import tempfile
import unittest

SCRIPT = pathlib.Path(__file__).with_name("place-parts.py")
# The smallest valid module: what wasm-opt takes for a part.
EMPTY_WASM = b"\0asm\1\0\0\0"


def made_up_build(root: pathlib.Path, build: str):
    dist, split = root / "dist", root / "split"
    dist.mkdir()
    split.mkdir()
    main_js = dist / f"barnbesok-app-{build}.js"
    main_js.write_text('import { load } from "./__wasm_split.js";\nexport default load;\n')
    (dist / "index.html").write_text(
        "<html><head>\n"
        f'<link rel="modulepreload" href="/barnbesok-app-{build}.js" crossorigin="anonymous" integrity="sha384-old">\n'
        "</head><body></body></html>\n"
    )
    (split / "__wasm_split.js").write_text(
        'import { m } from "./barnbesok-app.js";\n'
        'const parts = ["./visits_log.wasm", "./settings.wasm"];\n'
    )
    (split / "barnbesok-app.wasm").write_bytes(EMPTY_WASM)
    (split / "visits_log.wasm").write_bytes(EMPTY_WASM)
    (split / "settings.wasm").write_bytes(EMPTY_WASM)
    return dist, split


class PlaceParts(unittest.TestCase):
    def place(self, build: str) -> pathlib.Path:
        root = pathlib.Path(self.enterContext(tempfile.TemporaryDirectory()))
        dist, split = made_up_build(root, build)
        done = subprocess.run([sys.executable, str(SCRIPT), str(dist), str(split)], capture_output=True, text=True)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("2 parts of the app load on first use", done.stdout)
        return dist

    def check(self, dist: pathlib.Path, build: str):
        self.assertTrue((dist / f"visits_log-{build}.wasm").is_file())
        self.assertTrue((dist / f"settings-{build}.wasm").is_file())
        self.assertFalse((dist / "barnbesok-app.wasm").exists(), "the main module is Trunk's, not a part")
        loader = (dist / f"barnbesok-parts-{build}.js").read_text()
        self.assertIn(f'"./barnbesok-app-{build}.js"', loader)
        self.assertIn(f'"./visits_log-{build}.wasm"', loader)
        main_js = (dist / f"barnbesok-app-{build}.js").read_text()
        self.assertIn(f'from "./barnbesok-parts-{build}.js"', main_js)
        html = (dist / "index.html").read_text()
        listed = re.search(r'<meta name="barnbesok-parts" content="([^"]*)"', html).group(1).split()
        self.assertEqual(
            listed,
            [f"/settings-{build}.wasm", f"/visits_log-{build}.wasm", f"/barnbesok-parts-{build}.js"],
        )
        integrity = "sha384-" + base64.b64encode(hashlib.sha384(main_js.encode()).digest()).decode()
        self.assertIn(f'integrity="{integrity}"', html)

    def test_a_full_length_hash(self):
        self.check(self.place("5e1f2a9b0c3d4e6f"), "5e1f2a9b0c3d4e6f")

    def test_a_hash_whose_leading_zero_trunk_dropped(self):
        self.check(self.place("d56dbe22315d982"), "d56dbe22315d982")


if __name__ == "__main__":
    unittest.main()
