// Unit tests of the compiler-profile table (bench/profile-table.mjs). Run by
// scripts/test.sh: node --test bench/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { change, median, profileRows, runRows } from './profile-table.mjs';

const variant = (name, served, initial, extra = {}) => ({
  name,
  settings: name === 'shipped' ? '' : 'opt-level = "s"',
  module: { rawBytes: served * 4, servedBytes: served },
  cold: { bytes: served + 25 * 1024 },
  parts: { servedBytes: 520 * 1024 },
  runs: initial.map((initialMs) => ({ initialMs, caseloadMs: 2 * initialMs, unlockMs: 300 })),
  ...extra,
});

test('the median is the middle run, a slow outlier does not move it', () => {
  assert.equal(median([3000, 2500, 9000]), 3000);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.throws(() => median([]), /no runs/);
});

test('a variant is compared with the shipped build in whole percent, signed', () => {
  assert.equal(change(110, 100, false), ' (+10 %)');
  assert.equal(change(88, 100, false), ' (−12 %)');
  assert.equal(change(100.2, 100, false), ' (±0 %)');
  assert.equal(change(100, 100, true), '');
});

test('each variant gets one row of sizes and medians beside the shipped build', () => {
  const rows = profileRows([
    variant('shipped', 621 * 1024, [2900, 2600, 3100]),
    variant('opt-s', 683 * 1024, [2400, 2200, 9000]),
  ]);
  assert.equal(rows.length, 3);
  assert.equal(rows[0][0], 'variant');
  const [shipped, optS] = rows.slice(1);
  assert.deepEqual(shipped.slice(0, 4), ['shipped', 'as in Cargo.toml', '2484 KB', '621 KB']);
  assert.equal(shipped[6], '2900 ms');
  assert.equal(optS[3], '683 KB (+10 %)');
  assert.equal(optS[4], '708 KB (+10 %)');
  assert.equal(optS[6], '2400 ms (−17 %)');
  assert.equal(optS[7], '4800 ms (−17 %)');
  assert.equal(optS[8], '300 ms (±0 %)');
});

test('every run is listed in the order it ran', () => {
  const rows = runRows([variant('shipped', 1024, [2900.4, 2600]), variant('opt-s', 1024, [2400, 2200])]);
  assert.deepEqual(rows[0], ['variant', 'run 1', 'run 2']);
  assert.deepEqual(rows[1], ['shipped', '2900 / 5801 / 300', '2600 / 5200 / 300']);
});
