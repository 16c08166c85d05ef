// The app built with each of several compiler profiles, side by side: its
// size as served and how fast the work a visit waits for runs in it. Run by
// scripts/bench-profiles.sh, which builds each variant into its own dist
// directory and lists them one JSON object a line, the shipped one first:
//   {"name": ..., "settings": ..., "dist": ...}
//
//   node bench/profiles.mjs <variants.jsonl>
import { chromium } from 'playwright-core';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { coldLoadBytes, log, ours, removeProfiles, startServer, table } from './run.mjs';
import { lazyParts, mainModule } from './wasm-size.mjs';
import { profileRows, runRows } from './profile-table.mjs';
import { CHROMIUM_ARGS } from '../tests/e2e/harness.mjs';

const variants = readFileSync(process.argv[2], 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
const RECORDS = Number(process.env.BARNBESOK_PROFILE_RECORDS ?? 10_000);
const ROUNDS = Number(process.env.BARNBESOK_PROFILE_ROUNDS ?? 3);

async function main() {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const results = variants.map((v) => ({ ...v, module: mainModule(v.dist), parts: lazyParts(v.dist), runs: [] }));
  try {
    for (const r of results) {
      const dir = mkdtempSync(join(tmpdir(), 'barnbesok-cold-'));
      const server = await startServer({ dataDir: dir, dist: r.dist });
      try {
        r.cold = await coldLoadBytes(browser, server.url);
      } finally {
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    }
    // In turns, so that a slower minute of the machine falls on every variant.
    for (let round = 1; round <= ROUNDS; round++) {
      for (const r of results) {
        log(`round ${round} of ${ROUNDS}: ${r.name}`);
        const o = await ours(RECORDS, { reload: true, dist: r.dist });
        r.runs.push({ initialMs: o.initialMs, caseloadMs: o.caseloadMs, unlockMs: o.offline.unlockToCaseload - o.offline.keyDerivation });
        removeProfiles();
      }
    }
  } finally {
    await browser.close();
    removeProfiles();
  }

  console.log(`\nBarnbesök: the app under each compiler profile, ${new Date().toISOString()}`);
  console.log(`Sizes as served (brotli); times are medians of ${ROUNDS} runs taken in turns, ${RECORDS.toLocaleString('en')} records (${(RECORDS / 50).toLocaleString('en')} children), IndexedDB on disk in headless Chromium; the PIN's key derivation (Argon2id, built at opt-level 3 in every variant) is taken out\n`);
  console.log(table(profileRows(results)));
  console.log('\nEvery run (first sync / caseload from every record / PIN to caseload without the key, ms)\n');
  console.log(table(runRows(results)));
}

main().catch((e) => { console.error(e); process.exit(1); });
