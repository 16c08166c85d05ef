// A placement's life on the tablet, offline: tick its checklist, end it with
// a signed closing note, record the new placement; then all of it reaches
// the server once. And the caseload's filters and the calendar.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { apiGet, signIn, useServerAndBrowser, waitForText } from './harness.mjs';

const env = useServerAndBrowser();
const ALVA = 'de300000-0000-4000-8000-00000000c001';

async function feedOf(childId) {
  const res = await apiGet(env.server, `/api/v1/sync/pull?protocol=1&since=0&limit=1000&child=${childId}`, 'demo.anna');
  assert.equal(res.status, 200);
  return (await res.json()).changes;
}

async function tablet() {
  const context = await env.browser.newContext({ viewport: { width: 1024, height: 768 }, locale: 'sv-SE', acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(env.server.url);
  await signIn(page, 'demo.anna');
  await waitForText(page.getByTestId('sync-status'), 'Synkad');
  return { context, page };
}

test('checklist, closing and a new placement, offline, then once on the server', async () => {
  const { context, page } = await tablet();
  await page.getByRole('link', { name: /Alva Exempelsson/ }).click();
  await page.getByRole('heading', { name: 'Alva Exempelsson' }).waitFor();
  await context.setOffline(true);

  // The checklist: tick one item done, another not applicable, undo one.
  const progress = page.getByTestId('checklist-progress');
  const before = await progress.innerText();
  const complaint = page.getByRole('group', { name: /hur man klagar/ });
  await complaint.getByRole('button', { name: 'Klar' }).click();
  await complaint.getByRole('button', { name: 'Ångra' }).waitFor();
  const disability = page.getByRole('group', { name: /Funktionshandläggare har besökt/ });
  await disability.getByRole('button', { name: 'Ej aktuellt' }).click();
  const contact = page.getByRole('group', { name: /kontaktuppgifter/ });
  await contact.getByRole('button', { name: 'Klar' }).click();
  await contact.getByRole('button', { name: 'Ångra' }).click();
  await contact.getByRole('button', { name: 'Klar' }).waitFor();
  const settled = (text) => Number(/(\d+) av/.exec(text)[1]);
  await waitForText(progress, `${settled(before) + 2} av`);
  await page.getByText(/Klar · Anna Demosson .* · väntar på synk/).first().waitFor();

  // End the placement: the closing form asks for what is missing.
  const note = `Alva flyttar till sin moster. ${randomUUID()}`;
  await page.getByRole('button', { name: 'Avsluta placeringen' }).click();
  await page.getByLabel('Oplanerat avslut (avbrott)').check();
  await page.getByRole('button', { name: 'Signera avslutet' }).click();
  await page.getByText('Ange skäl').waitFor();
  await page.getByLabel('Omplacering: barnet flyttar till en ny placering').check();
  await page.getByLabel('Skäl').selectOption({ label: 'Barnet ville inte bo kvar' });
  await page.getByRole('button', { name: 'Signera avslutet' }).click();
  await page.getByText('Skriv avslutsanteckningen.').waitFor();
  await page.getByLabel('Avslutsanteckning').fill(note);
  await page.getByRole('button', { name: 'Signera avslutet' }).click();
  await page.getByText(note).waitFor();
  await page.getByText(/Oplanerat avslut \(avbrott\) .* omplacering · Barnet ville inte bo kvar/).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Avsluta placeringen' }).count(), 0);

  // The new placement restarts the visit clock: first visit within a week.
  await page.getByRole('button', { name: 'Ny placering' }).click();
  await page.getByLabel('Placeringsform').selectOption({ label: 'Jourhem' });
  await page.getByLabel('Hem', { exact: true }).fill('Jourhemmet Moster Lena');
  await page.getByRole('button', { name: 'Spara placeringen' }).click();
  await page.getByText(/Jourhem · Jourhemmet Moster Lena/).first().waitFor();
  await page.getByText('Regel: första besöket inom en vecka från placeringen').waitFor();

  // Online: everything on the server, once.
  await context.setOffline(false);
  await page.getByRole('button', { name: 'Synka nu' }).click();
  await waitForText(page.getByTestId('sync-status'), 'Synkad');
  const feed = await feedOf(ALVA);
  const ticks = feed.filter((c) => c.kind === 'checklist_tick');
  assert.equal(ticks.length, 4, JSON.stringify(ticks.map((t) => t.data.item_key)));
  assert.deepEqual(ticks.map((t) => [t.data.item_key, t.data.state]).sort(), [
    ['funktionshandlaggare', 'not_applicable'],
    ['klagomal', 'done'],
    ['kontaktuppgifter', 'done'],
    ['kontaktuppgifter', 'open'],
  ].sort());
  const closings = feed.filter((c) => c.kind === 'placement_closing');
  assert.equal(closings.length, 1);
  assert.equal(closings[0].data.closing_note, note);
  assert.equal(closings[0].data.reason, 'childs_wish');
  const placements = feed.filter((c) => c.kind === 'placement').map((c) => c.data);
  assert.ok(placements.some((p) => p.home_name === 'Jourhemmet Moster Lena' && p.kind === 'emergency_home'));
  assert.ok(placements.some((p) => p.id === closings[0].data.placement_id && p.end_date === closings[0].data.end_date),
    'the closed placement ends on the closing date');
  await context.close();
});

test('the caseload filters and the calendar with its iCalendar export', async () => {
  const { context, page } = await tablet();
  await page.getByLabel('Sök barn').fill('noa');
  await waitForText(page.getByRole('status').filter({ hasText: 'barn' }), '1 barn');
  await page.getByRole('link', { name: /Noah Påhittad/ }).waitFor();
  await page.getByLabel('Sök barn').fill('');
  await page.getByLabel('Placeringsform').selectOption({ label: 'HVB' });
  const shown = await page.locator('.caseload__item').count();
  for (const row of await page.locator('.caseload__item').allInnerTexts()) {
    assert.match(row, /HVB/);
  }
  assert.ok(shown < 3);
  await page.getByLabel('Placeringsform').selectOption({ label: 'Alla' });

  await page.getByRole('link', { name: 'Kalender' }).click();
  await page.getByRole('heading', { name: 'Kalender' }).waitFor();
  await page.getByRole('button', { name: 'Månad' }).click();
  // The export says what leaves the tablet before it saves anything.
  await page.getByRole('button', { name: 'Exportera till kalender (.ics)' }).click();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('dialog', { name: 'Exportera till kalender' })
      .getByRole('button', { name: 'Spara kalenderfilen' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'barnbesok.ics');
  const ics = await readFile(await download.path(), 'utf8');
  assert.match(ics, /^BEGIN:VCALENDAR\r\n/);
  assert.equal((ics.match(/BEGIN:VEVENT/g) ?? []).length, 3, ics);
  assert.match(ics, /SUMMARY:Besök: N\.P\./);
  assert.ok(!ics.includes('Noah') && !ics.includes('Påhittad'), 'initials only, by default');
  await context.close();
});
