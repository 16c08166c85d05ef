// Every read on the tablet reaches the audit log: the caseload list, a
// search, the calendar and the calendar export, one entry per child shown,
// as a unit manager sees them (GET /api/v1/audit). The export says what
// leaves the protected store first, and names children by initials unless
// the user chooses otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { apiGet, signIn, useServerAndBrowser, waitForText } from './harness.mjs';

const env = useServerAndBrowser();

// demo.anna's children (server/src/demo.rs).
const ALVA = 'de300000-0000-4000-8000-00000000c001';
const ANNAS = [ALVA, 'de300000-0000-4000-8000-00000000c002', 'de300000-0000-4000-8000-00000000c003'];

async function syncNow(page) {
  await page.getByRole('button', { name: 'Synka nu' }).click();
  await waitForText(page.getByTestId('sync-status'), 'Synkad');
}

/** Anna's reads in the log, as the unit manager reviews them: detail → child ids. */
async function readsByDetail() {
  const res = await apiGet(env.server, '/api/v1/audit?user=' + (await annaId()), 'demo.erik');
  assert.equal(res.status, 200);
  const review = await res.json();
  const by = {};
  for (const e of review.entries.filter((e) => e.action === 'read')) {
    (by[e.detail] ??= []).push(e.child_id);
  }
  return by;
}

async function annaId() {
  const [[id]] = env.server.query("SELECT id FROM users WHERE username = 'demo.anna'");
  return id;
}

test('the caseload, a search, the calendar and the export are logged per child', async () => {
  const context = await env.browser.newContext({
    viewport: { width: 1024, height: 768 }, locale: 'sv-SE', acceptDownloads: true,
  });
  const page = await context.newPage();
  await page.goto(env.server.url);
  await signIn(page, 'demo.anna');
  await waitForText(page.getByTestId('sync-status'), 'Synkad');
  await page.getByRole('link', { name: /Alva Exempelsson/ }).waitFor();

  // A search that shows Alva only.
  await page.getByLabel('Sök barn').fill('Alva');
  await waitForText(page.getByRole('status').filter({ hasText: 'barn' }), '1 barn');

  // The calendar, a month at a time.
  await page.getByRole('link', { name: 'Kalender' }).click();
  await page.getByRole('heading', { name: 'Kalender' }).waitFor();
  await page.getByRole('button', { name: 'Månad' }).click();

  // The export: first what leaves, initials chosen; nothing is saved until confirmed.
  await page.getByRole('button', { name: 'Exportera till kalender (.ics)' }).click();
  const dialog = page.getByRole('dialog', { name: 'Exportera till kalender' });
  await waitForText(dialog, 'lämnar Barnbesöks skyddade lagring');
  assert.ok(await dialog.getByLabel('Initialer (rekommenderas)').isChecked(), 'initials by default');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    dialog.getByRole('button', { name: 'Spara kalenderfilen' }).click(),
  ]);
  const ics = readFileSync(await download.path(), 'utf8');
  assert.match(ics, /SUMMARY:[^\r\n]*A\.E\./, ics);
  assert.ok(!ics.includes('Alva') && !ics.includes('Exempelsson'), 'no names in the file');
  await waitForText(page.getByRole('status').filter({ hasText: 'Kalenderfilen' }), 'sparades');

  await syncNow(page);
  const reads = await readsByDetail();
  assert.deepEqual([...new Set(reads.listed_in_caseload ?? [])].sort(), [...ANNAS].sort(),
    'every child of the list');
  assert.deepEqual(reads.shown_in_search, [ALVA], 'the one child the search showed');
  assert.ok((reads.shown_in_calendar ?? []).length >= 1, 'the calendar\'s children');
  for (const child of reads.shown_in_calendar) assert.ok(ANNAS.includes(child));
  const exported = reads.exported_calendar_initials ?? [];
  assert.ok(exported.includes(ALVA), 'Alva\'s visit was exported');
  assert.equal(new Set(exported).size, exported.length, 'one entry per child');
  assert.equal(exported.length, (ics.match(/BEGIN:VEVENT/g) ?? []).length, 'as many as the file holds');
  assert.equal(reads.exported_calendar_full_name, undefined);

  // A redraw by the next sync logs nothing new.
  await page.getByRole('link', { name: 'Barnbesök' }).click();
  await syncNow(page);
  await syncNow(page);
  const again = await readsByDetail();
  assert.equal(again.listed_in_caseload.length, reads.listed_in_caseload.length + ANNAS.length,
    'opening the list again is a new read of each child, once');
  await context.close();
});
