// Accounts on a tablet: each user sees exactly their children; a child
// assigned later arrives with its history; a child handed over leaves the
// tablet once the visit recorded offline has reached the server; signing
// out leaves nothing behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { DEMO_PASSWORD, openMenu, recordVisit, signIn, useServerAndBrowser, waitForText } from './harness.mjs';

const env = useServerAndBrowser();

const childId = (n) => `de300000-0000-4000-8000-00000000c00${n}`;
const NAMES = ['Alva Exempelsson', 'Noah Påhittad', 'Elsa Demosdotter', 'Liam Testberg', 'Maja Fiktivsson'];

/** `barnbesok-server admin …` on the test server's database. */
function admin(...args) {
  execFileSync(env.server.bin, ['--data-dir', join(env.server.dir, 'data'), 'admin', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function caseload(page) {
  await page.getByRole('heading', { name: 'Mina barn' }).waitFor();
  const links = await page.locator('main a').allInnerTexts();
  return NAMES.filter((name) => links.some((l) => l.includes(name)));
}

/** Waits (up to 10 s) for the caseload to show exactly `expected`. */
async function expectCaseload(page, expected) {
  const deadline = Date.now() + 10_000;
  let seen = [];
  while (Date.now() < deadline) {
    seen = await caseload(page);
    if (JSON.stringify(seen) === JSON.stringify(expected)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual(seen, expected);
}

async function syncNow(page) {
  await page.getByRole('button', { name: 'Synka nu' }).click();
  await waitForText(page.getByTestId('sync-status'), 'Synkad');
}

test('a wrong password is refused with a plain message', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1024, height: 768 } });
  const page = await context.newPage();
  await page.goto(env.server.url);
  await page.getByLabel('Användarnamn').fill('demo.anna');
  await page.getByLabel('Lösenord').fill('fel-lösenord');
  await page.getByRole('button', { name: 'Logga in' }).click();
  await waitForText(page.getByRole('alert'), 'Fel användarnamn eller lösenord.');
  await context.close();
});

test('the caseload follows assignments, and a handed-over child leaves after its offline visit is sent', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1024, height: 768 }, locale: 'sv-SE' });
  const page = await context.newPage();
  await page.goto(env.server.url);
  await signIn(page, 'demo.anna');
  await waitForText(page.getByTestId('sync-status'), 'Synkad');
  await expectCaseload(page, NAMES.slice(0, 3));

  // Liam is assigned to Anna: he arrives with his earlier visits.
  admin('assign', 'demo.anna', childId(4));
  await syncNow(page);
  await expectCaseload(page, NAMES.slice(0, 4));
  await page.getByRole('link', { name: /Liam Testberg/ }).click();
  await page.getByRole('heading', { name: 'Liam Testberg' }).waitFor();
  assert.ok(await page.locator('.visit').count() >= 1, 'his visit history came too');

  // Offline, Anna records a visit to Noah; meanwhile Noah is handed over.
  await page.getByRole('link', { name: 'Barnbesök' }).click();
  await page.getByRole('link', { name: /Noah Påhittad/ }).click();
  await page.getByRole('heading', { name: 'Noah Påhittad' }).waitFor();
  await context.setOffline(true);
  const note = `Sista besöket ${randomUUID()}`;
  await recordVisit(page, { alone: true, note: note });
  await waitForText(page.getByTestId('sync-status'), '1 ändring väntar');
  admin('unassign', 'demo.anna', childId(2));

  await context.setOffline(false);
  await syncNow(page);
  const stored = env.server.query('SELECT COUNT(*) FROM visits WHERE note = ?', note);
  assert.deepEqual(stored, [[1]], 'the offline visit reached the server once');
  await page.getByRole('link', { name: 'Barnbesök' }).click();
  await expectCaseload(page, [NAMES[0], NAMES[2], NAMES[3]]);

  // Opening a child's page on the tablet is a read, in the server's audit
  // log after the next sync; the log holds ids, not names or notes.
  const opened = env.server.query(
    "SELECT COUNT(*) FROM audit_log WHERE detail = 'opened_child' AND child_id = ?", childId(4));
  assert.ok(opened[0][0] >= 1, 'the opening of Liam\'s page is logged');
  const written = env.server.query(
    "SELECT COUNT(*) FROM audit_log WHERE action = 'write' AND detail = 'create_visit' AND child_id = ?", childId(2));
  assert.deepEqual(written, [[1]]);
  const dump = JSON.stringify(env.server.query('SELECT * FROM audit_log'));
  assert.ok(!dump.includes('Noah') && !dump.includes(note), 'no names or notes in the log');
  await context.close();
});

test('signing out removes every record from the tablet', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1024, height: 768 } });
  const page = await context.newPage();
  await page.goto(env.server.url);
  await signIn(page, 'demo.bo', DEMO_PASSWORD);
  await waitForText(page.getByTestId('sync-status'), 'Synkad');
  await expectCaseload(page, [NAMES[3]]);

  await openMenu(page);
  await page.getByRole('button', { name: 'Logga ut' }).click();
  await page.getByRole('heading', { name: 'Logga in' }).waitFor();
  const left = await page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('barnbesok');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const tx = db.transaction(['records', 'outbox', 'meta'], 'readonly');
      const counts = {};
      for (const name of ['records', 'outbox']) {
        const req = tx.objectStore(name).count();
        req.onsuccess = () => { counts[name] = req.result; };
      }
      const session = tx.objectStore('meta').get('session');
      session.onsuccess = () => { counts.session = session.result ?? null; };
      tx.oncomplete = () => resolve(counts);
    };
  }));
  assert.deepEqual(left, { records: 0, outbox: 0, session: null });
  await context.close();
});
