// Reference sync server for the benchmark: express-pouchdb (CouchDB-compatible
// HTTP API) over PouchDB databases at /db, in memory or, with --disk, in
// LevelDB files under DIR (as pouchdb-server stores them by default), plus
// the browser bench pages (PouchDB, RxDB) on the same origin so they need no
// CORS.
//
//   node bench/pouch/server.mjs --port P [--compression] [--disk DIR]
//
// Prints `listening on http://127.0.0.1:P` once ready; nothing per request.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import express from 'express';
import expressPouchDB from 'express-pouchdb';
import PouchDB from 'pouchdb-core';
import memoryAdapter from 'pouchdb-adapter-memory';
import leveldbAdapter from 'pouchdb-adapter-leveldb';
import httpAdapter from 'pouchdb-adapter-http';
import mapreduce from 'pouchdb-mapreduce';
import replication from 'pouchdb-replication';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

const args = process.argv.slice(2);
const portArg = args.indexOf('--port');
const port = portArg >= 0 ? Number(args[portArg + 1]) : 5984;
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`bad --port: ${args[portArg + 1]}`);
  process.exit(2);
}
// express-pouchdb gzips responses by default. On loopback that is pure CPU
// cost on both ends (CouchDB itself does not compress by default), so it is
// off unless asked for.
const compression = args.includes('--compression');
const diskArg = args.indexOf('--disk');
const disk = diskArg >= 0 ? args[diskArg + 1] : null;
if (diskArg >= 0 && !disk) {
  console.error('--disk needs a directory');
  process.exit(2);
}

const ServerPouch = PouchDB.plugin(memoryAdapter)
  .plugin(leveldbAdapter)
  .plugin(httpAdapter)
  .plugin(mapreduce)
  .plugin(replication)
  .defaults(disk ? { adapter: 'leveldb', prefix: `${path.resolve(disk)}${path.sep}` } : { adapter: 'memory' });

const app = express();
app.disable('x-powered-by');

// The bench pages, their scripts, the browser build of PouchDB and the RxDB
// bundle (dist/rxdb-page.js, made by `npm run build`).
const pouchDist = path.join(path.dirname(require.resolve('pouchdb/package.json')), 'dist');
app.get('/bench.html', (req, res) => res.sendFile(path.join(here, 'bench.html')));
app.get('/bench-page.js', (req, res) => res.sendFile(path.join(here, 'bench-page.js')));
app.get('/durability.js', (req, res) => res.sendFile(path.join(here, 'durability.js')));
app.get('/pouchdb.min.js', (req, res) => res.sendFile(path.join(pouchDist, 'pouchdb.min.js')));
app.get('/rxdb.html', (req, res) => res.sendFile(path.join(here, 'rxdb.html')));
app.get('/rxdb-page.js', (req, res) => res.sendFile(path.join(here, 'dist', 'rxdb-page.js')));

// `minimumForPouchDB` is the documented mode for serving PouchDB clients: it
// leaves out the CouchDB extras (config/log files on disk, auth, Fauxton).
app.use('/db', expressPouchDB(ServerPouch, {
  mode: 'minimumForPouchDB',
  overrideMode: compression ? {} : { exclude: ['compression'] },
}));

const server = app.listen(port, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
// 200 concurrent load-test clients on keep-alive connections: don't let Node's
// defaults (5 s keep-alive, connection churn) become the bottleneck.
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.maxConnections = 10_000;

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    server.close();
    server.closeAllConnections?.();
    process.exit(0);
  });
}
