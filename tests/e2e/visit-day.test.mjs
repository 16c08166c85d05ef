// A whole visit, the way the issue describes the social worker's day, on a
// tablet and fully offline: open a child, hand the tablet to the child for a
// conversation tool, sign the visit, tick a checklist item, look up a
// routine; then back online, and everything is on the server once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { apiGet, PIN, recordVisit, signIn, useServerAndBrowser, waitForText } from './harness.mjs';

const env = useServerAndBrowser();
const ELSA = 'de300000-0000-4000-8000-00000000c003';

test('a visit day offline on a tablet reaches the server once', async () => {
  const context = await env.browser.newContext({
    viewport: { width: 1024, height: 768 }, hasTouch: true, locale: 'sv-SE',
  });
  const page = await context.newPage();
  await page.goto(env.server.url);
  await signIn(page, 'demo.anna');
  await waitForText(page.getByTestId('sync-status'), 'Synkad');
  await context.setOffline(true);

  await page.getByRole('link', { name: /Elsa Demosdotter/ }).click();
  await page.getByRole('heading', { name: 'Elsa Demosdotter' }).waitFor();

  // The child answers the feelings scale in child mode.
  await page.getByRole('button', { name: 'Samtalsstöd', exact: true }).click();
  const childMode = page.getByTestId('child-mode');
  await childMode.getByRole('button', { name: /Känsloskalan/ }).click();
  await childMode.getByRole('button', { name: 'Mycket bra', exact: true }).click();
  await childMode.getByRole('button', { name: 'Nästa' }).click();
  await childMode.getByRole('button', { name: 'Mittemellan', exact: true }).click();
  await childMode.getByRole('button', { name: 'Jag är klar' }).click();
  await childMode.getByRole('button', { name: 'Klart – lämna tillbaka' }).click();
  await childMode.getByLabel('PIN-kod', { exact: true }).fill(PIN);
  await childMode.getByRole('button', { name: 'Lämna barnläget' }).click();
  await childMode.waitFor({ state: 'detached' });
  await waitForText(page.locator('.tool-results'), 'Hemmet: Mycket bra');

  // The social worker signs the visit.
  const words = `Elsa: jag vill börja på fotboll ${randomUUID()}`;
  await page.getByLabel('Barnets synpunkter', { exact: true }).fill(words);
  await recordVisit(page, { alone: true });
  await waitForText(page.getByTestId('draft-status'), 'Besöket är signerat');

  // Ticks the checklist item about complaint information.
  const complaint = page.getByRole('group', { name: /hur man klagar/ });
  await complaint.getByRole('button', { name: 'Klar' }).click();
  await complaint.getByRole('button', { name: 'Ångra' }).waitFor();

  // And looks up the routine behind it: from the checklist, then by search.
  await page.locator('.checklist__item', { hasText: 'hur man klagar' }).getByRole('link', { name: 'Läs rutinen' }).click();
  await page.getByRole('heading', { name: /Information om klagomål/, level: 1 }).waitFor();
  await page.getByRole('link', { name: 'Rutiner', exact: true }).first().click();
  await page.getByLabel('Sök i rutinerna').fill('avslutsanteckning');
  await waitForText(page.getByTestId('routine-hit').first(), 'Avslut av placering');

  // Back online: everything on the server, once.
  await context.setOffline(false);
  await page.getByRole('button', { name: 'Synka nu' }).click();
  await waitForText(page.getByTestId('sync-status'), 'Synkad');
  const res = await apiGet(env.server, `/api/v1/sync/pull?protocol=1&since=0&limit=1000&child=${ELSA}`, 'demo.anna');
  const changes = (await res.json()).changes;
  const visits = changes.filter((c) => c.kind === 'visit' && c.data.child_view === words);
  assert.equal(visits.length, 1);
  const scale = visits[0].data.tools.find((t) => t.tool === 'feelings_scale');
  assert.deepEqual(scale.answers.map((a) => [a.theme, a.level]), [['home', 5], ['school', 3]]);
  const ticks = changes.filter((c) => c.kind === 'checklist_tick');
  assert.equal(ticks.length, 1);
  assert.equal(ticks[0].data.item_key, 'klagomal');
  await context.close();
});
