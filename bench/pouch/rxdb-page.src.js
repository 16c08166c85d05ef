// In-page half of the RxDB benchmark (bench/pouch/rxdb.mjs drives it through
// page.evaluate). Bundled by esbuild (`npm run build`) into dist/rxdb-page.js,
// which rxdb.html loads after durability.js.
//
// RxDB as its docs set it up for production: no dev-mode plugin, no schema
// validation plugin, the free Dexie.js (IndexedDB) storage, and its CouchDB
// replication plugin pulling from express-pouchdb's `_changes` feed.
import { Dexie } from 'dexie';
import { createRxDatabase } from 'rxdb';
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie';
import { replicateCouchDB } from 'rxdb/plugins/replication-couchdb';

// Dexie turns on its debug mode (async stack tagging via console.createTask
// on every table operation) when the page's origin is localhost/127.0.0.1,
// which is only true here because the bench serves the page on loopback.
// A deployed app would not be in debug mode, so switch it off.
Dexie.debug = false;

const COLLECTION = 'visits';

// The CouchDB replication maps a CouchDB `_id` to the collection's primary key
// (couchSwapIdToPrimary); `_id` is the one underscore field RxDB allows as a
// primary key, so the docs go in unchanged. Deleted docs come in with
// `_deleted`, which RxDB handles itself.
const visitSchema = {
  version: 0,
  primaryKey: '_id',
  type: 'object',
  properties: {
    _id: { type: 'string', maxLength: 128 },
    kind: { type: 'string' },
    data: { type: 'object' },
    benchEdit: { type: 'number' },
  },
  required: ['_id', 'kind', 'data'],
};

const databases = new Map(); // dbName -> RxDatabase, open in this tab

async function openDatabase(dbName) {
  const db = await createRxDatabase({
    name: dbName,
    storage: getRxStorageDexie({ chromeTransactionDurability: window.benchDurability }),
    multiInstance: false,
  });
  await db.addCollections({ [COLLECTION]: { schema: visitSchema } });
  databases.set(dbName, db);
  return db;
}

// One non-live pull (`live: false`, RxDB's run-once mode): runs until the
// local collection is in sync with the server, then the replication cancels
// itself, persisting its checkpoint; awaitInitialReplication() resolves after
// that. A later run with the same identifier resumes from the checkpoint.
//
// RxDB's upstream half runs even for a pull-only replication, and a resumed
// run first re-reads from IndexedDB the local docs written since its upstream
// checkpoint. All docs of one RxDB bulk write share one `_meta.lwt`, and the
// Dexie storage takes the checkpoint of a bulk from its last written row, not
// from the row that sorts last by (lwt, id); so the resumed run re-reads the
// docs of the last pulled bulk whose ids sort after that row's: none to a few
// thousand, depending on how RxDB merged the last batches (see README).
function pullOnce(collection, remoteUrl, identifier, batchSize) {
  const state = replicateCouchDB({
    replicationIdentifier: identifier,
    collection,
    url: remoteUrl.endsWith('/') ? remoteUrl : `${remoteUrl}/`,
    live: false,
    waitForLeadership: false,
    pull: { batchSize },
  });
  let received = 0;
  return new Promise((resolve, reject) => {
    const subs = [
      state.received$.subscribe(() => { received++; }),
      state.error$.subscribe((err) => {
        subs.forEach((s) => s.unsubscribe());
        state.cancel().catch(() => {});
        const e = new Error(`RxDB replication error: ${err && err.message}`);
        e.rxdb = err && (err.parameters || err.code);
        reject(e);
      }),
    ];
    state.awaitInitialReplication().then(() => {
      subs.forEach((s) => s.unsubscribe());
      resolve({ received, canceled: state.isStopped() });
    }, reject);
  });
}

/**
 * Pulls `remoteUrl` (a CouchDB database URL) into the RxDB database `dbName`.
 * The first call for a name creates the database and its collection, and that
 * is part of the timed work; later calls reuse the open database and resume
 * the replication from its checkpoint. options: { batchSize = 500,
 * identifier = 'couchdb:' + remoteUrl }.
 */
window.benchRxdbReplicate = async function (remoteUrl, dbName, options = {}) {
  const batchSize = options.batchSize || 500;
  const identifier = options.identifier || `couchdb:${remoteUrl}`;
  const before = window.benchTxCounts();
  const t0 = performance.now();
  const created = !databases.has(dbName);
  const db = created ? await openDatabase(dbName) : databases.get(dbName);
  const { received, canceled } = await pullOnce(db[COLLECTION], remoteUrl, identifier, batchSize);
  const ms = performance.now() - t0;
  const txCounts = window.benchTxDelta(before);
  const docCount = await db[COLLECTION].count().exec();
  return { ms, created, received, canceled, docCount, txCounts, storage: db.storage.name };
};

/** How many local docs carry `benchEdit` (equal to `value` if given). */
window.benchRxdbCountEdited = async function (dbName, value) {
  const db = databases.get(dbName);
  const docs = await db[COLLECTION].find({ selector: { benchEdit: { $exists: true } } }).exec();
  return docs.filter((d) => value === undefined || d.benchEdit === value).length;
};

window.benchRxdbClose = async function (dbName) {
  const db = databases.get(dbName);
  if (db) await db.close();
  databases.delete(dbName);
};
