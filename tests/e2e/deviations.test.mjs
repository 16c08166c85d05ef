// Deviations (docs/deviations.md): a social worker reports a deviation
// offline about a child and a home; it waits in the outbox and reaches the
// server at the next sync, once. The unit manager finds it on the to-do
// list (Att göra) with six weeks left, investigates, locks and gives
// feedback; the reporter reads the feedback. "Jag har tappat min platta"
// on another device signs the lost tablet out and opens the personal-data
// incident in one step. With SCREENSHOT_DIR set
// (SCREENSHOT_DIR=docs/screenshots) the README's picture of the to-do list
// is taken there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { openMenu, signIn, texts, unlock, useServerAndBrowser, waitForText } from './harness.mjs';

const env = useServerAndBrowser();
const T = texts('sv');

async function picture(page, name) {
  if (process.env.SCREENSHOT_DIR) await page.screenshot({ path: join(process.env.SCREENSHOT_DIR, name), fullPage: true });
}

async function staff(username) {
  const context = await env.browser.newContext({ viewport: { width: 1024, height: 768 }, locale: 'sv-SE' });
  const page = await context.newPage();
  await page.goto(env.server.url);
  await signIn(page, username);
  return { context, page };
}

test('a deviation reported offline is investigated, locked and fed back', async () => {
  const what = `Första besöket blev inte av inom en vecka. ${randomUUID()}`;
  const reporter = await staff('demo.anna');
  const { page } = reporter;
  const status = page.getByTestId('sync-status');
  await waitForText(status, T('sync.synced'));

  // The form loads the managers and homes while online, then the network
  // goes.
  await openMenu(page);
  await page.getByRole('link', { name: T('deviations.menu.report') }).click();
  await page.getByRole('heading', { name: T('deviations.report.title') }).waitFor();
  const home = page.locator('select[name=home] option').nth(1);
  await home.waitFor({ state: 'attached' });
  const manager = page.locator('select[name=manager]');
  await manager.locator('option', { hasText: 'Erik Enhetschef' }).waitFor({ state: 'attached' });
  await reporter.context.setOffline(true);

  await page.locator('select[name=category]').selectOption('visits');
  await page.locator('textarea[name=what_happened]').fill(what);
  await page.locator('textarea[name=could_do_differently]').fill('Boka första besöket samma dag som placeringen.');
  const child = page.locator('select[name=child]');
  await child.locator('option').nth(1).waitFor({ state: 'attached' });
  const childId = await child.locator('option').nth(1).getAttribute('value');
  await child.selectOption(childId);
  const homeId = await home.getAttribute('value');
  await page.locator('select[name=home]').selectOption(homeId);
  await manager.selectOption({ label: 'Erik Enhetschef (demo)' });
  await page.getByRole('button', { name: T('deviations.report.send') }).click();
  await waitForText(page.getByTestId('saved'), T('deviations.report.saved'));
  await waitForText(status, T('sync.changes_waiting', { count: 1 }));
  assert.equal(env.server.query('SELECT COUNT(*) FROM deviations')[0][0], 0, 'not on the server yet');

  // Back online: it is sent, once.
  await reporter.context.setOffline(false);
  await waitForText(status, T('sync.synced'), 30_000);
  const stored = env.server.query('SELECT id, child_id, home_id, due_on FROM deviations');
  assert.equal(stored.length, 1);
  assert.equal(stored[0][1], childId);
  assert.equal(stored[0][2], homeId);

  // The manager's to-do list: six weeks left.
  const manager_ = await staff('demo.erik');
  const m = manager_.page;
  await openMenu(m);
  await m.getByRole('link', { name: T('deviations.menu.todo') }).click();
  await m.getByRole('heading', { name: T('deviations.todo.title') }).waitFor();
  const row = m.getByTestId('todo-investigation');
  await waitForText(row.getByTestId('days-left'), T('deviations.days_left', { days: 42 }));
  await m.locator('#main').getByRole('link', { name: T('deviations.todo.self_check') }).waitFor();
  await picture(m, 'att-gora.png');

  // Investigated, locked, fed back.
  await row.first().click();
  await waitForText(m.getByTestId('what-happened'), what);
  await m.locator('textarea[name=what_went_wrong]').fill('Besöket bokades inte.');
  await m.locator('textarea[name=why]').fill('Placeringen kom en fredag.');
  await m.locator('textarea[name=what_was_done]').fill('Besöket gjordes dag nio.');
  // Not every answer: no lock.
  await m.getByTestId('lock').click();
  await waitForText(m.getByTestId('save-error'), T('deviations.one.incomplete'));
  await m.locator('textarea[name=prevention]').fill('Gruppledaren bokar första besöket vid placeringen.');
  await m.getByTestId('lock').click();
  await m.getByTestId('locked').waitFor();
  assert.equal(await m.locator('textarea[name=why]').getAttribute('readonly'), '');
  const feedback = `Tack! Nu bokas första besöket direkt. ${randomUUID()}`;
  await m.locator('textarea[name=feedback]').fill(feedback);
  await m.getByRole('button', { name: T('deviations.one.give_feedback') }).click();
  await waitForText(m.getByTestId('feedback'), feedback);
  const locked = env.server.query('SELECT locked_at IS NOT NULL, feedback FROM deviations');
  assert.deepEqual(locked[0], [1, feedback]);

  // The register of homes lists it under the home, a link to it.
  await m.goto(new URL(`/hemregister/${homeId}`, env.server.url).href);
  await unlock(m);
  const atHome = m.getByTestId('home-reports').getByTestId('home-deviation');
  await waitForText(atHome, what.slice(0, 40));
  await atHome.getByRole('link').click();
  await waitForText(m.getByTestId('feedback'), feedback);

  // The to-do list is clear of it.
  await openMenu(m);
  await m.getByRole('link', { name: T('deviations.menu.todo') }).click();
  await waitForText(m.getByTestId('todo-counts'), T('deviations.todo.counts', { investigations: 0, overdue: 0 }));

  // The reporter reads the feedback, not the investigation.
  await openMenu(page);
  await page.getByRole('link', { name: T('deviations.menu.list') }).click();
  await page.getByTestId('deviation-row').filter({ hasText: what.slice(0, 40) }).click();
  await waitForText(page.getByTestId('feedback'), feedback);
  assert.equal(await page.locator('textarea[name=why]').count(), 0);

  await manager_.context.close();
  await reporter.context.close();
});

test('"Jag har tappat min platta" on another device signs the lost one out and opens the incident', async () => {
  const lost = await staff('demo.bo');
  const other = await staff('demo.bo');
  const { page } = other;
  await openMenu(page);
  await page.getByRole('link', { name: T('shell.links.my_devices') }).click();
  await page.getByTestId('lost-tablet').click();
  await page.getByRole('heading', { name: T('deviations.lost.title') }).waitFor();
  await page.locator('select[name=session] option').first().waitFor({ state: 'attached' });
  await page.locator('select[name=manager] option', { hasText: 'Erik Enhetschef' }).waitFor({ state: 'attached' });
  await page.locator('select[name=manager]').selectOption({ label: 'Erik Enhetschef (demo)' });
  await page.getByRole('button', { name: T('deviations.lost.submit') }).click();
  await waitForText(page.getByTestId('saved'), 'IMY');
  const incidents = env.server.query(
    "SELECT route, incident_kind, imy_due_at IS NOT NULL FROM deviations WHERE route = 'data_incident'");
  assert.deepEqual(incidents, [['data_incident', 'lost_device', 1]]);
  // The lost tablet wipes itself when it next reaches the server.
  await lost.page.reload();
  await lost.page.getByRole('heading', { name: 'Logga in' }).waitFor({ timeout: 30_000 });
  await waitForText(lost.page.getByRole('status').filter({ hasText: 'spärrats' }), 'Enheten har spärrats');
  await lost.context.close();
  await other.context.close();
});

test('a deviation is reported from the child, the routine or the complaint it is about, already linked to it', async () => {
  const ELSA = 'de300000-0000-4000-8000-00000000c003';
  const { context, page } = await staff('demo.anna');
  await page.goto(new URL(`/barn/${ELSA}`, env.server.url).href);
  await unlock(page);
  // The child on the device (the first sync of a new sign-in may still be
  // running): the form lists the device's children.
  await page.getByRole('heading', { name: /Elsa/ }).first().waitFor({ timeout: 30_000 });
  await page.getByTestId('child-report-deviation').click();
  await page.waitForFunction((id) => document.querySelector('select[name=child]')?.value === id, ELSA);

  await page.goto(new URL('/rutiner/samtal-med-barn', env.server.url).href);
  await unlock(page);
  await page.getByTestId('routine-report-deviation').click();
  await page.waitForFunction(() => document.querySelector('select[name=routine]')?.value === 'samtal-med-barn');
  await page.locator('select[name=manager] option', { hasText: 'Erik Enhetschef' }).waitFor({ state: 'attached' });
  await page.locator('textarea[name=what_happened]').fill('Samtalet med barnet hölls inte enskilt, rutinen var svår att hitta.');
  await page.getByRole('button', { name: T('deviations.report.send') }).click();
  await waitForText(page.getByTestId('saved'), T('deviations.report.saved'));
  await context.close();

  const complaint = randomUUID();
  const { context: other, page: form } = await staff('demo.anna');
  await form.goto(new URL(`/avvikelse?klagomal=${complaint}`, env.server.url).href);
  await unlock(form);
  await form.getByTestId('linked-complaint').filter({ hasText: complaint.slice(0, 8) }).waitFor();
  await other.close();
});
