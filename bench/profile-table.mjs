// The table bench/profiles.mjs prints: each compiler-profile variant of the
// app beside the shipped one (the first), sizes as served and the medians of
// its timed runs. Kept apart from the runs so that node --test can check it.

/** The middle run; of an even number, the mean of the two middle ones. */
export function median(xs) {
  if (xs.length === 0) throw new Error('no runs to take the median of');
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const kb = (b) => `${(b / 1024).toFixed(0)} KB`;
const ms = (x) => `${Math.round(x)} ms`;
/** " (+12 %)" against the shipped build; nothing for the shipped build itself. */
export function change(x, base, isBase) {
  if (isBase) return '';
  const pct = Math.round((x / base - 1) * 100);
  return ` (${pct > 0 ? '+' : pct < 0 ? '−' : '±'}${Math.abs(pct)} %)`;
}

/** Rows for `table()`: a header, then one row per variant.
 *  results: [{ name, settings, module: { rawBytes, servedBytes }, cold: { bytes },
 *  parts: { servedBytes }, runs: [{ initialMs, caseloadMs, unlockMs }] }] */
export function profileRows(results) {
  const [base] = results;
  const m = (r, key) => median(r.runs.map((x) => x[key]));
  const rows = [['variant', 'settings (wasm-release)', 'main module raw', 'main module as served', 'cold load', 'parts as served',
    'first sync', 'caseload from every record', 'PIN to caseload, key derivation taken out']];
  for (const r of results) {
    const isBase = r === base;
    const timed = (key) => `${ms(m(r, key))}${change(m(r, key), m(base, key), isBase)}`;
    rows.push([
      r.name,
      r.settings || 'as in Cargo.toml',
      kb(r.module.rawBytes),
      `${kb(r.module.servedBytes)}${change(r.module.servedBytes, base.module.servedBytes, isBase)}`,
      `${kb(r.cold.bytes)}${change(r.cold.bytes, base.cold.bytes, isBase)}`,
      kb(r.parts.servedBytes),
      timed('initialMs'),
      timed('caseloadMs'),
      timed('unlockMs'),
    ]);
  }
  return rows;
}

/** Every run of every variant, in the order they ran. */
export function runRows(results) {
  const rounds = Math.max(...results.map((r) => r.runs.length));
  return [['variant', ...Array.from({ length: rounds }, (_, i) => `run ${i + 1}`)],
    ...results.map((r) => [r.name, ...r.runs.map((x) => `${Math.round(x.initialMs)} / ${Math.round(x.caseloadMs)} / ${Math.round(x.unlockMs)}`)])];
}
