// Refused work is never lost: an edit the server refuses (the child was
// handed over while the tablet was offline) is listed with what it was; it
// can be printed with everything it holds and sent again; dismissing it asks
// first and says what goes. The child stays on the tablet, and is listed,
// until then, and leaves after.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { signIn, useServerAndBrowser, waitForText } from './harness.mjs';

const env = useServerAndBrowser();
const NOAH = 'de300000-0000-4000-8000-00000000c002';

function admin(...args) {
  execFileSync(env.server.bin, ['--data-dir', join(env.server.dir, 'data'), 'admin', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function syncAndWait(page, text) {
  await page.getByRole('button', { name: 'Synka nu' }).click();
  await waitForText(page.getByTestId('sync-status'), text);
}

test('a refused edit is printed, sent again, and dismissed only when confirmed', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1024, height: 768 }, locale: 'sv-SE' });
  const page = await context.newPage();
  await page.goto(env.server.url);
  await signIn(page, 'demo.anna');
  await waitForText(page.getByTestId('sync-status'), 'Synkad');

  // Offline, Anna edits Noah's placement; meanwhile Noah is handed over.
  await page.getByRole('link', { name: /Noah Påhittad/ }).click();
  await page.getByRole('heading', { name: 'Noah Påhittad' }).waitFor();
  await context.setOffline(true);
  await page.getByRole('button', { name: 'Ändra placering' }).click();
  await page.getByLabel('Hem', { exact: true }).fill('Familjen Nyhem');
  await page.getByRole('button', { name: 'Spara placering' }).click();
  await waitForText(page.getByTestId('sync-status'), '1 ändring väntar');
  admin('unassign', 'demo.anna', NOAH);
  await context.setOffline(false);
  await syncAndWait(page, 'avvisades');

  // Listed, with the child kept for it.
  await page.getByTestId('sync-status').click();
  const details = page.locator('#sync-details');
  await waitForText(details, 'Ändringen av placeringen avvisades.');
  await waitForText(details.getByRole('note'), 'finns inte längre i din lista');
  await details.getByRole('note').getByRole('link', { name: 'Noah Påhittad' }).waitFor();

  // The print view holds what was written.
  await details.getByRole('link', { name: 'Skriv ut' }).click();
  await page.getByRole('heading', { name: 'Avvisad ändring' }).waitFor();
  const printed = await page.locator('.print-record').innerText();
  assert.match(printed, /Familjen Nyhem/);
  assert.match(printed, /Barnets id\s+de300000-0000-4000-8000-00000000c002/);
  await page.getByRole('button', { name: 'Skriv ut' }).waitFor();

  // Sent again: refused again (Noah is no longer Anna's), still listed.
  if (!(await details.isVisible())) await page.getByTestId('sync-status').click();
  // Offline first, so the change is seen back in the outbox.
  await context.setOffline(true);
  await details.getByRole('button', { name: 'Skicka igen' }).click();
  await waitForText(page.getByTestId('sync-status'), '1 ändring väntar');
  assert.equal(await details.getByRole('listitem').filter({ hasText: 'avvisades' }).count(), 0);
  await context.setOffline(false);
  await syncAndWait(page, 'avvisades');
  assert.equal(await details.getByRole('listitem').filter({ hasText: 'avvisades' }).count(), 1);
  const [[tries]] = env.server.query(
    "SELECT COUNT(*) FROM placements WHERE child_id = ? AND home_name = 'Familjen Nyhem'", NOAH);
  assert.equal(tries, 0, 'the server never took it');

  // Dismissing asks first and names what goes; "Behåll" keeps it.
  await details.getByRole('button', { name: 'Ta bort…' }).click();
  const ask = details.getByRole('alertdialog');
  await waitForText(ask, 'Ändringen av placeringen finns inte på servern');
  await waitForText(ask, 'för gott');
  await ask.getByRole('button', { name: 'Behåll' }).click();
  assert.equal(await details.getByRole('listitem').filter({ hasText: 'avvisades' }).count(), 1);
  await details.getByRole('button', { name: 'Ta bort…' }).click();
  await details.getByRole('alertdialog').getByRole('button', { name: 'Ta bort för gott' }).click();
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline
    && await details.getByRole('listitem').filter({ hasText: 'avvisades' }).count() > 0) {
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(await details.getByRole('listitem').filter({ hasText: 'avvisades' }).count(), 0);

  // Nothing waits now: Noah leaves the tablet with the next sync.
  await syncAndWait(page, 'Synkad');
  await page.getByRole('link', { name: 'Barnbesök' }).click();
  await page.getByRole('heading', { name: 'Mina barn' }).waitFor();
  const deadline2 = Date.now() + 10_000;
  while (Date.now() < deadline2 && await page.getByRole('link', { name: /Noah Påhittad/ }).count() > 0) {
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(await page.getByRole('link', { name: /Noah Påhittad/ }).count(), 0);
  assert.equal(await details.getByRole('note').count(), 0, 'no child is held back any more');
  await context.close();
});
