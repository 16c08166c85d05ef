// Bundles the RxDB bench page: rxdb-page.src.js -> dist/rxdb-page.js (IIFE).
//   node bench/pouch/build.mjs             always rebuild (`npm run build`)
//   node bench/pouch/build.mjs --if-stale  only if the bundle is missing or
//                                          older than its inputs
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
export const BUNDLE = path.join(here, 'dist', 'rxdb-page.js');
const INPUTS = ['rxdb-page.src.js', 'package-lock.json', 'build.mjs'].map((f) => path.join(here, f));

async function mtime(file) {
  try {
    return (await stat(file)).mtimeMs;
  } catch {
    return null;
  }
}

async function isStale() {
  const out = await mtime(BUNDLE);
  if (out === null) return true;
  for (const input of INPUTS) if ((await mtime(input)) > out) return true;
  return false;
}

if (process.argv.includes('--if-stale') && !(await isStale())) process.exit(0);

await build({
  entryPoints: [path.join(here, 'rxdb-page.src.js')],
  outfile: BUNDLE,
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'chrome120',
  // Production builds of the dependencies (Dexie ships a separate one).
  conditions: ['production'],
  define: { 'process.env.NODE_ENV': '"production"' },
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
});
