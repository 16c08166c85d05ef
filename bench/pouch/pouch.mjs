// Reference offline-first stack for the benchmark: PouchDB (IndexedDB adapter)
// in headless Chromium pulling from an in-memory express-pouchdb server on
// loopback, plus a raw-IndexedDB floor. See README.md beside this file.
// rxdb.mjs (the RxDB peer) shares the helpers exported here.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const LOAD_BATCH = 500;
let runCounter = 0;

export const DURABILITIES = ['relaxed', 'strict'];

/** A tag unique to this process and call, for database names. */
export function runTag() {
  return `${Date.now().toString(36)}_${process.pid}_${++runCounter}`;
}

/** The tab's JavaScript heap in use, in MB, after a full garbage collection,
 *  as DevTools counts it. */
export async function jsHeapMb(page) {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('HeapProfiler.collectGarbage');
    const { usedSize } = await cdp.send('Runtime.getHeapUsage');
    return usedSize / 2 ** 20;
  } finally {
    await cdp.detach();
  }
}

/** Spawns server.mjs on a free loopback port; resolves once it is listening. */
export async function startPouchServer({ compression = false, disk = null } = {}) {
  const args = [path.join(here, 'server.mjs'), '--port', '0'];
  if (compression) args.push('--compression');
  if (disk) args.push('--disk', disk);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  // Don't leave a server behind if the caller exits without stop().
  const killChild = () => child.kill('SIGTERM');
  process.once('exit', killChild);

  const port = await new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => fail(new Error('pouch server: no ready line within 30 s')), 30_000);
    function fail(err) {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    }
    const onEarlyExit = (code, sig) => fail(new Error(`pouch server exited early (${code ?? sig})`));
    child.once('exit', onEarlyExit);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      buf += chunk;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(buf);
      if (m) {
        clearTimeout(timer);
        child.off('exit', onEarlyExit);
        child.stdout.resume(); // keep draining so the child never blocks on a full pipe
        resolve(Number(m[1]));
      }
    });
  });

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid,
    async stop() {
      process.off('exit', killChild);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export async function couch(method, url, body) {
  const res = await fetch(url, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** POSTs docs in batches; returns Map id -> rev. Throws on any per-doc error. */
export async function bulkLoad(dbUrl, docs) {
  const revs = new Map();
  for (let i = 0; i < docs.length; i += LOAD_BATCH) {
    const out = await couch('POST', `${dbUrl}/_bulk_docs`, { docs: docs.slice(i, i + LOAD_BATCH) });
    for (const r of out) {
      if (r.error || !r.ok) throw new Error(`_bulk_docs failed for ${r.id}: ${r.error} ${r.reason}`);
      revs.set(r.id, r.rev);
    }
  }
  return revs;
}

/** The `changes` docs edited on the server for the incremental step: spread
 *  evenly over the set, each with its current `_rev` and `benchEdit` + 1. */
export function editedDocs(records, revs, changes) {
  const edited = [];
  for (let i = 0; i < changes; i++) {
    const rec = records[Math.floor((i * records.length) / changes)];
    edited.push({ ...rec, _rev: revs.get(rec._id), benchEdit: (rec.benchEdit ?? 0) + 1 });
  }
  return edited;
}

export function checkDurabilityOption(durability) {
  if (!DURABILITIES.includes(durability)) {
    throw new Error(`durability must be one of ${DURABILITIES.join(', ')}, got ${durability}`);
  }
}

/**
 * Opens a bench page (`bench.html` or `rxdb.html`) in a fresh browser context
 * with IndexedDB durability `durability` (see durability.js) and waits until
 * `ready` (a page function) is true. The context comes from `newContext()`
 * if given (e.g. a persistent, on-disk one), else from `browser.newContext()`
 * (off the record: Chromium keeps its IndexedDB in memory).
 */
export async function openBenchPage(browser, serverUrl, {
  file = 'bench.html', durability = 'relaxed', newContext = null,
  ready = () => typeof window.PouchDB === 'function' && typeof window.benchReplicate === 'function',
} = {}) {
  checkDurabilityOption(durability);
  const context = newContext ? await newContext() : await browser.newContext();
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (err) => pageErrors.push(err));
  try {
    await page.goto(`${serverUrl}/${file}?durability=${durability}`);
    await page.waitForFunction(ready, null, { timeout: 30_000 });
    const set = await page.evaluate(() => window.benchDurability);
    if (set !== durability) throw new Error(`${file}: page durability is ${set}, expected ${durability}`);
  } catch (err) {
    await context.close();
    throw pageErrors.length ? pageErrors[0] : err;
  }
  return { context, page, pageErrors };
}

/**
 * The durability the readwrite IndexedDB transactions counted in `txCounts`
 * (a page's benchTxDelta) really got. Throws unless there was at least one and
 * all of them got `requested`.
 */
export function observedDurability(txCounts, requested, what) {
  const used = ['relaxed', 'strict', 'default'].filter((k) => txCounts[k] > 0);
  if (used.length === 0) throw new Error(`${what}: no readwrite IndexedDB transaction was counted`);
  if (used.length > 1 || used[0] !== requested) {
    throw new Error(`${what}: asked for ${requested} durability, readwrite transactions got ${JSON.stringify(txCounts)}`);
  }
  return used[0];
}

/** Number of readwrite transactions in a benchTxDelta. */
export function readwriteCount(txCounts) {
  return txCounts.relaxed + txCounts.strict + txCounts.default;
}

/**
 * Times PouchDB pull replication (initial + incremental) and a raw IndexedDB
 * bulk put of the same records. `records`: plain objects with unique `_id`s.
 * `replicateOptions` is passed to `db.replicate.from`. The default raises
 * batch_size from PouchDB's 100 to 500: its docs say a larger batch speeds up
 * replication of small docs, 500 matches the page size of the Barnbesök sync
 * client, and it was the faster setting here (so PouchDB is not handicapped).
 * batches_limit keeps PouchDB's default (10).
 *
 * `durability` ('relaxed' | 'strict') is the IndexedDB durability of every
 * readwrite transaction, PouchDB's (set by durability.js, as PouchDB has no
 * option for it) and the floor's (passed to db.transaction). Each timed step
 * checks that all its readwrite transactions really got it; the result's
 * `durability` and `rawIdbDurability` are what the transactions reported.
 *
 * `newContext` (optional): an async function returning a fresh BrowserContext
 * to use instead of `browser.newContext()`. Contexts from browser.newContext()
 * are off the record, and Chromium then keeps IndexedDB in memory, so
 * durability cannot matter there; a persistent context (launchPersistentContext)
 * stores IndexedDB on disk. The context is closed after use.
 */
export async function runPouchBrowserBench({
  browser, serverUrl, records, changes = 100, replicateOptions = { batch_size: 500 }, durability = 'relaxed',
  newContext = null,
}) {
  checkDurabilityOption(durability);
  if (changes > records.length) throw new Error(`changes (${changes}) > records (${records.length})`);
  const tag = runTag();
  const remoteName = `bench_${tag}`;
  const dbUrl = `${serverUrl}/db/${remoteName}`;

  // a. Seed the server (untimed).
  await couch('PUT', dbUrl);
  const revs = await bulkLoad(dbUrl, records);

  let initialMs, incrementalMs, rawIdbMs, heapMb, observed, rawIdbDurability;
  const readwriteTx = {};
  const repl = await openBenchPage(browser, serverUrl, { durability, newContext });
  try {
    // b. Initial pull into a fresh IndexedDB-backed PouchDB.
    const localName = `local_${tag}`;
    const first = await repl.page.evaluate(([u, n, o]) => window.benchReplicate(u, n, o), [dbUrl, localName, replicateOptions]);
    if (first.adapter !== 'idb') throw new Error(`local PouchDB adapter is ${first.adapter}, expected idb`);
    if (first.docCount !== records.length) {
      throw new Error(`initial replication: local doc_count ${first.docCount} != ${records.length}`);
    }
    observed = observedDurability(first.txCounts, durability, 'PouchDB initial replication');
    readwriteTx.initial = readwriteCount(first.txCounts);
    initialMs = first.ms;
    heapMb = await jsHeapMb(repl.page);

    // c. Change `changes` docs spread evenly over the set, then pull again.
    await bulkLoad(dbUrl, editedDocs(records, revs, changes));
    const second = await repl.page.evaluate(([u, n, o]) => window.benchReplicate(u, n, o), [dbUrl, localName, replicateOptions]);
    if (second.docsWritten !== changes) {
      throw new Error(`incremental replication wrote ${second.docsWritten} docs, expected ${changes}`);
    }
    observedDurability(second.txCounts, durability, 'PouchDB incremental replication');
    readwriteTx.incremental = readwriteCount(second.txCounts);
    incrementalMs = second.ms;
    if (repl.pageErrors.length) throw repl.pageErrors[0];
  } finally {
    await repl.context.close();
  }

  // d. Raw IndexedDB floor in a fresh context. The records go in as one JSON
  // string and are parsed in the page before the timed transaction starts.
  const raw = await openBenchPage(browser, serverUrl, { durability, newContext });
  try {
    const json = JSON.stringify(records);
    const res = await raw.page.evaluate(([s, n, d]) => window.benchRawIdb(s, n, d), [json, `raw_${tag}`, durability]);
    if (res.count !== records.length) throw new Error(`raw IndexedDB: count ${res.count} != ${records.length}`);
    rawIdbDurability = observedDurability(res.txCounts, durability, 'raw IndexedDB');
    if (res.durability !== rawIdbDurability) throw new Error(`raw IndexedDB: transaction reports ${res.durability}`);
    rawIdbMs = res.ms;
    if (raw.pageErrors.length) throw raw.pageErrors[0];
  } finally {
    await raw.context.close();
  }

  // The server keeps everything in memory: drop this run's database.
  await couch('DELETE', dbUrl);

  return {
    initialMs, incrementalMs, rawIdbMs, heapMb, docs: records.length,
    durability: observed, rawIdbDurability, readwriteTx,
  };
}

export async function versionOf(pkg) {
  const json = JSON.parse(await readFile(path.join(here, 'node_modules', pkg, 'package.json'), 'utf8'));
  return json.version;
}

/** Versions of the installed reference stacks (PouchDB and RxDB). */
export async function pouchVersions() {
  const [pouchdb, expressPouchdb, express, rxdb, rxjs, dexie] = await Promise.all(
    ['pouchdb', 'express-pouchdb', 'express', 'rxdb', 'rxjs', 'dexie'].map(versionOf),
  );
  return { pouchdb, expressPouchdb, express, rxdb, rxjs, dexie };
}
