// The visit log on a tablet: a draft survives a reload, signing names what
// is missing, a signed visit is locked and corrected only by an attributed
// addition shown with the original, and all of it reaches the server once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { apiGet, signIn, unlock, useServerAndBrowser, waitForText } from './harness.mjs';

const env = useServerAndBrowser();

async function visitsOnServer(childId) {
  const res = await apiGet(env.server, `/api/v1/sync/pull?protocol=1&since=0&limit=1000&child=${childId}`, 'demo.anna');
  assert.equal(res.status, 200);
  return (await res.json()).changes;
}

test('draft, reload, sign, add a correction: offline, then once on the server', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1024, height: 768 }, locale: 'sv-SE' });
  const page = await context.newPage();
  await page.goto(env.server.url);
  await signIn(page, 'demo.anna');
  await waitForText(page.getByTestId('sync-status'), 'Synkad');
  await page.getByRole('link', { name: /Noah Påhittad/ }).click();
  await page.getByRole('heading', { name: 'Noah Påhittad' }).waitFor();
  await context.setOffline(true);

  // Half a visit, then the tablet reloads (battery, a crash, the browser).
  const words = `Jag vill bo kvar här men träffa mormor oftare ${randomUUID()}`;
  await page.getByLabel('Vad frågade du barnet om?').fill('Hur det är i skolan och hemma.');
  await page.getByLabel('Barnets synpunkter', { exact: true }).fill(words);
  await page.getByRole('group', { name: 'Talade du enskilt med barnet?' }).getByLabel('Nej').check();
  await waitForText(page.getByTestId('draft-status'), 'Utkast sparat på enheten');
  await page.reload();
  await unlock(page);
  await page.getByRole('heading', { name: 'Noah Påhittad' }).waitFor();
  await waitForText(page.getByTestId('draft-status'), 'Utkast sparat på enheten');
  assert.equal(await page.getByLabel('Barnets synpunkter', { exact: true }).inputValue(), words);

  // Signing names what is missing: why not alone, and feedback.
  await page.getByRole('button', { name: 'Signera besöket' }).click();
  await page.getByText('Besöket kan inte signeras än').waitFor();
  await page.getByText('Ange varför ni inte talade enskilt.').waitFor();
  await page.getByText('Ange om barnet fick återkoppling.').waitFor();

  await page.getByLabel('Annat skäl').check();
  await page.getByRole('button', { name: 'Signera besöket' }).click();
  await page.getByText('Beskriv det andra skälet.').waitFor();
  await page.getByLabel('Beskriv skälet').fill('Familjehemsmamman satt med, barnet ville det.');
  await page.getByRole('group', { name: 'Fick barnet återkoppling på det hen sa?' }).getByLabel('Ja').check();
  await page.getByLabel('Hur påverkar barnets synpunkter ärendet?').fill('Umgänge med mormor tas upp i vårdplanen.');
  await page.getByRole('button', { name: 'Signera besöket' }).click();
  await waitForText(page.getByTestId('draft-status'), 'Besöket är signerat');

  // The signed visit is in the log; the form is empty again.
  const visit = page.locator('.visit', { hasText: words });
  await visit.waitFor();
  await visit.getByText('Nej – Familjehemsmamman satt med').waitFor();
  await visit.getByText('Väntar på synk').waitFor();
  assert.equal(await page.getByLabel('Barnets synpunkter', { exact: true }).inputValue(), '');

  // A correction is a new entry under the original, which is unchanged.
  await visit.getByRole('button', { name: 'Gör ett tillägg' }).click();
  await visit.getByLabel('Tillägg eller rättelse').fill('Rättelse: mormor heter Ingrid.');
  await visit.getByRole('button', { name: 'Spara tillägget' }).click();
  await visit.getByText(/Tillägg .* av Anna Demosson: Rättelse: mormor heter Ingrid\./).waitFor();
  await visit.getByText(words).waitFor();

  // Back online: the visit and the addition are on the server, once each.
  await context.setOffline(false);
  await page.getByRole('button', { name: 'Synka nu' }).click();
  await waitForText(page.getByTestId('sync-status'), 'Synkad');
  const changes = await visitsOnServer('de300000-0000-4000-8000-00000000c002');
  const visits = changes.filter((c) => c.kind === 'visit' && c.data.child_view === words);
  assert.equal(visits.length, 1, JSON.stringify(visits));
  const signed = visits[0].data;
  assert.equal(signed.talked_alone, false);
  assert.equal(signed.not_alone_reason, 'other');
  assert.equal(signed.feedback_given, true);
  assert.ok(signed.signed_by, 'signed by the user');
  const additions = changes.filter((c) => c.kind === 'visit_amendment' && c.data.visit_id === signed.id);
  assert.equal(additions.length, 1);
  assert.equal(additions[0].data.text, 'Rättelse: mormor heter Ingrid.');
  await context.close();
});
