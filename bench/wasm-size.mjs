// The app's download by crate, against its budget (bench/size-budget.json).
// The shipped module has no names after wasm-opt, so the crates' shares are
// read from the main module as wasm-split-cli left it (before wasm-bindgen
// and wasm-opt: its name section is intact) and applied to the shipped
// module's code section as served (brotli). The shares are estimates:
// wasm-opt shrinks some code more than other code. The parts loaded on
// first use (scripts/split) are counted apart.
//
//   node bench/wasm-size.mjs <unoptimised main.wasm> <dist dir>
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const SECTION = { custom: 0, import: 2, code: 10, data: 11 };

/** Reads a wasm module's sections; with `names`, also the functions' sizes
 *  and names. */
export function readModule(bytes, { names = false } = {}) {
  let p = 8;
  const leb = () => {
    let value = 0;
    let shift = 0;
    let byte;
    do {
      byte = bytes[p++];
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return value;
  };
  const skipName = () => { const n = leb(); p += n; };
  const sections = { code: 0, data: 0, custom: 0, other: 0 };
  let importedFunctions = 0;
  const bodies = [];
  const functionNames = new Map();
  while (p < bytes.length) {
    const id = bytes[p++];
    const size = leb();
    const start = p;
    if (id === SECTION.code) sections.code += size;
    else if (id === SECTION.data) sections.data += size;
    else if (id === SECTION.custom) sections.custom += size;
    else sections.other += size;
    if (names && id === SECTION.import) {
      const count = leb();
      for (let i = 0; i < count; i++) {
        skipName();
        skipName();
        const kind = bytes[p++];
        if (kind === 0) { leb(); importedFunctions++; } // function: type index
        else if (kind === 1) { p++; const flags = bytes[p++]; leb(); if (flags & 1) leb(); } // table
        else if (kind === 2) { const flags = bytes[p++]; leb(); if (flags & 1) leb(); } // memory
        else if (kind === 3) p += 2; // global: type, mutability
        else throw new Error(`import kind ${kind} not understood`);
      }
    }
    if (names && id === SECTION.code) {
      const count = leb();
      for (let i = 0; i < count; i++) {
        const body = leb();
        bodies.push(body);
        p += body;
      }
    }
    if (names && id === SECTION.custom) {
      const length = leb();
      const name = bytes.subarray(p, p + length).toString();
      p += length;
      if (name === 'name') {
        while (p < start + size) {
          const sub = bytes[p++];
          const subSize = leb();
          const end = p + subSize;
          if (sub === 1) {
            const count = leb();
            for (let i = 0; i < count; i++) {
              const index = leb();
              const n = leb();
              functionNames.set(index, bytes.subarray(p, p + n).toString());
              p += n;
            }
          }
          p = end;
        }
      }
    }
    p = start + size;
  }
  const functions = bodies.map((size, i) => ({ size, name: functionNames.get(importedFunctions + i) }));
  return { sections, functions };
}

/** The crate a symbol's code belongs to: the first crate in its path (for
 *  a generic, the crate that defines it, whoever instantiated it). */
export function crateOf(symbol) {
  if (!symbol) return '(unnamed)';
  const v0 = /^_R.*?C(?:s[0-9a-zA-Z]*_)?(\d+)([A-Za-z_][A-Za-z0-9_]*)/.exec(symbol);
  if (v0) return v0[2].slice(0, Number(v0[1]));
  const legacy = /^_ZN(\d+)/.exec(symbol);
  if (legacy) return symbol.slice(3 + legacy[1].length, 3 + legacy[1].length + Number(legacy[1]));
  if (symbol.startsWith('__wbindgen') || symbol.startsWith('__wbg')) return 'wasm_bindgen';
  return '(other)';
}

/** The standard library's crates count as one. */
const GROUP = { core: 'core, alloc, std', alloc: 'core, alloc, std', std: 'core, alloc, std', compiler_builtins: 'core, alloc, std' };

/** The main module Trunk wrote (`<name>-<hash>_bg.wasm`; the parts are
 *  named otherwise): its path, and its bytes raw and as served (brotli). */
export function mainModule(distDir) {
  const wasm = readdirSync(distDir).find((f) => f.endsWith('_bg.wasm'));
  if (!wasm) throw new Error(`no *_bg.wasm in ${distDir}`);
  const path = join(distDir, wasm);
  return { path, rawBytes: statSync(path).size, servedBytes: statSync(`${path}.br`).size };
}

/** Size by crate of the app as served. */
export function sizeByCrate(unoptimisedPath, distDir) {
  const { functions } = readModule(readFileSync(unoptimisedPath), { names: true });
  const byCrate = new Map();
  let total = 0;
  for (const f of functions) {
    // wasm-bindgen's descriptors run at build time and are not shipped.
    if (f.name?.startsWith('__wbindgen_describe')) continue;
    const crate = GROUP[crateOf(f.name)] ?? crateOf(f.name);
    byCrate.set(crate, (byCrate.get(crate) ?? 0) + f.size);
    total += f.size;
  }
  const main = mainModule(distDir);
  const shipped = readFileSync(main.path);
  const served = main.servedBytes;
  const { sections } = readModule(shipped);
  // Brotli's ratio for the whole module, applied to each part.
  const ratio = served / shipped.length;
  const crates = [...byCrate].map(([crate, bytes]) => ({
    crate,
    unoptimisedBytes: bytes,
    servedBytes: (bytes / total) * sections.code * ratio,
  })).sort((a, b) => b.servedBytes - a.servedBytes);
  return {
    crates,
    data: { servedBytes: sections.data * ratio },
    rest: { servedBytes: (sections.custom + sections.other) * ratio },
    module: { rawBytes: shipped.length, servedBytes: served },
  };
}

/** The parts of the app a page loads when first opened, as index.html
 *  lists them for the service worker: how many, and their bytes as served
 *  (brotli). */
export function lazyParts(distDir) {
  const html = readFileSync(join(distDir, 'index.html'), 'utf8');
  const listed = html.match(/<meta name="barnbesok-parts" content="([^"]*)"/);
  const files = listed ? listed[1].split(' ').filter(Boolean) : [];
  let servedBytes = 0;
  for (const url of files) servedBytes += statSync(join(distDir, `${url.replace(/^\//, '')}.br`)).size;
  return { files: files.length, servedBytes };
}

/** Rows for the size table: each budgeted crate, the rest summed, the
 *  module's data (texts, content) and the total against its budget. */
export function budgetRows(size, budget) {
  const kb = (b) => `${(b / 1024).toFixed(0)} KB`;
  const verdict = (bytes, limitKb) => (bytes <= limitKb * 1024 ? 'within' : `over by ${kb(bytes - limitKb * 1024)}`);
  const rows = [['part of the module', 'before wasm-opt', 'as served (estimated)', 'budget as served', '']];
  let otherUnopt = 0;
  let otherServed = 0;
  for (const c of size.crates) {
    const limit = budget.crates[c.crate];
    if (limit === undefined) {
      otherUnopt += c.unoptimisedBytes;
      otherServed += c.servedBytes;
      continue;
    }
    rows.push([c.crate, kb(c.unoptimisedBytes), kb(c.servedBytes), `${limit} KB`, verdict(c.servedBytes, limit)]);
  }
  rows.push(['every other crate', kb(otherUnopt), kb(otherServed), `${budget.other} KB`, verdict(otherServed, budget.other)]);
  rows.push(['data (texts, content, tables)', '', kb(size.data.servedBytes), `${budget.data} KB`, verdict(size.data.servedBytes, budget.data)]);
  rows.push(['the module as served', '', kb(size.module.servedBytes), `${budget.module} KB`, verdict(size.module.servedBytes, budget.module)]);
  return rows;
}

// Run as a script, not when imported (`node -e` has no script: argv[1] is unset).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [unoptimised, dist] = process.argv.slice(2);
  const budget = JSON.parse(readFileSync(new URL('./size-budget.json', import.meta.url), 'utf8'));
  const size = sizeByCrate(unoptimised, dist);
  for (const row of budgetRows(size, budget)) console.log(row.join(' | '));
}
