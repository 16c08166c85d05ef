// The performance benchmark (scripts/bench.sh runs it): our sync, server and
// app load side by side with PouchDB, RxDB and the browser's own IndexedDB floor,
// all taken in this one run on this machine, printed as one table.
//
// Environment (scripts/bench.sh sets it): BARNBESOK_SERVER_BIN,
// BARNBESOK_BENCH_BIN, BARNBESOK_DIST, BARNBESOK_BENCH_POSTGRES_URL,
// BARNBESOK_BENCH_SIZES (default "10000,50000"), BARNBESOK_BENCH_SECONDS
// (server load, per row; default 10), BARNBESOK_BENCH_VERSIONS (JSON of
// versions the script read off the machine), BARNBESOK_WASM_UNOPTIMISED (the
// app's module as cargo built it, for the size by crate; optional).
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { startPouchServer, runPouchBrowserBench, pouchVersions, jsHeapMb } from './pouch/pouch.mjs';
import { runRxdbBrowserBench } from './pouch/rxdb.mjs';
import { sizeByCrate, budgetRows, lazyParts } from './wasm-size.mjs';
import { CHROMIUM_ARGS, freePort } from '../tests/e2e/harness.mjs';

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is not set (scripts/bench.sh sets it)`);
  return value;
};
const SERVER_BIN = env('BARNBESOK_SERVER_BIN');
const BENCH_BIN = env('BARNBESOK_BENCH_BIN');
const DIST = env('BARNBESOK_DIST');
/** Read only by the rows that need PostgreSQL (bench/profiles.mjs needs none). */
export const PG_URL = process.env.BARNBESOK_BENCH_POSTGRES_URL;
const SIZES = env('BARNBESOK_BENCH_SIZES', '10000,50000').split(',').map(Number);
export const LOAD_SECONDS = Number(env('BARNBESOK_BENCH_SECONDS', '10'));
export const DEVICE_COUNTS = [50, 200];
const CHANGES = 100;
const PASSWORD = 'bench-barnbesok';
const PIN = '48291375';
/** Children per record: 10,000 records are 200 children, 50,000 are 1,000. */
const RECORDS_PER_CHILD = 50;

export const log = (...args) => console.error('  ·', ...args);

/** The IndexedDB durability every stack's sync writes use, set explicitly
 *  (Chromium's default has been relaxed since version 121). Ours writes
 *  pulled pages relaxed and everything only the tablet holds strict. */
const DURABILITY = 'relaxed';

/** A browser context with its own profile on disk. Off-the-record contexts
 *  (`browser.newContext()`) keep IndexedDB in memory, where durability
 *  means nothing: every sync is measured into IndexedDB on disk. */
const profiles = [];
export function removeProfiles() {
  for (const dir of profiles.splice(0)) rmSync(dir, { recursive: true, force: true });
}
async function diskContext(options = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'barnbesok-profile-'));
  profiles.push(dir);
  return chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS, ...options,
  });
}


export function bench(args) {
  const out = execFileSync(BENCH_BIN, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
  return JSON.parse(out.trim().split('\n').pop());
}

/** Our server, release build, on a loopback port. */
export async function startServer({ dataDir, databaseUrl, serverBin = SERVER_BIN, dist = DIST }) {
  const store = databaseUrl ? ['--database-url', databaseUrl] : ['--data-dir', dataDir];
  return startListening(serverBin, (listen) => ['--listen', listen, '--static-dir', dist, ...store]);
}

/** The load generator's ceiling: the sync protocol answered from memory
 *  (`barnbesok-bench stand-in`), on a loopback port. */
export const startStandIn = () => startListening(BENCH_BIN, (listen) => ['stand-in', '--listen', listen]);

/** `bin` with `argsFor(address)`, listening on a free loopback port, once
 *  it says where. */
async function startListening(bin, argsFor) {
  const port = await freePort();
  // Request logs off: the load test would otherwise measure the terminal.
  const proc = spawn(bin, argsFor(`127.0.0.1:${port}`), {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RUST_LOG: 'warn' },
  });
  let output = '';
  proc.stderr.on('data', (d) => { output += d; });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${bin} did not start:\n${output}`)), 60_000);
    proc.stdout.on('data', (d) => {
      output += d;
      if (output.includes('http://')) { clearTimeout(timer); resolve(); }
    });
    proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${bin} exited (${code}):\n${output}`)); });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: proc.pid,
    async stop() {
      proc.removeAllListeners('exit');
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('close', r));
    },
  };
}

/** The durations of the app's `barnbesok:sync` measures so far. */
const syncMeasures = (page) =>
  page.evaluate(() => performance.getEntriesByName('barnbesok:sync').map((e) => e.duration));

async function waitForSyncs(page, count, timeout = 600_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const measures = await syncMeasures(page);
    if (measures.length >= count) return measures;
    if (Date.now() > deadline) throw new Error(`no sync finished within ${timeout / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Polls `fn(arg)` in the page until it returns something. */
async function waitFor(page, fn, arg, timeout = 600_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await page.evaluate(fn, arg);
    if (value !== undefined && value !== null) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting in the page');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Records in the app's IndexedDB store (sealed, so only counted). */
const storedRecords = (page) =>
  page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('barnbesok');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const req = db.transaction('records').objectStore('records').count();
      req.onsuccess = () => { db.close(); resolve(req.result); };
      req.onerror = () => reject(req.error);
    };
  }));

/** Bytes the browser received for a cold load of the app (as served:
 *  compressed), counted by the DevTools protocol. */
export async function coldLoadBytes(browser, url) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  let bytes = 0;
  const files = [];
  cdp.on('Network.loadingFinished', (e) => { bytes += e.encodedDataLength; });
  cdp.on('Network.responseReceived', (e) => files.push(e.response.url));
  await page.goto(url);
  await page.getByLabel('Användarnamn').waitFor();
  // Let the service worker finish precaching: a later offline reload needs it.
  await page.waitForTimeout(1500);
  await context.close();
  return { bytes, files: files.length };
}

/** The stores a pulled page is written to, in one transaction: the records,
 *  the cursor (meta) and the children they touched (changed). */
const PAGE_STORES = 'changed+meta+records: ';

/** The durability of the transactions that stored the pulled pages
 *  (records with the cursor), as counted in the page. */
function pagesDurability(writes) {
  const seen = Object.entries(writes).filter(([k]) => k.startsWith(PAGE_STORES))
    .map(([k, n]) => `${k.split(': ')[1]} ×${n}`);
  return seen.join(', ') || 'none seen';
}

/** Our app: sign in on a fresh device, time the first full sync into
 *  IndexedDB (sealed with the device key, as shipped), then 100 changes,
 *  then (with `reload`) an offline reload to an interactive caseload. */
export async function ours(size, { reload, dist = DIST }) {
  const dir = mkdtempSync(join(tmpdir(), 'barnbesok-bench-'));
  const children = size / RECORDS_PER_CHILD;
  const seeded = bench(['seed', '--database', join(dir, 'barnbesok.db'), '--records', String(size),
    '--children', String(children), '--password', PASSWORD, '--documents', join(dir, 'docs.json')]);
  const server = await startServer({ dataDir: dir, dist });
  const context = await diskContext({ viewport: { width: 1024, height: 768 } });
  // Trunk's loader hands the module's exports to this event: keep its
  // linear memory, to read the wasm heap's size after the sync.
  await context.addInitScript(() => addEventListener('TrunkApplicationStarted', (e) => {
    window.benchWasmMemory = e.detail.wasm.memory;
  }));
  // The durability each readwrite transaction really got, as the peers'
  // pages count it (bench/pouch): the app sets its own.
  await context.addInitScript(() => {
    window.benchWrites = {};
    const open = IDBDatabase.prototype.transaction;
    IDBDatabase.prototype.transaction = function (...args) {
      const tx = open.apply(this, args);
      if (tx.mode === 'readwrite') {
        const key = `${[...tx.objectStoreNames].sort().join('+')}: ${tx.durability}`;
        window.benchWrites[key] = (window.benchWrites[key] ?? 0) + 1;
      }
      return tx;
    };
  });
  try {
    const page = await context.newPage();
    await page.goto(server.url);
    await page.getByLabel('Användarnamn').fill('bench.worker');
    await page.getByLabel('Lösenord').fill(PASSWORD);
    await page.getByRole('button', { name: 'Logga in' }).click();
    await page.getByLabel('Ny PIN-kod').fill(PIN);
    await page.getByLabel('Samma PIN-kod igen').fill(PIN);
    await page.getByRole('button', { name: 'Spara PIN-kod' }).click();
    const [initialMs] = await waitForSyncs(page, 1);
    const writes = await page.evaluate(() => window.benchWrites);
    const stored = await storedRecords(page);
    if (stored !== size) throw new Error(`ours: ${stored} records stored, ${size} expected`);
    // After a sync the caseload is worked out again from every record (and
    // its snapshot saved), as after any use of the app; the memory is taken
    // once that is done, so that every run measures the same moment.
    const syncEnd = await page.evaluate(() => {
      const m = performance.getEntriesByName('barnbesok:sync').pop();
      return m.startTime + m.duration;
    });
    const fullLoad = await waitFor(page, (after) => performance.getEntriesByName('barnbesok:caseload')
      .filter((e) => e.startTime >= after).map((e) => e.duration)[0], syncEnd);
    const memory = {
      jsHeapMb: await jsHeapMb(page),
      wasmMb: await page.evaluate(() => window.benchWasmMemory?.buffer.byteLength / 2 ** 20),
    };

    bench(['change', '--database', join(dir, 'barnbesok.db'), '--records', String(size),
      '--children', String(children), '--count', String(CHANGES)]);
    const before = (await syncMeasures(page)).length;
    await page.getByRole('button', { name: 'Synka nu' }).click();
    const incrementalMs = (await waitForSyncs(page, before + 1))[before];
    const after = await storedRecords(page);
    if (after !== size + CHANGES) throw new Error(`ours: ${after} records after the changes, ${size + CHANGES} expected`);

    // The caseload after those changes: brought forward by the children
    // they touched (or, were they more than half, worked out from every
    // record), its snapshot saved.
    const last = await page.evaluate(() => {
      const m = performance.getEntriesByName('barnbesok:sync').pop();
      return m.startTime + m.duration;
    });
    const afterChanges = await waitFor(page, (after) => [['barnbesok:caseload-changed', 'brought forward'], ['barnbesok:caseload', 'every record']]
      .flatMap(([name, how]) => performance.getEntriesByName(name)
        .filter((e) => e.startTime >= after).map((e) => ({ ms: e.duration, how })))[0], last);

    let offline = null;
    if (reload) {
      await context.setOffline(true);
      const t0 = Date.now();
      await page.reload();
      const pin = page.getByLabel('PIN-kod', { exact: true });
      await pin.waitFor();
      const lockShown = Date.now() - t0;
      await pin.fill(PIN);
      const t1 = Date.now();
      await page.getByRole('button', { name: 'Lås upp' }).click();
      // Interactive: the caseload's rows are on screen and the last one can be clicked.
      const rows = page.locator('ul.caseload > li');
      await rows.nth(children - 1).waitFor();
      const unlockToCaseload = Date.now() - t1;
      const [keyDerivation] = await page.evaluate(() =>
        performance.getEntriesByName('barnbesok:key-derivation').map((e) => e.duration));
      const shown = await rows.count();
      if (shown !== children) throw new Error(`caseload shows ${shown} children, ${children} expected`);
      // And it answers: the first child tapped, to the child's page on
      // screen (a page still opening every record would answer late).
      const first = rows.first().getByRole('link');
      const name = (await first.locator('.caseload__name').textContent()).trim();
      const t2 = Date.now();
      await first.click();
      await page.getByRole('heading', { name }).waitFor();
      const childOpened = Date.now() - t2;
      offline = { lockShown, unlockToCaseload, keyDerivation, childOpened, fullLoad, afterChanges, children };
    }
    return { initialMs, incrementalMs, caseloadMs: fullLoad, memory, offline, writes, durability: pagesDurability(writes), docs: JSON.parse(readFileSync(join(dir, 'docs.json'), 'utf8')), seeded };
  } finally {
    await context.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Simulated tablets against a running server: as fast as each can go
 *  (50 and 200 at once), then 200 that each sync every few seconds. */
const PACED_MS = 5000;
const LOAD_RUNS = [...DEVICE_COUNTS.map((devices) => ({ devices })), { devices: 200, everyMs: PACED_MS }];

/** The peak resident memory of processes `pids` so far, summed, in MB
 *  (`VmHWM`; none where /proc does not tell). */
export function peakRssMb(pids) {
  let kb = 0;
  for (const pid of pids) {
    try {
      const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (!m) return null;
      kb += Number(m[1]);
    } catch {
      return null;
    }
  }
  return kb / 1024;
}

/** Every load row against `url` (several, apart by commas: instances of one
 *  server, the devices dealt out among them), each with the server
 *  processes' (`pids`) peak memory after it; with `paced` false, only the
 *  rows with no pause. */
export function load(url, devicesFile, { pouch = false, pids = [], paced = true } = {}) {
  return LOAD_RUNS.filter((run) => paced || !run.everyMs).map(({ devices, everyMs }) => {
    const args = ['load', '--url', url, '--devices-file', devicesFile, '--devices', String(devices),
      '--seconds', String(LOAD_SECONDS), '--warmup', '2'];
    if (everyMs) args.push('--every-ms', String(everyMs));
    if (pouch) args.push('--pouch');
    return { ...bench(args), everyMs, peakRssMb: pids.length ? peakRssMb(pids) : null };
  });
}

/** Import from the case-management system: 10,000 children with 20,000
 *  placements and their homes as CSV, into a fresh database, then again. */
export const IMPORT_CHILDREN = 10_000;
function importBench() {
  const dir = mkdtempSync(join(tmpdir(), 'barnbesok-import-'));
  try {
    const results = {};
    for (const [name, database] of [['sqlite', dir], ['postgres', PG_URL]]) {
      log(`import, ${name}`);
      results[name] = bench(['import', '--database', database, '--children', String(IMPORT_CHILDREN)]);
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The managers' self-check (egenkontroll): 5,000 children with 100,000
 *  visits written into a fresh database, then the whole report timed warm
 *  (last quarter and the last 12 months, by worker and by sex). A quick run
 *  (BARNBESOK_BENCH_SIZES below 10,000) takes a tenth of the data. */
export const SELFCHECK = Math.max(...SIZES) < 10_000
  ? { children: 500, visits: 10_000, runs: 5 }
  : { children: 5_000, visits: 100_000, runs: 20 };
export const SELFCHECK_TARGET_MS = 200;
export function selfcheckBench(dir) {
  const results = {};
  for (const [name, database] of [['sqlite', dir], ['postgres', PG_URL]]) {
    log(`self-check, ${name}`);
    try {
      results[name] = bench(['selfcheck', '--database', database, '--children', String(SELFCHECK.children),
        '--visits', String(SELFCHECK.visits), '--runs', String(SELFCHECK.runs)]);
    } catch (e) {
      // A report that fails (a statement past the server's timeout) is a
      // row of the table, not the end of the run; its error is above.
      results[name] = { ...SELFCHECK, failed: String(e.message).split('\n')[0] };
    }
  }
  return results;
}

function selfcheckResults() {
  const dir = mkdtempSync(join(tmpdir(), 'barnbesok-selfcheck-'));
  try {
    return selfcheckBench(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function serverLoad(pouchServer) {
  const results = {};
  const dir = mkdtempSync(join(tmpdir(), 'barnbesok-load-'));
  const devicesFile = join(dir, 'devices.json');
  try {
    for (const [name, databaseUrl] of [['sqlite', null], ['postgres', PG_URL]]) {
      log(`server load, ${name}`);
      const dataDir = join(dir, name);
      mkdirSync(dataDir);
      bench(['devices', '--database', databaseUrl ?? join(dataDir, 'barnbesok.db'), '--devices',
        String(Math.max(...DEVICE_COUNTS)), '--out', devicesFile]);
      const server = await startServer({ dataDir, databaseUrl });
      try {
        results[name] = load(server.url, devicesFile, { pids: [server.pid] });
      } finally {
        await server.stop();
      }
    }
    // What a second machine would add: two instances on one PostgreSQL
    // (the same database, now holding the rows above too), the tablets
    // dealt out between them. On this machine they share its two cores.
    log('server load, PostgreSQL, two instances');
    const first = await startServer({ dataDir: join(dir, 'postgres'), databaseUrl: PG_URL });
    try {
      const second = await startServer({ dataDir: join(dir, 'postgres'), databaseUrl: PG_URL });
      try {
        results.postgresTwo = load(`${first.url},${second.url}`, devicesFile, { pids: [first.pid, second.pid] });
      } finally {
        await second.stop();
      }
    } finally {
      await first.stop();
    }
    // The ceiling: no server here can serve more than the load generator,
    // on the same two cores, can ask of this one.
    log('server load, the stand-in');
    const standIn = await startStandIn();
    try {
      results.standIn = load(standIn.url, devicesFile, { pids: [standIn.pid], paced: false });
    } finally {
      await standIn.stop();
    }
    log('server load, pouchdb-server');
    results.pouch = load(pouchServer.url, devicesFile, { pouch: true, pids: [pouchServer.pid] });
    // Like for like: pouchdb-server storing to disk (LevelDB, its default),
    // as ours does; the in-memory row above stays as the ceiling.
    log('server load, pouchdb-server on disk');
    const diskDir = join(dir, 'pouch-disk');
    mkdirSync(diskDir);
    const diskServer = await startPouchServer({ disk: diskDir });
    try {
      results.pouchDisk = load(diskServer.url, devicesFile, { pouch: true, pids: [diskServer.pid] });
    } finally {
      await diskServer.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

const fmtMs = (ms) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);
const ratio = (a, b) => `${(a / b).toFixed(2)}×`;

export function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  const line = (r) => '| ' + r.map((c, i) => String(c).padEnd(widths[i])).join(' | ') + ' |';
  return [line(rows[0]), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...rows.slice(1).map(line)].join('\n');
}

async function main() {
  env('BARNBESOK_BENCH_POSTGRES_URL');
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const pouchServer = await startPouchServer();
  const sync = [];
  let offline = null;
  let cold = null;
  try {
    for (const size of SIZES) {
      log(`sync, ${size} records: ours`);
      const reload = size === Math.max(...SIZES);
      const o = await ours(size, { reload });
      if (o.offline) offline = o.offline;
      log(`sync, ${size} records: PouchDB and the raw IndexedDB floor`);
      const peer = { browser, serverUrl: pouchServer.url, records: o.docs, changes: CHANGES, durability: DURABILITY, newContext: diskContext };
      const p = await runPouchBrowserBench(peer);
      log(`sync, ${size} records: RxDB`);
      const r = await runRxdbBrowserBench(peer);
      sync.push({ size, ours: o, pouch: p, rxdb: r, jsonBytes: o.seeded.json_bytes });
    }
    log('cold load');
    const dir = mkdtempSync(join(tmpdir(), 'barnbesok-cold-'));
    const server = await startServer({ dataDir: dir });
    try {
      cold = await coldLoadBytes(browser, server.url);
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    const loadResults = await serverLoad(pouchServer);
    const importResults = importBench();
    const selfcheck = selfcheckResults();
    const versions = {
      ...JSON.parse(process.env.BARNBESOK_BENCH_VERSIONS ?? '{}'),
      ...bench(['versions']),
      chromium: browser.version(),
      node: process.version,
      ...(await pouchVersions()),
    };
    const unoptimised = process.env.BARNBESOK_WASM_UNOPTIMISED;
    const size = unoptimised ? sizeByCrate(unoptimised, DIST) : null;
    report({ sync, offline, cold, size, loadResults, importResults, selfcheck, versions });
  } finally {
    await browser.close();
    await pouchServer.stop();
    removeProfiles();
  }
}

export function importTable(importResults) {
  const names = { sqlite: 'ours, SQLite', postgres: 'ours, PostgreSQL' };
  const rows = [['database', 'file', 'rows', 'size', 'read (CSV to rows)', 'imported (one transaction)', 'again (all unchanged)']];
  for (const [key, r] of Object.entries(importResults)) {
    let first = 0;
    let again = 0;
    for (const f of r.files) {
      first += f.first_ms;
      again += f.again_ms;
      rows.push([names[key], f.file, f.rows.toLocaleString('en'), `${(f.bytes / 1024).toFixed(0)} KB`,
        fmtMs(f.read_ms), fmtMs(f.first_ms), fmtMs(f.again_ms)]);
    }
    rows.push([names[key], 'all three', (r.homes + r.children + r.placements).toLocaleString('en'), '', '', fmtMs(first), fmtMs(again)]);
  }
  return table(rows);
}

const PERIODS = { last_quarter: 'last quarter', last_12_months: 'last 12 months' };
const GROUPINGS = { worker: 'by social worker', sex: 'by sex' };
const fmtReportMs = (ms) => `${ms.toFixed(1)} ms`;

export function selfcheckTable(results) {
  const names = { sqlite: 'ours, SQLite', postgres: 'ours, PostgreSQL' };
  const rows = [['database', 'report', 'median', 'p95', 'runs (warm)', 'children', 'visits', 'target', '']];
  for (const [key, r] of Object.entries(results)) {
    if (r.failed) {
      rows.push([names[key], 'every report', 'failed', '', '', r.children.toLocaleString('en'),
        r.visits.toLocaleString('en'), `≤ ${SELFCHECK_TARGET_MS} ms`, 'missed']);
      continue;
    }
    for (const t of r.reports) {
      rows.push([names[key], `${PERIODS[t.period]}, ${GROUPINGS[t.group_by]}`, fmtReportMs(t.median_ms),
        fmtReportMs(t.p95_ms), t.runs, `${t.children_in_period.toLocaleString('en')} of ${r.children.toLocaleString('en')}`,
        r.visits.toLocaleString('en'), `≤ ${r.target_ms} ms`, t.p95_ms <= r.target_ms ? 'met' : 'missed']);
    }
  }
  return table(rows);
}

function report({ sync, offline, cold, size, loadResults, importResults, selfcheck, versions }) {
  const cpu = cpus();
  console.log(`\nBarnbesök benchmark, ${new Date().toISOString()}`);
  console.log(`Machine: ${cpu.length} cores (${cpu[0]?.model ?? 'unknown CPU'}), Node ${process.version}`);
  console.log('Versions: ' + Object.entries(versions).map(([k, v]) => `${k} ${v}`).join(', '));

  console.log('\nSync into IndexedDB on disk in headless Chromium (records of about 1.5 KB; ours sealed on the device with XChaCha20-Poly1305 under a records key the WebCrypto device key wraps)\n');
  const rows = [['records', 'ours: initial', 'PouchDB: initial', 'RxDB: initial', 'raw IndexedDB put (floor)', 'ours vs PouchDB', 'ours vs RxDB', 'ours vs floor',
    `ours: ${CHANGES} changes`, `PouchDB: ${CHANGES} changes`, `RxDB: ${CHANGES} changes`, 'ours: incremental / initial']];
  const faster = (peer, o) => `${(peer / o).toFixed(1)}× faster`;
  for (const s of sync) {
    rows.push([s.size.toLocaleString('en'), fmtMs(s.ours.initialMs), fmtMs(s.pouch.initialMs), fmtMs(s.rxdb.initialMs), fmtMs(s.pouch.rawIdbMs),
      faster(s.pouch.initialMs, s.ours.initialMs), faster(s.rxdb.initialMs, s.ours.initialMs), ratio(s.ours.initialMs, s.pouch.rawIdbMs),
      fmtMs(s.ours.incrementalMs), fmtMs(s.pouch.incrementalMs), fmtMs(s.rxdb.incrementalMs), `1/${Math.round(s.ours.initialMs / s.ours.incrementalMs)}`]);
  }
  console.log(table(rows));
  console.log('\nIndexedDB durability of the sync\'s writes, set explicitly and read back from each transaction\n');
  const drows = [['records', 'ours: pulled pages (and held children)', 'ours: other writes during the sync', 'PouchDB', 'RxDB (Dexie)', 'floor']];
  for (const s of sync) {
    const other = Object.entries(s.ours.writes).filter(([k]) => !k.startsWith(PAGE_STORES))
      .map(([k, n]) => `${k.replace(':', '')} ×${n}`);
    drows.push([s.size.toLocaleString('en'), s.ours.durability, other.join(', ') || 'none',
      s.pouch.durability, s.rxdb.durability, s.pouch.rawIdbDurability]);
  }
  console.log(table(drows));

  console.log('\nThe tab\'s memory after the initial sync (JavaScript heap in use after a garbage collection; ours also its wasm linear memory, its peak: taken once the caseload has been worked out from every record)\n');
  const mrows = [['records', 'ours: JavaScript heap', 'ours: wasm memory', 'PouchDB: JavaScript heap', 'RxDB: JavaScript heap']];
  const mb = (v) => (v == null || Number.isNaN(v) ? '' : `${v.toFixed(1)} MB`);
  for (const s of sync) {
    mrows.push([s.size.toLocaleString('en'), mb(s.ours.memory?.jsHeapMb), mb(s.ours.memory?.wasmMb), mb(s.pouch.heapMb), mb(s.rxdb.heapMb)]);
  }
  console.log(table(mrows));

  console.log(`\nServer under load: simulated tablets on loopback, each pushing a new visit and pulling (${LOAD_SECONDS} s per row; load generator on the same machine)\n`);
  const lrows = [['server', 'devices', 'requests/s', 'sync rounds/s', 'p50', 'p99', 'errors', 'server peak RSS']];
  const names = {
    sqlite: 'ours, SQLite',
    postgres: 'ours, PostgreSQL',
    postgresTwo: 'ours, PostgreSQL, two instances',
    pouch: 'pouchdb-server (express-pouchdb, memory)',
    pouchDisk: 'pouchdb-server (express-pouchdb, LevelDB on disk)',
    standIn: 'stand-in: the protocol answered from memory, no database, sign-in or audit (the ceiling here)',
  };
  for (const [key, results] of Object.entries(loadResults)) {
    for (const r of results) {
      const devices = r.everyMs ? `${r.devices}, each syncing every ${r.everyMs / 1000} s` : `${r.devices}, no pause`;
      lrows.push([names[key], devices, Math.round(r.requests_per_s), Math.round(r.rounds_per_s),
        `${r.p50_ms.toFixed(1)} ms`, `${r.p99_ms.toFixed(1)} ms`, r.errors,
        r.peakRssMb == null ? '' : `${Math.round(r.peakRssMb)} MB`]);
    }
  }
  const ratioNames = { ...names, standIn: 'the stand-in (ceiling)' };
  for (const [peer, label] of [['pouch', 'pouchdb-server in memory'], ['pouchDisk', 'pouchdb-server on disk']]) {
    if (!loadResults[peer]) continue;
    for (const n of DEVICE_COUNTS) {
      const p = loadResults[peer].find((r) => r.devices === n && !r.everyMs);
      for (const key of ['sqlite', 'postgres', 'postgresTwo', 'standIn']) {
        const o = loadResults[key]?.find((r) => r.devices === n && !r.everyMs);
        if (!o) continue;
        lrows.push([`${ratioNames[key]} vs ${label} (throughput)`, `${n}, no pause`, ratio(o.requests_per_s, p.requests_per_s), '', '', '', '', '']);
      }
    }
  }
  console.log(table(lrows));

  const anyImport = Object.values(importResults)[0];
  console.log(`\nImport from the case-management system: ${anyImport.children.toLocaleString('en')} children with ${anyImport.placements.toLocaleString('en')} placements and ${anyImport.homes.toLocaleString('en')} homes as CSV files, through admin import's code path into a fresh database, then the same files again\n`);
  console.log(importTable(importResults));

  const anySelfcheck = Object.values(selfcheck)[0];
  console.log(`\nThe managers' self-check (egenkontroll): ${anySelfcheck.children.toLocaleString('en')} children with ${anySelfcheck.visits.toLocaleString('en')} visits in 3 units, 40 workers; the whole report (every table beside the previous period, the lists) for all units, timed warm; "children": placed in the period\n`);
  console.log(selfcheckTable(selfcheck));

  console.log('\nApp load\n');
  const arows = [['measure', 'value']];
  arows.push(['cold load, bytes transferred (compressed as served)', `${(cold.bytes / 1024).toFixed(0)} KB in ${cold.files} responses`]);
  const parts = lazyParts(DIST);
  arows.push(['  the parts pages load when first opened (the service worker then fetches them all in the background, for offline use)', `${(parts.servedBytes / 1024).toFixed(0)} KB in ${parts.files} files`]);
  if (offline) {
    arows.push([`offline reload to the PIN screen (${offline.children} children on the device)`, fmtMs(offline.lockShown)]);
    arows.push(['PIN entered to an interactive caseload', fmtMs(offline.unlockToCaseload)]);
    arows.push(['  of which the key derived from the PIN (Argon2id, 64 MiB)', fmtMs(offline.keyDerivation)]);
    arows.push(['offline reload to an interactive caseload, without the typing', fmtMs(offline.lockShown + offline.unlockToCaseload)]);
    arows.push(['then the first child tapped, to the child\'s page', fmtMs(offline.childOpened)]);
    arows.push([`the caseload worked out from every record of ${offline.children} children (after the first sync)`, fmtMs(offline.fullLoad)]);
    const { afterChanges } = offline;
    arows.push([`the caseload after the sync of ${CHANGES} changes (${afterChanges.how === 'brought forward' ? 'brought forward by the children they touched' : 'worked out from every record'})`, fmtMs(afterChanges.ms)]);
  }
  console.log(table(arows));
  if (size) {
    const budget = JSON.parse(readFileSync(new URL('./size-budget.json', import.meta.url), 'utf8'));
    console.log('\nThe module by crate against its budget (bench/size-budget.json; each crate\'s share of the code before wasm-opt, applied to the shipped code as served)\n');
    console.log(table(budgetRows(size, budget)));
  }
  writeFileSync(process.env.BARNBESOK_BENCH_JSON ?? join(tmpdir(), 'barnbesok-bench.json'),
    JSON.stringify({ sync: sync.map(({ ours: { docs, ...o }, ...s }) => ({ ...s, ours: o })), offline, cold, size, loadResults, importResults, selfcheck, versions }, null, 2));
}

// Run as a script, not when imported (`node -e` has no script: argv[1] is unset).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => { console.error(e); process.exit(1); });
}
