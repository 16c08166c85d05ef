// Quick end-to-end check of the reference stacks:
//   node bench/pouch/selftest.mjs [--records N] [--durability relaxed|strict]
//        [--pouch | --rxdb] [--persistent] [--batch-size B] [--batches-limit L] [--compression]
// Launches headless Chromium, starts server.mjs and, on N (default 2000)
// deterministic ~1.5 KB visit records, runs runPouchBrowserBench (PouchDB and
// the raw-IndexedDB floor) and runRxdbBrowserBench (RxDB) once each, one after
// the other, and prints the figures as one JSON line. `--pouch` runs only
// PouchDB and the floor, `--rxdb` only RxDB. --batch-size/--batches-limit are
// PouchDB's replication options (RxDB's pull batch stays 500). `--persistent`
// runs each page in its own persistent Chromium profile (IndexedDB on disk)
// instead of an off-the-record context (IndexedDB in memory).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startPouchServer, runPouchBrowserBench, pouchVersions } from './pouch.mjs';
import { runRxdbBrowserBench } from './rxdb.mjs';

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const n = Number(arg('--records', 2000));
// Without flags, runPouchBrowserBench's own default (batch_size 500) applies.
let replicateOptions;
if (arg('--batch-size') || arg('--batches-limit')) replicateOptions = {};
if (arg('--batch-size')) replicateOptions.batch_size = Number(arg('--batch-size'));
if (arg('--batches-limit')) replicateOptions.batches_limit = Number(arg('--batches-limit'));
const compression = process.argv.includes('--compression');
const durability = arg('--durability', 'relaxed');
const onlyPouch = process.argv.includes('--pouch');
const onlyRxdb = process.argv.includes('--rxdb');
const persistent = process.argv.includes('--persistent');
if (onlyPouch && onlyRxdb) {
  console.error('--pouch and --rxdb exclude each other (without either, both run)');
  process.exit(2);
}

// Small deterministic PRNG (mulberry32) so every run sees the same records.
function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ('barnet familjen hembesök skolan förskolan vårdnadshavare samtal oro trygghet ' +
  'boende ekonomi stöd insats uppföljning socialsekreterare mamma pappa syskon kontakt ' +
  'mående sömn mat kläder hygien fritid kamrater lärare kurator psykolog planering mål').split(' ');

export function makeRecords(count, seed = 42) {
  const r = rng(seed);
  const hex = (len) => Array.from({ length: len }, () => Math.floor(r() * 16).toString(16)).join('');
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const text = (chars) => {
    let s = '';
    while (s.length < chars) s += (s ? ' ' : '') + pick(WORDS);
    return s;
  };
  const out = [];
  for (let i = 0; i < count; i++) {
    out.push({
      _id: `visit:${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`,
      kind: 'visit',
      data: {
        caseId: `case:${hex(8)}`,
        worker: `worker-${Math.floor(r() * 40)}`,
        date: new Date(Date.UTC(2024, 0, 1) + Math.floor(r() * 700) * 86_400_000).toISOString().slice(0, 10),
        durationMin: 15 + Math.floor(r() * 120),
        location: text(40),
        participants: [text(20), text(20), text(20)],
        summary: text(300),
        observations: text(600),
        followUp: text(200),
        riskLevel: Math.floor(r() * 4),
        signed: r() < 0.7,
      },
    });
  }
  return out;
}

// user+system CPU seconds the server process has used so far (Linux only).
function serverCpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return null;
  }
}

const records = makeRecords(n);
const avgBytes = Math.round(JSON.stringify(records).length / n);
const launchOptions = {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
};
const browser = await chromium.launch(launchOptions);
const profiles = [];
// One Chromium per page, each with a fresh profile directory; closing the
// context closes that Chromium.
const newContext = persistent
  ? async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bench-pouch-profile-'));
    profiles.push(dir);
    return chromium.launchPersistentContext(dir, launchOptions);
  }
  : null;
const server = await startPouchServer({ compression });
try {
  const t0 = performance.now();
  const round = (x) => Math.round(x * 10) / 10;
  let pouch = null;
  let rxdb = null;
  if (!onlyRxdb) {
    const f = await runPouchBrowserBench({ browser, serverUrl: server.url, records, replicateOptions, durability, newContext });
    pouch = {
      initialMs: round(f.initialMs), incrementalMs: round(f.incrementalMs), heapMb: round(f.heapMb),
      durability: f.durability, readwriteTx: f.readwriteTx,
      rawIdbMs: round(f.rawIdbMs), rawIdbDurability: f.rawIdbDurability,
    };
  }
  if (!onlyPouch) {
    const f = await runRxdbBrowserBench({ browser, serverUrl: server.url, records, durability, newContext });
    rxdb = {
      initialMs: round(f.initialMs), incrementalMs: round(f.incrementalMs), heapMb: round(f.heapMb),
      durability: f.durability, readwriteTx: f.readwriteTx,
    };
  }
  console.log(JSON.stringify({
    docs: n,
    durability,
    indexedDb: persistent ? 'disk (persistent profile)' : 'memory (off-the-record context)',
    pouch,
    rxdb,
    avgDocBytes: avgBytes,
    pouchReplicateOptions: replicateOptions ?? 'default',
    compression,
    wallS: round((performance.now() - t0) / 1000),
    serverCpuS: serverCpuSeconds(server.pid),
    versions: await pouchVersions(),
    chromium: browser.version(),
  }));
} finally {
  await server.stop();
  await browser.close();
  for (const dir of profiles) rmSync(dir, { recursive: true, force: true });
}
