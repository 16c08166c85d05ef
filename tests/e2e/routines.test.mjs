// The routine library: found offline by Swedish search, read with its
// earlier versions; a manager publishes a new version and a social worker's
// tablet gets it with the next sync.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openMenu, signIn, useServerAndBrowser, waitForOfflineApp, waitForText } from './harness.mjs';

const env = useServerAndBrowser();

async function tablet(username) {
  const context = await env.browser.newContext({ viewport: { width: 1024, height: 768 }, locale: 'sv-SE' });
  const page = await context.newPage();
  await page.goto(env.server.url);
  await signIn(page, username);
  await waitForText(page.getByTestId('sync-status'), 'Synkad');
  return { context, page };
}

test('routines are searched and read offline, old versions included', async () => {
  const { context, page } = await tablet('demo.anna');
  await waitForOfflineApp(page);
  await context.setOffline(true);
  await openMenu(page);
  await page.getByRole('link', { name: 'Rutiner' }).click();
  await page.getByRole('heading', { name: 'Rutiner' }).waitFor();
  // No review flags for a social worker.
  assert.equal(await page.getByRole('heading', { name: 'Revision försenad' }).count(), 0);

  // Typed without å/ä/ö, and inflected: still found.
  await page.getByLabel('Sök i rutinerna').fill('besok');
  const first = page.getByTestId('routine-hit').first();
  await waitForText(first, 'Besök hos placerade barn');
  await page.getByLabel('Sök i rutinerna').fill('klagomålet');
  await waitForText(page.getByTestId('routine-hit').first(), 'klagomål');
  await page.getByLabel('Sök i rutinerna').fill('xyzzy');
  await page.getByText('Inga rutiner matchar sökningen.').waitFor();

  await page.getByLabel('Sök i rutinerna').fill('besök');
  await page.getByTestId('routine-hit').first().getByRole('link').click();
  await page.getByRole('heading', { name: 'Besök hos placerade barn', level: 1 }).waitFor();
  await waitForText(page.getByTestId('routine-version'), '2 (gällande)');
  await page.getByRole('link', { name: 'Version 1' }).click();
  await waitForText(page.getByTestId('routine-version'), '1 (ersatt)');
  // Nothing in a routine runs as HTML: no script element came from it.
  assert.equal(await page.locator('.routine__body script').count(), 0);
  await context.close();
});

test('a manager publishes a version; a social worker gets it', async () => {
  const erik = await tablet('demo.erik');
  const { page } = erik;
  await openMenu(page);
  await page.getByRole('link', { name: 'Rutiner' }).click();
  // The seed's health-examination routine is past its review date.
  await page.getByRole('heading', { name: 'Revision försenad' }).waitFor();
  await page.getByRole('link', { name: 'Samtal med barn' }).first().click();
  await page.getByRole('button', { name: 'Publicera version 2' }).click();
  await page.getByLabel('Text (Markdown)').fill('## Syfte\n\nNy text om **samtal** med barn, med barnets egna ord.');
  await page.getByText('Ny text om').waitFor();
  await page.getByRole('button', { name: 'Publicera', exact: true }).click();
  await waitForText(page.getByTestId('publish-outcome'), 'Version 2 är publicerad');
  await erik.context.close();

  const anna = await tablet('demo.anna');
  await openMenu(anna.page);
  await anna.page.getByRole('link', { name: 'Rutiner' }).click();
  await anna.page.getByRole('link', { name: 'Samtal med barn' }).first().click();
  // Valid from tomorrow: today's version still applies, the new one is listed.
  await waitForText(anna.page.getByTestId('routine-version'), '1 (gällande)');
  await anna.page.getByRole('link', { name: 'Version 2' }).click();
  await anna.page.getByText('Ny text om').waitFor();
  await anna.context.close();
});
