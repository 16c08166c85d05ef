// The server-load rows of the benchmark for two builds of the server, side by
// side in one run on this machine (scripts/bench-server.sh runs it): the
// same load generator, a fresh database for each build and backend.
//
// Environment: what bench/run.mjs reads, and BARNBESOK_BASE_SERVER_BIN,
// BARNBESOK_BASE_NAME (the base build's commit), BARNBESOK_HEAD_NAME,
// BARNBESOK_BENCH_POSTGRES_BASE_URL (a second, empty PostgreSQL database).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEVICE_COUNTS, LOAD_SECONDS, bench, load, log, startServer, table } from './run.mjs';

const need = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (scripts/bench-server.sh sets it)`);
  return value;
};
const builds = [
  { name: need('BARNBESOK_BASE_NAME'), serverBin: need('BARNBESOK_BASE_SERVER_BIN'), pgUrl: need('BARNBESOK_BENCH_POSTGRES_BASE_URL') },
  { name: need('BARNBESOK_HEAD_NAME'), serverBin: need('BARNBESOK_SERVER_BIN'), pgUrl: need('BARNBESOK_BENCH_POSTGRES_URL') },
];

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'barnbesok-compare-'));
  const results = [];
  try {
    for (const backend of ['sqlite', 'postgres']) {
      for (const build of builds) {
        log(`server load, ${backend}, ${build.name}`);
        const dataDir = join(dir, `${backend}-${build.name}`);
        mkdirSync(dataDir);
        const databaseUrl = backend === 'postgres' ? build.pgUrl : null;
        const devicesFile = join(dataDir, 'devices.json');
        bench(['devices', '--database', databaseUrl ?? join(dataDir, 'barnbesok.db'), '--devices',
          String(Math.max(...DEVICE_COUNTS)), '--out', devicesFile]);
        const server = await startServer({ dataDir, databaseUrl, serverBin: build.serverBin });
        try {
          results.push({ backend, build: build.name, rows: load(server.url, devicesFile) });
        } finally {
          await server.stop();
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const cpu = cpus();
  console.log(`\nServer under load, two builds (${LOAD_SECONDS} s per row; ${cpu.length} cores, load generator on the same machine)\n`);
  const rows = [['backend', 'devices', ...builds.flatMap((b) => [`${b.name}: requests/s`, `${b.name}: p50`, `${b.name}: p99`, `${b.name}: errors`]), 'throughput, new / old']];
  for (const backend of ['sqlite', 'postgres']) {
    const [base, head] = builds.map((b) => results.find((r) => r.backend === backend && r.build === b.name).rows);
    base.forEach((b, i) => {
      const h = head[i];
      const devices = b.everyMs ? `${b.devices}, each every ${b.everyMs / 1000} s` : `${b.devices}, no pause`;
      const cells = [b, h].flatMap((r) => [Math.round(r.requests_per_s), `${r.p50_ms.toFixed(1)} ms`, `${r.p99_ms.toFixed(1)} ms`, r.errors]);
      rows.push([backend, devices, ...cells, `${(h.requests_per_s / b.requests_per_s).toFixed(2)}×`]);
    });
  }
  console.log(table(rows));
}

main().catch((e) => { console.error(e); process.exit(1); });
