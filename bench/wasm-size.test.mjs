// Unit tests of the module-size reader (bench/wasm-size.mjs), on modules
// built here byte by byte. Run by scripts/test.sh: node --test bench/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { budgetRows, crateOf, lazyParts, mainModule, readModule, sizeByCrate } from './wasm-size.mjs';

const leb = (n) => {
  const out = [];
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
};
const name = (s) => [...leb(Buffer.byteLength(s)), ...Buffer.from(s)];
const section = (id, body) => [id, ...leb(body.length), ...body];

/** A module with one imported function and one imported memory (so the
 *  defined functions' indices start at 1), `bodies` as its code (sizes) and,
 *  with `names`, a name section naming them. */
function module({ bodies, names = [], data = 0 }) {
  const imports = [
    ...leb(2),
    ...name('env'), ...name('f'), 0, ...leb(0),
    ...name('env'), ...name('memory'), 2, 0, ...leb(1),
  ];
  const code = [...leb(bodies.length), ...bodies.flatMap((size) => [...leb(size), ...new Array(size).fill(0x0b)])];
  const functionNames = [...leb(names.length), ...names.flatMap((n, i) => [...leb(1 + i), ...name(n)])];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(2, imports),
    ...section(10, code),
    ...(data ? section(11, new Array(data).fill(0)) : []),
    ...(names.length ? section(0, [...name('name'), ...section(1, functionNames)]) : []),
  ];
  return Buffer.from(bytes);
}

test('function sizes are read in order and named past the imported functions', () => {
  // 200 bytes: a body whose size takes two LEB128 bytes.
  const bytes = module({ bodies: [3, 200, 7], names: ['a', 'b', 'c'], data: 5 });
  const { sections, functions } = readModule(bytes, { names: true });
  assert.deepEqual(functions, [{ size: 3, name: 'a' }, { size: 200, name: 'b' }, { size: 7, name: 'c' }]);
  // The count, each body's size (200 takes two bytes) and the bodies.
  assert.equal(sections.code, 1 + (1 + 2 + 1) + 3 + 200 + 7);
  assert.equal(sections.data, 5);
});

test('the crate is the first in a symbol, mangled either way', () => {
  assert.equal(crateOf('_RNvMs_NtCsdKlHZ4s4lH5_6tachys4viewNtB4_4View5mount'), 'tachys');
  assert.equal(crateOf('_RNvCs1a2b_14reactive_graph6effect'), 'reactive_graph');
  assert.equal(crateOf('_ZN4core3fmt5write17h0123456789abcdefE'), 'core');
  assert.equal(crateOf('__wbg_get_1234'), 'wasm_bindgen');
  assert.equal(crateOf('memcpy'), '(other)');
  assert.equal(crateOf(undefined), '(unnamed)');
});

test('each crate gets its share of the shipped code as served; descriptors do not count', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasm-size-'));
  try {
    const built = join(dir, 'built.wasm');
    writeFileSync(built, module({
      bodies: [30, 10, 60, 500],
      names: ['_RNvCs1_6tachys5mount', '_ZN4core3fmt5write17h0123456789abcdefE', '_RNvCs1_3app4main', '__wbindgen_describe_x'],
    }));
    const shipped = module({ bodies: [50], data: 20 });
    writeFileSync(join(dir, 'app-1234_bg.wasm'), shipped);
    // Served at about half the size.
    const servedBytes = Math.floor(shipped.length / 2);
    const ratio = servedBytes / shipped.length;
    writeFileSync(join(dir, 'app-1234_bg.wasm.br'), Buffer.alloc(servedBytes));
    const size = sizeByCrate(built, dir);
    const served = Object.fromEntries(size.crates.map((c) => [c.crate, c.servedBytes]));
    const code = readModule(shipped).sections.code;
    assert.deepEqual(size.crates.map((c) => c.crate), ['app', 'tachys', 'core, alloc, std']);
    assert.ok(Math.abs(served.app - code * 0.6 * ratio) < 1e-9);
    assert.ok(Math.abs(served.tachys - code * 0.3 * ratio) < 1e-9);
    assert.ok(Math.abs(size.data.servedBytes - 20 * ratio) < 1e-9);
    assert.equal(size.module.servedBytes, servedBytes);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('budget rows say which parts are over and by how much', () => {
  const size = {
    crates: [
      { crate: 'app', unoptimisedBytes: 300 * 1024, servedBytes: 120 * 1024 },
      { crate: 'tachys', unoptimisedBytes: 100 * 1024, servedBytes: 50 * 1024 },
      { crate: 'serde', unoptimisedBytes: 40 * 1024, servedBytes: 12 * 1024 },
      { crate: 'regex', unoptimisedBytes: 40 * 1024, servedBytes: 14 * 1024 },
    ],
    data: { servedBytes: 10 * 1024 },
    module: { servedBytes: 210 * 1024 },
  };
  const budget = { module: 200, crates: { app: 100, tachys: 60 }, other: 30, data: 45 };
  const rows = budgetRows(size, budget);
  const byPart = Object.fromEntries(rows.slice(1).map((r) => [r[0], r]));
  assert.equal(byPart.app[4], 'over by 20 KB');
  assert.equal(byPart.tachys[4], 'within');
  assert.equal(byPart['every other crate'][2], '26 KB');
  assert.equal(byPart['every other crate'][4], 'within');
  assert.equal(byPart['the module as served'][4], 'over by 10 KB');
});

test('the parts loaded on first use are those index.html lists, counted as served', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasm-size-'));
  try {
    writeFileSync(join(dir, 'index.html'),
      '<head><meta name="barnbesok-parts" content="/split_a-0123456789abcdef.wasm /barnbesok-parts-0123456789abcdef.js" /></head>');
    writeFileSync(join(dir, 'split_a-0123456789abcdef.wasm.br'), Buffer.alloc(300));
    writeFileSync(join(dir, 'barnbesok-parts-0123456789abcdef.js.br'), Buffer.alloc(20));
    // Not listed: not a part.
    writeFileSync(join(dir, 'other-0123456789abcdef.wasm.br'), Buffer.alloc(5000));
    assert.deepEqual(lazyParts(dir), { files: 2, servedBytes: 320 });
    writeFileSync(join(dir, 'index.html'), '<head></head>');
    assert.deepEqual(lazyParts(dir), { files: 0, servedBytes: 0 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the main module is the one Trunk wrote, whatever its hash, not a part', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasm-size-'));
  try {
    // Trunk's hash has no leading zeros: 15 digits in one build of 16.
    writeFileSync(join(dir, 'split_a-d56dbe22315d982.wasm'), Buffer.alloc(900));
    writeFileSync(join(dir, 'split_a-d56dbe22315d982.wasm.br'), Buffer.alloc(90));
    writeFileSync(join(dir, 'barnbesok-app-d56dbe22315d982_bg.wasm'), Buffer.alloc(4000));
    writeFileSync(join(dir, 'barnbesok-app-d56dbe22315d982_bg.wasm.br'), Buffer.alloc(1000));
    const main = mainModule(dir);
    assert.equal(main.path, join(dir, 'barnbesok-app-d56dbe22315d982_bg.wasm'));
    assert.equal(main.rawBytes, 4000);
    assert.equal(main.servedBytes, 1000);
    rmSync(join(dir, 'barnbesok-app-d56dbe22315d982_bg.wasm'));
    assert.throws(() => mainModule(dir), /no \*_bg\.wasm/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
