// Samtalsstöd on a tablet, offline: the child gets a child mode with three
// tools and nothing else; only the social worker's PIN leaves it; the
// child's answers go into the visit, reach the server when signed and
// synced, and show on the child's page as "Barnets röst över tid".
//
// With SCREENSHOT_DIR set, each tool is also photographed there (the
// README's pictures: SCREENSHOT_DIR=docs/screenshots).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PIN, apiGet, recordVisit, signIn, swedishDate, useServerAndBrowser, waitForText } from './harness.mjs';

const env = useServerAndBrowser();
const NOAH = 'de300000-0000-4000-8000-00000000c002';

async function photo(page, name) {
  const dir = process.env.SCREENSHOT_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  // Caret and focus ring blink and move: leave them out of the picture.
  await page.evaluate(() => { document.activeElement?.blur(); window.scrollTo(0, 0); });
  await page.screenshot({ path: join(dir, name), fullPage: true });
}

/** Waits until a form control's value is `value`; fails with what it saw. */
async function waitForValue(locator, value, timeout = 5_000) {
  const deadline = Date.now() + timeout;
  let seen;
  while (Date.now() < deadline) {
    seen = await locator.inputValue();
    if (seen === value) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`expected value "${value}", saw "${seen}"`);
}

/** Drags with the mouse from one point to another in small steps. */
async function drag(page, from, to) {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps: 12 });
  await page.mouse.up();
}

test('child mode: three tools, PIN to leave, results in the signed visit and over time', async () => {
  const context = await env.browser.newContext({
    viewport: { width: 1024, height: 768 }, hasTouch: true, locale: 'sv-SE',
  });
  const page = await context.newPage();
  await page.goto(env.server.url);
  await signIn(page, 'demo.anna');
  await waitForText(page.getByTestId('sync-status'), 'Synkad');
  await page.getByRole('link', { name: /Noah Påhittad/ }).click();
  await page.getByRole('heading', { name: 'Noah Påhittad' }).waitFor();
  await context.setOffline(true);

  // The child mode: the cards and nothing else of the app.
  await page.getByRole('button', { name: 'Samtalsstöd', exact: true }).click();
  const childMode = page.getByTestId('child-mode');
  await childMode.getByRole('heading', { name: 'Vad vill du göra?' }).waitFor();
  await photo(page, 'samtalsstod-kort.png');
  assert.equal(await page.getByTestId('signed-in-user').count(), 0, 'no user menu');
  assert.equal(await page.getByRole('button', { name: 'Synka nu' }).count(), 0, 'no sync button');
  assert.equal(await page.getByRole('link').count(), 0, 'no links out');
  assert.equal(await page.getByRole('heading', { name: 'Noah Påhittad' }).count(), 0, 'no child data');
  // Chromium can speak: each screen offers to read its words aloud.
  await childMode.getByRole('button', { name: 'Läs upp' }).click();

  // The back button stays in the child mode.
  await page.evaluate(() => history.back());
  await page.waitForTimeout(300);
  await childMode.getByRole('heading', { name: 'Vad vill du göra?' }).waitFor();
  assert.equal(await page.getByTestId('signed-in-user').count(), 0);

  // Tre hus: a house with words and a drawing.
  await childMode.getByRole('button', { name: /Tre hus/ }).click();
  await childMode.getByRole('heading', { name: 'Tre hus' }).waitFor();
  await childMode.getByRole('button', { name: /Det bra huset/ }).click();
  await childMode.getByText('Vad är bra i ditt liv just nu?').waitFor();
  await childMode.getByLabel('Skriv här').fill('Hunden Sixten och fotbollen');
  const canvas = childMode.locator('canvas');
  const box = await canvas.boundingBox();
  await drag(page,
    { x: box.x + box.width * 0.2, y: box.y + box.height * 0.3 },
    { x: box.x + box.width * 0.8, y: box.y + box.height * 0.7 });
  await drag(page,
    { x: box.x + box.width * 0.2, y: box.y + box.height * 0.7 },
    { x: box.x + box.width * 0.8, y: box.y + box.height * 0.3 });
  await photo(page, 'samtalsstod-tre-hus.png');
  await childMode.getByRole('button', { name: 'Tillbaka till husen' }).click();
  await childMode.getByRole('button', { name: /Det bra huset ✓ Du har skrivit eller ritat här/ }).waitFor();
  await childMode.getByRole('button', { name: 'Jag är klar' }).click();
  await childMode.getByRole('button', { name: /Tre hus.*✓ Sparat/ }).waitFor();

  // Känsloskalan: one question at a time.
  await childMode.getByRole('button', { name: /Känsloskalan/ }).click();
  await childMode.getByRole('heading', { name: 'Hur känns det i hemmet där du bor?' }).waitFor();
  await waitForText(childMode.getByText(/^Fråga \d av 6$/), 'Fråga 1 av 6');
  const next = childMode.getByRole('button', { name: 'Nästa' });
  assert.equal(await next.isDisabled(), true, 'no answer, no next');
  await childMode.getByRole('button', { name: 'Ganska bra', exact: true }).click();
  assert.equal(await childMode.getByRole('button', { name: 'Ganska bra', exact: true }).getAttribute('aria-pressed'), 'true');
  await childMode.getByLabel('Vill du säga något mer?').fill('Bra mat');
  await next.click();
  await childMode.getByRole('heading', { name: 'Hur känns det i skolan?' }).waitFor();
  await childMode.getByRole('button', { name: 'Ganska dåligt', exact: true }).click();
  await photo(page, 'samtalsstod-kanslor.png');
  await next.click();
  await childMode.getByRole('button', { name: 'Hoppa över' }).click();
  await childMode.getByRole('heading', { name: 'Hur känns det med kontakten med din familj?' }).waitFor();
  await childMode.getByRole('button', { name: 'Mycket bra', exact: true }).click();
  await childMode.getByRole('button', { name: 'Jag är klar' }).click();
  await childMode.getByRole('button', { name: /Känsloskalan.*✓ Sparat/ }).waitFor();

  // Mitt nätverk: Mormor dragged close, Pappa put in the middle ring with
  // the list (no dragging).
  await childMode.getByRole('button', { name: /Mitt nätverk/ }).click();
  await childMode.getByRole('heading', { name: 'Mitt nätverk' }).waitFor();
  await childMode.getByLabel('Vem vill du lägga till?').fill('Mormor');
  await childMode.getByRole('button', { name: 'Lägg till' }).click();
  await childMode.getByLabel('Vem vill du lägga till?').fill('Pappa');
  await childMode.getByRole('button', { name: 'Lägg till' }).click();
  const board = page.getByTestId('network-board');
  const mormor = board.getByText('Mormor', { exact: true });
  assert.equal(await childMode.getByLabel('Hur nära är Mormor?').inputValue(), 'far');
  const chip = await mormor.boundingBox();
  const area = await board.boundingBox();
  await drag(page,
    { x: chip.x + chip.width / 2, y: chip.y + chip.height / 2 },
    { x: area.x + area.width * 0.62, y: area.y + area.height * 0.45 });
  await waitForValue(childMode.getByLabel('Hur nära är Mormor?'), 'close');
  await childMode.getByLabel('Hur nära är Pappa?').selectOption({ label: 'Mittemellan' });
  await photo(page, 'samtalsstod-natverk.png');
  await childMode.getByRole('button', { name: 'Jag är klar' }).click();
  await childMode.getByRole('button', { name: /Mitt nätverk.*✓ Sparat/ }).waitFor();

  // Leaving asks for the PIN; a wrong one keeps the child mode.
  await childMode.getByRole('button', { name: 'Klart – lämna tillbaka' }).click();
  await childMode.getByRole('heading', { name: 'Lämna tillbaka till den vuxna' }).waitFor();
  await childMode.getByLabel('PIN-kod', { exact: true }).fill('000000');
  await childMode.getByRole('button', { name: 'Lämna barnläget' }).click();
  await waitForText(childMode.getByRole('alert'), 'Fel PIN-kod');
  assert.equal(await page.getByTestId('signed-in-user').count(), 0);
  await childMode.getByLabel('PIN-kod', { exact: true }).fill(PIN);
  await childMode.getByRole('button', { name: 'Lämna barnläget' }).click();
  await childMode.waitFor({ state: 'detached' });
  await page.getByTestId('signed-in-user').waitFor();

  // Back in the visit form: the child's words under "Från samtalsstödet".
  const fromTools = page.locator('.tool-results');
  await waitForText(fromTools, 'Det bra huset: Hunden Sixten och fotbollen (ritade)');
  await waitForText(fromTools, 'Hemmet: Ganska bra – ”Bra mat”');
  await waitForText(fromTools, 'Skolan: Ganska dåligt');
  await waitForText(fromTools, 'Nära: Mormor');
  await waitForText(fromTools, 'Mittemellan: Pappa');

  const note = `Samtalsstöd ${randomUUID()}`;
  // The note's label also holds its hint, so it is found by its start.
  await page.getByLabel(/^Anteckning/).fill(note);
  await recordVisit(page);
  await waitForText(page.getByTestId('draft-status'), 'Besöket är signerat');

  // Online: the signed visit on the server holds all three results.
  await context.setOffline(false);
  await page.getByRole('button', { name: 'Synka nu' }).click();
  await waitForText(page.getByTestId('sync-status'), 'Synkad');
  const res = await apiGet(env.server, `/api/v1/sync/pull?protocol=1&since=0&limit=1000&child=${NOAH}`, 'demo.anna');
  assert.equal(res.status, 200);
  const visits = (await res.json()).changes.filter((c) => c.kind === 'visit' && c.data.note === note);
  assert.equal(visits.length, 1);
  const tools = Object.fromEntries(visits[0].data.tools.map((t) => [t.tool, t]));
  assert.deepEqual(Object.keys(tools).sort(), ['feelings_scale', 'my_network', 'three_houses']);
  assert.equal(tools.three_houses.good_things, 'Hunden Sixten och fotbollen');
  const drawing = tools.three_houses.drawings.find((d) => d.house === 'good_things');
  assert.equal(drawing.strokes.length, 2);
  assert.ok(drawing.strokes.flat().every(([x, y]) => x >= 0 && x <= 1000 && y >= 0 && y <= 1000));
  assert.deepEqual(
    tools.feelings_scale.answers.map((a) => [a.theme, a.level, a.comment]),
    [['home', 4, 'Bra mat'], ['school', 2, ''], ['contact_with_family', 5, '']]);
  assert.deepEqual(
    tools.my_network.people.map((p) => [p.name, p.closeness]),
    [['Mormor', 'close'], ['Pappa', 'middle']]);

  // The child's page: the answers over time, as a chart and a table.
  const voice = page.locator('section', { has: page.getByRole('heading', { name: 'Barnets röst över tid' }) });
  await voice.waitFor();
  const table = voice.getByRole('table');
  for (const theme of ['Hemmet', 'Skolan', 'Kontakt med familjen']) {
    await table.getByRole('columnheader', { name: theme }).waitFor();
  }
  assert.equal(await table.getByRole('columnheader', { name: 'Att känna sig trygg' }).count(), 0);
  const row = table.getByRole('row', { name: new RegExp(swedishDate()) });
  await waitForText(row, '4 – Ganska bra');
  await waitForText(row, '2 – Ganska dåligt');
  await waitForText(row, '5 – Mycket bra');
  assert.equal(await voice.getByRole('img', { name: /^Hemmet: / }).count(), 1);
  if (process.env.SCREENSHOT_DIR) {
    // The sticky header would cover the section's top.
    await page.evaluate(() => { document.querySelector('.topbar').style.position = 'static'; });
    await voice.screenshot({ path: join(process.env.SCREENSHOT_DIR, 'barnets-rost-over-tid.png') });
  }
  await context.close();
});
