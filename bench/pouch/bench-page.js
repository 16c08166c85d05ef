// In-page halves of the PouchDB benchmark, called by pouch.mjs through
// page.evaluate. Each returns plain JSON; timings are performance.now() deltas.
// durability.js (loaded first) sets the IndexedDB durability and counts the
// readwrite transactions; `txCounts` is what one call added to those counts.

// Pull replication from the server database into a local IndexedDB-backed
// PouchDB. Opening the local db is part of the timed work (it is lazy and
// happens during the first replication step anyway).
window.benchReplicate = async function (remoteUrl, localName, options) {
  const before = window.benchTxCounts();
  const t0 = performance.now();
  const db = new PouchDB(localName);
  const result = await db.replicate.from(remoteUrl, options || {});
  const ms = performance.now() - t0;
  const txCounts = window.benchTxDelta(before);
  const info = await db.info();
  return {
    ms,
    adapter: db.adapter,
    docCount: info.doc_count,
    docsRead: result.docs_read,
    docsWritten: result.docs_written,
    writeFailures: result.doc_write_failures,
    status: result.status,
    txCounts,
  };
};

// Raw IndexedDB floor: the records arrive as a JSON string and are parsed
// first (untimed), then all of them are put in ONE readwrite transaction,
// timed from the transaction's creation to its `complete` event. The
// durability is passed explicitly (the wrapper only counts it); `durability`
// in the result is the one the transaction reports.
window.benchRawIdb = async function (recordsJson, dbName, durability) {
  const records = JSON.parse(recordsJson);
  const db = await new Promise((resolve, reject) => {
    const req = indexedDB.open(dbName, 1);
    req.onupgradeneeded = () => req.result.createObjectStore('records', { keyPath: '_id' });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
    req.onblocked = () => reject(new Error('indexedDB.open blocked'));
  });
  const before = window.benchTxCounts();
  const t0 = performance.now();
  const tx = db.transaction('records', 'readwrite', { durability: durability || window.benchDurability });
  const observed = tx.durability;
  const store = tx.objectStore('records');
  for (const r of records) store.put(r);
  await new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error('transaction aborted'));
  });
  const ms = performance.now() - t0;
  const txCounts = window.benchTxDelta(before);
  const count = await new Promise((resolve, reject) => {
    const req = db.transaction('records').objectStore('records').count();
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  db.close();
  return { ms, count, durability: observed, txCounts };
};
