// Explicit IndexedDB durability for every stack on the bench pages, loaded
// before anything else so it is in place before any database opens.
//
// Chromium has defaulted readwrite transactions to "relaxed" durability since
// v121, and PouchDB's idb adapter offers no way to choose. So this wraps
// IDBDatabase.prototype.transaction: a readwrite transaction created without
// an explicit durability gets `window.benchDurability`, taken from the page
// URL (`?durability=relaxed|strict`, default relaxed). Every readwrite
// transaction is counted by the durability it really got (`tx.durability`),
// so a run can prove which one it used:
//   window.benchTxCounts() -> { relaxed, strict, default, filledIn }
//   window.benchTxDelta(before) -> the same, minus an earlier benchTxCounts()
// (`filledIn`: how many of them got their durability from this wrapper rather
// than from the library's own option).
(function () {
  'use strict';
  const requested = new URLSearchParams(location.search).get('durability') || 'relaxed';
  if (requested !== 'relaxed' && requested !== 'strict') {
    throw new Error(`durability.js: durability must be relaxed or strict, got ${requested}`);
  }
  window.benchDurability = requested;

  const counts = { relaxed: 0, strict: 0, default: 0, filledIn: 0 };
  const original = IDBDatabase.prototype.transaction;
  IDBDatabase.prototype.transaction = function transaction(storeNames, mode, options) {
    if (mode === 'readwrite' && (options == null || options.durability === undefined)) {
      options = Object.assign({}, options, { durability: window.benchDurability });
      counts.filledIn++;
    }
    const tx = original.call(this, storeNames, mode, options);
    if (mode === 'readwrite') {
      const got = tx.durability === undefined ? 'default' : tx.durability;
      counts[got] = (counts[got] || 0) + 1;
    }
    return tx;
  };

  window.benchTxCounts = function () {
    return Object.assign({}, counts);
  };
  window.benchTxDelta = function (before) {
    const out = {};
    for (const k of Object.keys(counts)) out[k] = counts[k] - ((before && before[k]) || 0);
    return out;
  };
})();
