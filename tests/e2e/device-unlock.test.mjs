// Unlocking with the tablet's platform authenticator (WebAuthn PRF), as an
// administrator can require (--require-authenticator), and the longest time
// a tablet may stay away from the server (--max-offline-days). Chromium's
// virtual authenticator (DevTools protocol) stands in for the tablet's
// fingerprint reader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_PASSWORD, useServerAndBrowser, waitForText } from './harness.mjs';

const env = useServerAndBrowser({ args: ['--require-authenticator', '--max-offline-days', '1'] });

/** A page whose browser has a platform authenticator (with or without PRF). */
async function pageWithAuthenticator({ prf = true } = {}) {
  const context = await env.browser.newContext({ viewport: { width: 1024, height: 768 } });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2', transport: 'internal', hasResidentKey: true,
      hasUserVerification: true, isUserVerified: true, hasPrf: prf,
    },
  });
  /** The authenticator forgets its credentials (the adult's finger is gone). */
  const forget = () => cdp.send('WebAuthn.clearCredentials', { authenticatorId });
  return { context, page, forget };
}

/** WebAuthn takes a domain, not an IP address, as the relying party. */
const appUrl = () => env.server.url.replace('127.0.0.1', 'localhost');

async function logIn(page, username) {
  await page.goto(appUrl());
  await page.getByLabel('Användarnamn').fill(username);
  await page.getByLabel('Lösenord').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Logga in' }).click();
}

/** The app's meta store as the browser keeps it. */
async function meta(page) {
  return page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('barnbesok');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const tx = open.result.transaction('meta', 'readonly');
      const keys = tx.objectStore('meta').getAllKeys();
      const values = tx.objectStore('meta').getAll();
      tx.oncomplete = () => {
        open.result.close();
        resolve(Object.fromEntries(keys.result.map((k, i) => [k, values.result[i]])));
      };
    };
  }));
}

async function setLastContact(page, ms) {
  await page.evaluate((ms) => new Promise((resolve, reject) => {
    const open = indexedDB.open('barnbesok');
    open.onsuccess = () => {
      const tx = open.result.transaction('meta', 'readwrite');
      tx.objectStore('meta').put(ms, 'last_contact_ms');
      tx.oncomplete = () => { open.result.close(); resolve(); };
      tx.onerror = () => reject(tx.error);
    };
  }), ms);
}

test('the tablet is locked with its screen lock: no PIN, nothing to guess in the profile', async () => {
  const { context, page } = await pageWithAuthenticator();
  await logIn(page, 'demo.gunilla');
  await page.getByRole('heading', { name: 'Lås enheten med skärmlåset' }).waitFor();
  assert.equal(await page.getByLabel('Ny PIN-kod').count(), 0, 'no PIN is offered');
  await page.getByRole('button', { name: 'Använd skärmlåset' }).click();
  await page.getByRole('link', { name: /Alva Exempelsson/ }).waitFor();

  const params = JSON.parse((await meta(page)).key_params);
  assert.equal(params.method, 'authenticator');
  assert.ok(!('salt' in params) && !('memory_kib' in params), 'no PIN derivation stored');

  // A reload starts locked; the screen lock (the PRF output) opens the same data.
  await page.reload();
  await page.getByRole('heading', { name: 'Låst' }).waitFor();
  assert.equal(await page.getByLabel('PIN-kod', { exact: true }).count(), 0);
  await page.getByRole('button', { name: 'Lås upp med skärmlåset' }).click();
  await page.getByRole('link', { name: /Alva Exempelsson/ }).waitFor();
  await context.close();
});

test('the child mode is left with the adult\'s screen lock, and not without it', async () => {
  const { context, page, forget } = await pageWithAuthenticator();
  await logIn(page, 'demo.gunilla');
  await page.getByRole('button', { name: 'Använd skärmlåset' }).click();
  await page.getByRole('link', { name: /Noah Påhittad/ }).click();
  await page.getByRole('heading', { name: 'Noah Påhittad' }).waitFor();
  const childMode = page.getByTestId('child-mode');
  const handBack = async () => {
    await page.getByRole('button', { name: 'Samtalsstöd', exact: true }).click();
    await childMode.getByRole('button', { name: 'Klart – lämna tillbaka' }).click();
    await childMode.getByRole('heading', { name: 'Lämna tillbaka till den vuxna' }).waitFor();
    assert.equal(await childMode.getByLabel('PIN-kod', { exact: true }).count(), 0, 'no PIN to type');
  };

  await handBack();
  await childMode.getByRole('button', { name: 'Lämna barnläget' }).click();
  await childMode.waitFor({ state: 'detached' });
  await page.getByTestId('signed-in-user').waitFor();

  // Without the adult's credential the screen lock opens nothing: the mode stays.
  await handBack();
  await forget();
  await childMode.getByRole('button', { name: 'Lämna barnläget' }).click();
  await waitForText(childMode.getByRole('alert'), 'Skärmlåset');
  assert.equal(await page.getByTestId('signed-in-user').count(), 0, 'still in the child mode');
  await context.close();
});

test('when the authenticator is required, a tablet without one says so and sets nothing up', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1024, height: 768 } });
  const page = await context.newPage();
  await logIn(page, 'demo.bo');
  await waitForText(page.getByTestId('authenticator-required'), 'kräver att surfplattan låses upp med sitt skärmlås');
  assert.equal(await page.getByLabel('Ny PIN-kod').count(), 0, 'no PIN instead');
  assert.equal((await meta(page)).key_params, undefined, 'no key was set up');
  await page.getByRole('button', { name: 'Tillbaka till inloggningen' }).click();
  await page.getByRole('heading', { name: 'Logga in' }).waitFor();
  await context.close();
});

test('an authenticator without PRF cannot make the key: refused when required', async () => {
  const { context, page } = await pageWithAuthenticator({ prf: false });
  await logIn(page, 'demo.bo');
  await page.getByRole('button', { name: 'Använd skärmlåset' }).click();
  await waitForText(page.getByTestId('authenticator-required'), 'Kontakta din administratör');
  assert.equal((await meta(page)).key_params, undefined);
  await context.close();
});

test('past the longest time offline the tablet unlocks only after reaching the server', async () => {
  const { context, page } = await pageWithAuthenticator();
  await logIn(page, 'demo.gunilla');
  await page.getByRole('button', { name: 'Använd skärmlåset' }).click();
  await page.getByRole('link', { name: /Alva Exempelsson/ }).waitFor();
  await page.getByRole('button', { name: 'Lås', exact: true }).click();
  await page.getByRole('heading', { name: 'Låst' }).waitFor();

  const unlockButton = page.getByRole('button', { name: 'Lås upp med skärmlåset' });
  const notice = page.getByTestId('offline-too-long');

  // Two days without contact (the limit is one), and no network now: the
  // lock screen says so at once, and unlocking is refused after a try.
  await context.setOffline(true);
  for (const lastContact of [Date.now() - 2 * 86_400_000, Date.now() + 86_400_000]) {
    // The second: a last contact in the future (the clock set back).
    await setLastContact(page, lastContact);
    await page.reload();
    await waitForText(notice, 'inte haft kontakt med servern på mer än 1 dagar');
    await waitForText(notice, 'tryck på ”Försök nu”');
    await unlockButton.click();
    await waitForText(notice, 'Servern gick inte att nå');
    assert.equal(await page.getByTestId('signed-in-user').count(), 0, 'still locked');
  }

  // Back online: the check reaches the server (on the online event or the
  // button, whichever is first), and the tablet opens.
  await context.setOffline(false);
  await page.getByRole('button', { name: 'Försök nu' }).click({ timeout: 2_000 }).catch(() => {});
  await notice.waitFor({ state: 'detached' });
  await unlockButton.click();
  await page.getByRole('link', { name: /Alva Exempelsson/ }).waitFor();
  const contact = (await meta(page)).last_contact_ms;
  assert.ok(Math.abs(contact - Date.now()) < 60_000, 'the check counted as contact');
  await context.close();
});
