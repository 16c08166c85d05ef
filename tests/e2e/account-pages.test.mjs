// The user's own devices (sign a lost tablet out from another) and
// loggkontroll (a unit manager reviews and exports who read which child).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { openMenu, PIN, signIn, useServerAndBrowser, waitForText } from './harness.mjs';

const env = useServerAndBrowser();

async function tablet(label, username) {
  const context = await env.browser.newContext({ viewport: { width: 1024, height: 768 }, locale: 'sv-SE', acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(env.server.url);
  await page.getByLabel('Enhetens namn').fill(label);
  await signIn(page, username);
  await waitForText(page.getByTestId('sync-status'), 'Synkad');
  return { context, page };
}

test('a user signs a lost tablet out from another, and the lost one wipes itself', async () => {
  const office = await tablet('Kontorets surfplatta', 'demo.anna');
  const lost = await tablet('Tappad surfplatta', 'demo.anna');
  await lost.page.getByRole('link', { name: /Noah Påhittad/ }).waitFor();

  const { page } = office;
  await openMenu(page);
  await page.getByRole('link', { name: 'Mina enheter' }).click();
  await page.getByRole('heading', { name: 'Mina inloggade enheter' }).waitFor();
  const devices = page.getByTestId('device');
  const thisOne = devices.filter({ hasText: 'Kontorets surfplatta' });
  await thisOne.getByText('Den här enheten').waitFor();
  const other = devices.filter({ hasText: 'Tappad surfplatta' });
  assert.equal(await other.getByText('Den här enheten').count(), 0);
  assert.equal(await thisOne.getByRole('button', { name: 'Logga ut enheten' }).count(), 0,
    'the device in hand is signed out from the menu, not from this list');

  // Signing out asks first; "Avbryt" changes nothing.
  await other.getByRole('button', { name: 'Logga ut enheten' }).click();
  await other.getByRole('button', { name: 'Avbryt' }).click();
  await other.getByRole('button', { name: 'Logga ut enheten' }).click();
  await other.getByRole('button', { name: 'Ja, logga ut' }).click();
  await waitForText(page.getByTestId('devices-notice'), '”Tappad surfplatta” är utloggad');
  await page.getByTestId('device').filter({ hasText: 'Tappad surfplatta' }).waitFor({ state: 'detached' });
  await thisOne.waitFor();

  // The lost tablet reaches the server: it empties itself.
  await lost.page.getByRole('button', { name: 'Synka nu' }).click();
  await lost.page.getByRole('heading', { name: 'Logga in' }).waitFor();
  await waitForText(lost.page.getByRole('status').filter({ hasText: 'spärrats' }), 'Enheten har spärrats');

  // The tablet in hand still syncs.
  await page.getByRole('button', { name: 'Synka nu' }).click();
  await waitForText(page.getByTestId('sync-status'), 'Synkad');
  await office.context.close();
  await lost.context.close();
});

test('a unit manager reviews who read a child, filters it, and exports it', async () => {
  // Anna reads Noah's page on her tablet; that read reaches the server.
  const anna = await tablet('Annas surfplatta', 'demo.anna');
  await anna.page.getByRole('link', { name: /Noah Påhittad/ }).click();
  await anna.page.getByRole('heading', { name: 'Noah Påhittad' }).waitFor();
  await anna.page.getByRole('button', { name: 'Synka nu' }).click();
  await waitForText(anna.page.getByTestId('sync-status'), 'Synkad');

  // A social worker has no loggkontroll.
  await openMenu(anna.page);
  await anna.page.getByRole('link', { name: 'Mina enheter' }).waitFor();
  assert.equal(await anna.page.getByRole('link', { name: 'Loggkontroll' }).count(), 0);
  await anna.page.goto(new URL('/loggkontroll', env.server.url).href);
  await anna.page.getByLabel('PIN-kod', { exact: true }).fill(PIN);
  await anna.page.getByRole('button', { name: 'Lås upp' }).click();
  await anna.page.getByText('Loggkontroll är till för enhetschefer.').waitFor();
  await anna.context.close();

  const erik = await tablet('Eriks surfplatta', 'demo.erik');
  const { page } = erik;
  await openMenu(page);
  await page.getByRole('link', { name: 'Loggkontroll' }).click();
  await page.getByRole('heading', { name: 'Loggkontroll' }).waitFor();
  await waitForText(page.getByTestId('audit-summary'), 'händelser');

  // Only Anna, only Noah: her sync reads and the page she opened.
  await page.getByLabel('Användare').selectOption({ label: 'Anna Demosson (demo) · demo.anna · Socialsekreterare' });
  await page.getByLabel('Barn').selectOption({ label: 'Noah Påhittad' });
  await page.getByRole('button', { name: 'Visa' }).click();
  await waitForText(page.getByTestId('audit-summary'), 'av 1 användare');
  const rows = page.getByTestId('audit-row');
  const texts = await rows.allInnerTexts();
  assert.ok(texts.length >= 2, texts.join('\n'));
  for (const row of texts) {
    assert.match(row, /demo\.anna/);
    assert.match(row, /Noah Påhittad/);
  }
  assert.ok(texts.some((t) => t.includes('Öppnade barnets sida på surfplattan')), texts.join('\n'));
  assert.ok(texts.some((t) => t.includes('Hämtade barnets uppgifter vid synk')), texts.join('\n'));

  // A period before anything happened shows nothing.
  await page.getByLabel('Från').fill('2020-01-01');
  await page.getByLabel('Till').fill('2020-01-31');
  await page.getByRole('button', { name: 'Visa' }).click();
  await waitForText(page.getByTestId('audit-summary'), 'Inga händelser');

  // A backwards period is explained, not sent.
  await page.getByLabel('Från').fill('2020-02-01');
  await page.getByRole('button', { name: 'Visa' }).click();
  await page.getByText('Från-datumet måste vara före').waitFor();

  // The export holds the same filter's entries.
  const today = new Date().toISOString().slice(0, 10);
  await page.getByLabel('Från').fill('2020-01-01');
  await page.getByLabel('Till').fill(today);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Exportera CSV' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), `loggkontroll_2020-01-01_${today}.csv`);
  const csv = await readFile(await download.path(), 'utf8');
  const lines = csv.trim().split('\n');
  assert.match(lines[0], /^nr,loggad,tidpunkt,användare/);
  assert.ok(lines.length >= 3, csv);
  for (const line of lines.slice(1)) {
    assert.match(line, /demo\.anna/);
  }
  assert.ok(lines.some((l) => l.includes('opened_child')), csv);
  assert.ok(!csv.includes('Noah'), 'the log holds ids, never names');
  await erik.context.close();
});

test('a group leader gives a colleague cover for a child, and the child reaches her tablet', async () => {
  const anna = await tablet('Annas surfplatta', 'demo.anna');
  assert.equal(await anna.page.getByRole('link', { name: /Liam Testberg/ }).count(), 0);

  const gunilla = await tablet('Gunillas surfplatta', 'demo.gunilla');
  const { page } = gunilla;
  await page.getByRole('link', { name: /Liam Testberg/ }).click();
  await page.getByRole('heading', { name: 'Vikarie' }).waitFor();
  const colleague = page.getByLabel('Kollega');
  // Only those who work from a caseload are offered; not the manager.
  const offered = await colleague.locator('option').allInnerTexts();
  assert.ok(offered.some((o) => o.startsWith('Anna Demosson')), offered.join(', '));
  assert.ok(!offered.some((o) => o.includes('Enhetschef')), offered.join(', '));
  await page.getByRole('button', { name: 'Ge behörighet' }).click();
  await waitForText(page.getByTestId('cover-outcome'), 'Välj vem som ska vikariera');
  await colleague.selectOption({ label: 'Anna Demosson (demo) · Socialsekreterare' });
  await page.getByRole('button', { name: 'Ge behörighet' }).click();
  await waitForText(page.getByTestId('cover-outcome'), 'Anna Demosson (demo) kan se och dokumentera');
  await gunilla.context.close();

  await anna.page.getByRole('button', { name: 'Synka nu' }).click();
  await anna.page.getByRole('link', { name: /Liam Testberg/ }).waitFor();
  await anna.context.close();
});
