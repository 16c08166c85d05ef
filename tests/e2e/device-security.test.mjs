// A lost or shared tablet: nothing about a child is readable in the
// browser's storage, the app locks when left alone, guessing the PIN wipes
// it, and a device reported lost wipes itself when it next reaches the server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { PIN, signIn, unlock, useServerAndBrowser, waitForText, recordVisit } from './harness.mjs';

// The shortest lock time the server accepts, so the test need not wait 5 minutes.
const env = useServerAndBrowser({ args: ['--lock-after-seconds', '10'] });

/** Every value in every object store of the app's IndexedDB, as JSON text. */
async function rawIndexedDb(page) {
  return page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('barnbesok');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const names = [...db.objectStoreNames];
      const tx = db.transaction(names, 'readonly');
      const dump = {};
      for (const name of names) {
        const values = tx.objectStore(name).getAll();
        const keys = tx.objectStore(name).getAllKeys();
        values.onsuccess = () => { dump[name] = { ...(dump[name] ?? {}), values: values.result }; };
        keys.onsuccess = () => { dump[name] = { ...(dump[name] ?? {}), keys: keys.result }; };
      }
      tx.oncomplete = () => { db.close(); resolve(JSON.stringify(dump)); };
      tx.onerror = () => reject(tx.error);
    };
  }));
}

async function recordsOnDevice(page) {
  return page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('barnbesok');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const req = open.result.transaction('records', 'readonly').objectStore('records').count();
      req.onsuccess = () => { open.result.close(); resolve(req.result); };
    };
  }));
}

test('after a visit is recorded, nothing about the child is readable in IndexedDB', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1024, height: 768 }, locale: 'sv-SE' });
  const page = await context.newPage();
  await page.goto(env.server.url);
  await signIn(page);
  await waitForText(page.getByTestId('sync-status'), 'Synkad');
  await page.getByRole('link', { name: /Noah Påhittad/ }).click();
  await page.getByRole('heading', { name: 'Noah Påhittad' }).waitFor();

  // Offline, so the visit also waits in the outbox.
  await context.setOffline(true);
  const statement = `Noah sa: jag vill stanna i skolan ${randomUUID()}`;
  await recordVisit(page, { alone: true, note: statement });
  await waitForText(page.getByTestId('sync-status'), '1 ändring väntar');

  const dump = await rawIndexedDb(page);
  const [[birthDate]] = env.server.query(
    "SELECT birth_date FROM children WHERE id = 'de300000-0000-4000-8000-00000000c002'");
  const secrets = ['Noah', 'Påhittad', 'Alva', 'Exempelsson', 'Liam', 'Maja', statement,
    'jag vill stanna', birthDate, 'Demoanteckning', 'Familjen Exempelberg', 'Solgläntan'];
  // A sealed value is random base64, where a four-letter name turns up now
  // and then by chance: only what lies outside the sealings is searched.
  const sealing = /"(?:v2|r1):[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+"/g;
  const sealings = dump.match(sealing) ?? [];
  assert.ok(sealings.some((s) => s.startsWith('"v2:')), 'the keys are there, sealed with the PIN');
  assert.ok(sealings.length > 20, `the records are there, sealed (${sealings.length} sealings)`);
  const clear = dump.replace(sealing, '"<sealed>"');
  for (const secret of secrets) {
    const at = clear.indexOf(secret);
    assert.ok(at < 0, `"${secret}" is readable in IndexedDB: …${clear.slice(Math.max(0, at - 80), at + 80)}…`);
  }
  await context.close();
});

test('the app locks when left alone and opens again with the PIN', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1024, height: 768 } });
  const page = await context.newPage();
  await page.goto(env.server.url);
  await signIn(page);
  await page.getByRole('link', { name: /Alva Exempelsson/ }).waitFor();

  // Ten seconds without a touch.
  await page.getByRole('heading', { name: 'Låst' }).waitFor({ timeout: 20_000 });
  assert.equal(await page.getByText('Alva Exempelsson').count(), 0, 'no child shown while locked');
  await unlock(page);
  await page.getByRole('link', { name: /Alva Exempelsson/ }).waitFor();
  await context.close();
});

test('the fifth wrong PIN removes everything from the tablet', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1024, height: 768 } });
  const page = await context.newPage();
  await page.goto(env.server.url);
  await signIn(page);
  await page.getByRole('link', { name: /Alva Exempelsson/ }).waitFor();
  assert.ok(await recordsOnDevice(page) > 0);

  await page.getByRole('button', { name: 'Lås', exact: true }).click();
  for (let attempt = 1; attempt <= 4; attempt += 1) {
    await page.getByLabel('PIN-kod', { exact: true }).fill('000000');
    await page.getByRole('button', { name: 'Lås upp' }).click();
    await waitForText(page.getByRole('alert'), `${5 - attempt} försök kvar`);
  }
  await page.getByLabel('PIN-kod', { exact: true }).fill('000000');
  await page.getByRole('button', { name: 'Lås upp' }).click();
  await waitForText(page.getByRole('status').filter({ hasText: 'PIN' }), 'För många fel PIN-koder');
  await page.getByRole('heading', { name: 'Logga in' }).waitFor();
  assert.equal(await recordsOnDevice(page), 0);
  assert.notEqual(PIN, '000000');
  await context.close();
});

test('a tablet reported lost wipes itself when it next reaches the server', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1024, height: 768 } });
  const page = await context.newPage();
  await page.goto(env.server.url);
  await signIn(page, 'demo.bo');
  await page.getByRole('link', { name: /Liam Testberg/ }).waitFor();
  assert.ok(await recordsOnDevice(page) > 0);

  execFileSync(env.server.bin, ['--data-dir', join(env.server.dir, 'data'), 'admin', 'revoke-sessions', 'demo.bo']);
  await page.getByRole('button', { name: 'Synka nu' }).click();
  await page.getByRole('heading', { name: 'Logga in' }).waitFor();
  await waitForText(page.getByRole('status').filter({ hasText: 'spärrats' }), 'Enheten har spärrats');
  assert.equal(await recordsOnDevice(page), 0);
  await context.close();
});

test('a LOCKED tablet reported lost wipes itself when reloaded, without anyone unlocking it', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1024, height: 768 } });
  const page = await context.newPage();
  await page.goto(env.server.url);
  await signIn(page, 'demo.anna');
  await waitForText(page.getByTestId('sync-status'), 'Synkad');
  assert.ok(await recordsOnDevice(page) > 0);
  await page.getByRole('button', { name: 'Lås', exact: true }).click();
  await page.getByRole('heading', { name: 'Låst' }).waitFor();

  // Reported lost while locked: no key in memory, no sync running.
  execFileSync(env.server.bin, ['--data-dir', join(env.server.dir, 'data'), 'admin', 'revoke-sessions', 'demo.anna']);
  await page.reload();
  // The app starts locked, asks the server with its check token and wipes itself.
  await page.getByRole('heading', { name: 'Logga in' }).waitFor();
  await waitForText(page.getByRole('status').filter({ hasText: 'spärrats' }), 'Enheten har spärrats');
  assert.equal(await recordsOnDevice(page), 0);
  assert.ok(!(await rawIndexedDb(page)).includes('check_token'), 'the check token is gone too');
  await context.close();
});
