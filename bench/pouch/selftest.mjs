// Quick end-to-end check of the PouchDB reference stack:
//   node bench/pouch/selftest.mjs [--records N] [--batch-size B] [--batches-limit L] [--compression]
// Launches headless Chromium, starts server.mjs, runs runPouchBrowserBench on
// N (default 2000) deterministic ~1.5 KB visit records and prints the figures.
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { startPouchServer, runPouchBrowserBench, pouchVersions } from './pouch.mjs';

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
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const server = await startPouchServer({ compression });
try {
  const t0 = performance.now();
  const figures = await runPouchBrowserBench({ browser, serverUrl: server.url, records, replicateOptions });
  const round = (x) => Math.round(x * 10) / 10;
  console.log(JSON.stringify({
    ...figures,
    initialMs: round(figures.initialMs),
    incrementalMs: round(figures.incrementalMs),
    rawIdbMs: round(figures.rawIdbMs),
    avgDocBytes: avgBytes,
    replicateOptions: replicateOptions ?? 'default',
    compression,
    wallS: round((performance.now() - t0) / 1000),
    serverCpuS: serverCpuSeconds(server.pid),
    versions: await pouchVersions(),
    chromium: browser.version(),
  }));
} finally {
  await server.stop();
  await browser.close();
}
