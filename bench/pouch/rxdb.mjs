// RxDB as a second browser peer: RxDB's free Dexie.js (IndexedDB) storage and
// its CouchDB replication plugin, in headless Chromium, pulling from the same
// express-pouchdb server as PouchDB does. See README.md beside this file.
import { access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import {
  bulkLoad, checkDurabilityOption, couch, editedDocs, jsHeapMb, observedDurability, openBenchPage,
  readwriteCount, runTag, versionOf,
} from './pouch.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const BUNDLE = path.join(here, 'dist', 'rxdb-page.js');

/** Same as PouchDB's batch_size in this benchmark (and the Barnbesök page size). */
export const RXDB_PULL_BATCH = 500;

/**
 * Times RxDB's pull replication (initial + incremental) from the
 * express-pouchdb server at `serverUrl` into a fresh RxDB database in a fresh
 * browser context. `records`: plain objects with unique `_id`s, as for
 * runPouchBrowserBench.
 *
 * - initialMs: in the page, createRxDatabase + addCollections + a non-live
 *   replicateCouchDB (pull only, batch size 500) until awaitInitialReplication()
 *   resolves (checked: the local collection holds `records.length` docs).
 * - incrementalMs: after `changes` docs were edited on the server, a fresh
 *   non-live replicateCouchDB with the same replication identifier into the
 *   same open database, which resumes from the stored checkpoint (checked: it
 *   received exactly `changes` docs and that many local docs now carry the
 *   edit). This includes RxDB re-reading part of the last pulled bulk from
 *   IndexedDB (see rxdb-page.src.js), which makes it vary from run to run.
 *   `readwriteTx.incremental` is 6 when nothing was re-read and about one more
 *   per 100 docs re-read.
 * - heapMb: the tab's JS heap after the initial sync (jsHeapMb).
 * - durability: what every readwrite IndexedDB transaction of the timed work
 *   reported (Dexie's chromeTransactionDurability is set to `durability`; the
 *   durability.js wrapper counts them). Throws if any got another one.
 *
 * `newContext` (optional): as for runPouchBrowserBench, a factory for the
 * BrowserContext to use instead of `browser.newContext()` (which keeps
 * IndexedDB in memory).
 */
export async function runRxdbBrowserBench({
  browser, serverUrl, records, changes = 100, durability = 'relaxed', newContext = null,
}) {
  checkDurabilityOption(durability);
  if (changes > records.length) throw new Error(`changes (${changes}) > records (${records.length})`);
  try {
    await access(BUNDLE);
  } catch {
    throw new Error(`${BUNDLE} is missing: run \`npm run build\` in bench/pouch (scripts/bench.sh does)`);
  }
  const tag = runTag();
  const remoteName = `rxbench_${tag}`;
  const dbUrl = `${serverUrl}/db/${remoteName}`;

  // a. Seed the server (untimed).
  await couch('PUT', dbUrl);
  let result;
  try {
    const revs = await bulkLoad(dbUrl, records);
    const tab = await openBenchPage(browser, serverUrl, {
      file: 'rxdb.html', durability, newContext, ready: () => typeof window.benchRxdbReplicate === 'function',
    });
    try {
      const localName = `rx_${tag}`;
      const opts = { batchSize: RXDB_PULL_BATCH, identifier: `couchdb:${dbUrl}` };
      const pull = () => tab.page.evaluate(([u, n, o]) => window.benchRxdbReplicate(u, n, o), [dbUrl, localName, opts]);

      // b. Initial pull into a fresh RxDB database.
      const first = await pull();
      if (first.storage !== 'dexie') throw new Error(`RxDB storage is ${first.storage}, expected dexie`);
      if (!first.created) throw new Error('RxDB initial replication: the database already existed');
      if (first.docCount !== records.length) {
        throw new Error(`RxDB initial replication: local count ${first.docCount} != ${records.length}`);
      }
      const observed = observedDurability(first.txCounts, durability, 'RxDB initial replication');
      const heapMb = await jsHeapMb(tab.page);

      // c. Change `changes` docs on the server, then pull again.
      const edited = editedDocs(records, revs, changes);
      await bulkLoad(dbUrl, edited);
      const second = await pull();
      if (second.created) throw new Error('RxDB incremental replication: the database was created anew');
      if (second.received !== changes) {
        throw new Error(`RxDB incremental replication received ${second.received} docs, expected ${changes}`);
      }
      if (second.docCount !== records.length) {
        throw new Error(`RxDB incremental replication: local count ${second.docCount} != ${records.length}`);
      }
      const editedLocally = await tab.page.evaluate(([n, v]) => window.benchRxdbCountEdited(n, v), [localName, 1]);
      if (editedLocally !== changes) throw new Error(`RxDB: ${editedLocally} local docs carry the edit, expected ${changes}`);
      observedDurability(second.txCounts, durability, 'RxDB incremental replication');
      if (tab.pageErrors.length) throw tab.pageErrors[0];

      result = {
        initialMs: first.ms,
        incrementalMs: second.ms,
        heapMb,
        docs: records.length,
        durability: observed,
        readwriteTx: { initial: readwriteCount(first.txCounts), incremental: readwriteCount(second.txCounts) },
      };
    } finally {
      await tab.context.close();
    }
  } finally {
    // The server keeps everything in memory: drop this run's database.
    await couch('DELETE', dbUrl);
  }
  return result;
}

/** Versions of the installed RxDB stack. */
export async function rxdbVersions() {
  const [rxdb, rxjs, dexie] = await Promise.all(['rxdb', 'rxjs', 'dexie'].map(versionOf));
  return { rxdb, rxjs, dexie };
}
