// The foundation's promise, in a real browser against the release build:
// a visit recorded with no network survives a reload, reaches the server
// when the network is back, and is stored there exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { signIn, unlock, useServerAndBrowser, waitForText, recordVisit, waitForOfflineApp } from './harness.mjs';

const env = useServerAndBrowser();

/** A new page signed in, synced, and with the app kept for offline use. */
async function signedInAndSynced(context) {
  const page = await context.newPage();
  const status = page.getByTestId('sync-status');
  await page.goto(env.server.url);
  await signIn(page);
  await waitForText(status, 'Synkad');
  await waitForOfflineApp(page);
  return { page, status };
}

test('a visit recorded offline survives a reload and reaches the server exactly once', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1024, height: 768 }, locale: 'sv-SE' });
  // Every readwrite transaction the app opens, with the durability it got:
  // Chromium's default is relaxed (a power cut may lose what was "saved").
  await context.addInitScript(() => {
    window.e2eWrites = [];
    const open = IDBDatabase.prototype.transaction;
    IDBDatabase.prototype.transaction = function (...args) {
      const tx = open.apply(this, args);
      if (tx.mode === 'readwrite') {
        window.e2eWrites.push({ stores: [...tx.objectStoreNames].sort(), durability: tx.durability });
      }
      return tx;
    };
  });
  const { page, status } = await signedInAndSynced(context);
  await page.getByRole('link', { name: /Noah Påhittad/ }).click();
  await page.getByRole('heading', { name: 'Noah Påhittad' }).waitFor();

  // No network: the browser is offline and the server is down.
  await context.setOffline(true);
  await env.server.stop();
  await waitForText(status, 'Offline');

  const note = `E2E-besök ${randomUUID()}`;
  await recordVisit(page, { alone: true, note: note });

  const visit = page.locator('.visit', { hasText: note });
  await waitForText(visit, 'Väntar på synk');
  await waitForText(status, '1 ändring väntar');

  // The visit (outbox), its draft and logged reads exist only on this
  // tablet: flushed to disk. Pulled pages, which the server can send again,
  // are relaxed. Nothing is left to the browser's default.
  const writes = await page.evaluate(() => window.e2eWrites);
  const only = new Set(['drafts', 'journal', 'outbox', 'reads', 'rejected']);
  const local = writes.filter((w) => w.stores.some((s) => only.has(s)));
  assert.ok(local.some((w) => w.stores.includes('outbox')), JSON.stringify(writes));
  assert.deepEqual(local.filter((w) => w.durability !== 'strict'), []);
  assert.ok(writes.some((w) => w.durability === 'relaxed' && w.stores.join() === 'changed,meta,records'), JSON.stringify(writes));
  assert.deepEqual(writes.filter((w) => w.durability === 'default'), []);

  // Reload with no network: the service worker serves the app, IndexedDB the
  // data, sealed until the PIN opens it (no network needed for that).
  await page.reload();
  await unlock(page);
  await page.getByRole('heading', { name: 'Noah Påhittad' }).waitFor();
  await waitForText(page.locator('.visit', { hasText: note }), 'Väntar på synk');
  await waitForText(status, '1 ändring väntar');
  assert.deepEqual(env.server.query('SELECT count(*) FROM visits WHERE note = ?', note), [[0]]);

  // The network comes back.
  await env.server.start();
  await context.setOffline(false);
  await waitForText(status, 'Synkad');
  await waitForText(page.locator('.visit', { hasText: note }), 'Synkad');

  // Asking again changes nothing on the env.server.
  await page.getByRole('button', { name: 'Synka nu' }).click();
  await waitForText(status, 'Synkad');
  assert.deepEqual(env.server.query('SELECT count(*) FROM visits WHERE note = ?', note), [[1]]);
  const [[visitId]] = env.server.query('SELECT id FROM visits WHERE note = ?', note);
  assert.deepEqual(
    env.server.query("SELECT count(*) FROM changes WHERE kind = 'visit' AND record_id = ?", visitId),
    [[1]],
  );
  await context.close();
});

test('a new version of the app is picked up on the next online start', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1024, height: 768 } });
  const page = await context.newPage();
  await page.goto(env.server.url);
  await signIn(page);
  await waitForOfflineApp(page);
  await page.getByRole('heading', { name: 'Mina barn' }).waitFor();

  const index = join(env.server.staticDir, 'index.html');
  const marker = `e2e-${randomUUID()}`;
  writeFileSync(index, readFileSync(index, 'utf8').replace('<head>', `<head><meta name="app-build" content="${marker}">`));
  rmSync(`${index}.gz`, { force: true });
  rmSync(`${index}.br`, { force: true });

  await page.reload();
  await unlock(page);
  await page.getByRole('heading', { name: 'Mina barn' }).waitFor();
  assert.equal(await page.locator('meta[name="app-build"]').getAttribute('content'), marker);
  await context.close();
});

test('after a reload, Mina barn is the saved caseload: no record is opened again, and it still follows what is written', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1024, height: 768 }, locale: 'sv-SE' });
  const { page, status } = await signedInAndSynced(context);
  // The caseload worked out from every record after the sync, and saved.
  await page.waitForFunction(() => {
    const sync = performance.getEntriesByName('barnbesok:sync').pop();
    return sync && performance.getEntriesByName('barnbesok:caseload')
      .some((e) => e.startTime >= sync.startTime + sync.duration);
  });
  // A child whose visit is overdue (the tests before may have visited some).
  const name = (await page.locator('ul.caseload > li', { hasText: 'Försenat' }).first()
    .locator('.caseload__name').textContent()).trim();
  const child = page.locator('ul.caseload > li', { hasText: name });
  const overdue = await child.innerText();

  await context.setOffline(true);
  await page.reload();
  await unlock(page);
  await waitForText(child, overdue);
  // Time enough for a read of every record to start and end, had one started.
  await page.waitForTimeout(1500);
  assert.deepEqual(await page.evaluate(() => ({
    snapshot: performance.getEntriesByName('barnbesok:caseload-snapshot').length,
    everyRecord: performance.getEntriesByName('barnbesok:caseload').length,
  })), { snapshot: 1, everyRecord: 0 });

  // A visit recorded since: the snapshot is brought forward with it, by
  // that child's records alone.
  await child.getByRole('link').click();
  await page.getByRole('heading', { name: name }).waitFor();
  await recordVisit(page, { alone: true, note: `E2E-besök ${randomUUID()}` });
  await waitForText(status, '1 ändring väntar');
  await page.getByRole('link', { name: '← Mina barn' }).click();
  await page.getByRole('heading', { name: 'Mina barn' }).waitFor();
  await page.waitForFunction(() => performance.getEntriesByName('barnbesok:caseload-changed').length > 0);
  const after = await child.innerText();
  assert.doesNotMatch(after, /Försenat/);
  assert.notEqual(after, overdue);
  assert.equal(await page.evaluate(() => performance.getEntriesByName('barnbesok:caseload').length), 0,
    'no read of every record');
  // And the snapshot saved with it is what the next reload shows.
  await page.reload();
  await unlock(page);
  await waitForText(child, after);
  assert.equal(await page.evaluate(() => performance.getEntriesByName('barnbesok:caseload').length), 0);
  await context.close();
});
