// The app's download: a first visit fetches the main module only; a page
// used now and then (the self-check, the routine library, the children's
// corner, …) fetches its own part when first opened. The service worker
// keeps every part, so those pages open offline too, on a tablet that has
// never opened them; a part that could not be kept says so instead of
// stopping the app (docs/architecture.md, "Pages loaded on first use").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openMenu, signIn, unlock, useServerAndBrowser, waitForOfflineApp, waitForText } from './harness.mjs';

const env = useServerAndBrowser();

const isWasm = (url) => new URL(url).pathname.endsWith('.wasm');
const isPart = (url) => isWasm(url) && !new URL(url).pathname.endsWith('_bg.wasm');

test('a first visit downloads only the main module; a page fetches its part when first opened; offline, a page never opened still opens', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1024, height: 768 }, locale: 'sv-SE' });
  const page = await context.newPage();
  const fetched = [];
  page.on('request', (request) => fetched.push(request.url()));

  await page.goto(env.server.url);
  await page.getByLabel('Användarnamn').waitFor();
  const listed = await page.evaluate(() =>
    document.querySelector('meta[name="barnbesok-parts"]').content.split(' '));
  assert.ok(listed.filter((u) => u.includes('/split_')).length >= 6, `index.html lists the parts: ${listed.join(' ')}`);
  assert.deepEqual(fetched.filter(isWasm).map((u) => new URL(u).pathname.replace(/-[0-9a-f]+_bg/, '_bg')),
    ['/barnbesok-app_bg.wasm'], 'the sign-in screen needs the main module alone');

  // The service worker keeps the app first, then every part: the harness
  // waits for both, and fails naming how many parts are missing.
  await waitForOfflineApp(page);

  await page.getByLabel('Enhetens namn').fill('Eriks surfplatta');
  await signIn(page, 'demo.erik');
  await waitForText(page.getByTestId('sync-status'), 'Synkad');
  assert.deepEqual(fetched.filter(isPart), [], 'Mina barn needs no part');

  await openMenu(page);
  await page.getByRole('link', { name: 'Egenkontroll' }).click();
  await page.getByRole('heading', { name: 'Egenkontroll', level: 1 }).waitFor();
  const selfCheckParts = fetched.filter(isPart);
  assert.ok(selfCheckParts.some((u) => u.includes('split_follow_up-')), `the self-check's part: ${selfCheckParts.join(', ')}`);
  assert.ok(!selfCheckParts.some((u) => u.includes('split_library-')), 'not the routine library');

  // Offline: the routine library, never opened on this device, opens from
  // the parts the service worker kept; after a reload too.
  await context.setOffline(true);
  await openMenu(page);
  await page.getByRole('link', { name: 'Rutiner' }).click();
  await page.getByRole('heading', { name: 'Rutiner', level: 1 }).waitFor();
  assert.ok(fetched.some((u) => isPart(u) && u.includes('split_library-')), 'the routine library came as its own part');
  await page.reload();
  await page.getByLabel('PIN-kod', { exact: true }).waitFor();
  await context.close();
});

test('offline, a page whose part cannot be loaded says so and the app goes on; back online, "Försök igen" opens it', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1024, height: 768 }, locale: 'sv-SE' });
  const page = await context.newPage();
  await page.goto(env.server.url);
  await page.getByLabel('Enhetens namn').fill('Gunillas surfplatta');
  await signIn(page, 'demo.gunilla');
  await waitForText(page.getByTestId('sync-status'), 'Synkad');
  await waitForOfflineApp(page);
  // The part of the page of one's devices, as the service worker kept it,
  // is broken (a disk error), and the tablet is offline: neither the
  // network nor the browser's own cache can give the worker a good copy.
  const broken = await page.evaluate(async () => {
    const cache = await caches.open('barnbesok-shell-v1');
    const parts = document.querySelector('meta[name="barnbesok-parts"]').content.split(' ');
    const devices = parts.find((u) => u.includes('split_own_pages-'));
    await cache.put(devices, new Response('not a module', { headers: { 'content-type': 'application/wasm' } }));
    return devices;
  });
  assert.ok(broken, 'the page has a part of its own');
  const unreachable = (route) => route.abort('internetdisconnected');
  await context.route(`**${broken}`, unreachable);
  await context.setOffline(true);
  await openMenu(page);
  await page.getByRole('link', { name: 'Mina enheter' }).click();
  await waitForText(page.getByTestId('part-missing'), 'Anslut enheten till nätet');
  // The app itself still runs: back to Mina barn, and forward again.
  await page.getByRole('link', { name: 'Barnbesök' }).click();
  await page.getByRole('link', { name: /Alva Exempelsson/ }).waitFor();
  await page.goBack();
  await waitForText(page.getByTestId('part-missing'), 'Anslut enheten till nätet');
  // Back on the network, trying again opens the page: the worker does not
  // serve the broken part, it fetches it again and keeps it.
  await context.unroute(`**${broken}`, unreachable);
  await context.setOffline(false);
  await page.getByRole('button', { name: 'Försök igen' }).click();
  await unlock(page);
  await page.getByRole('heading', { name: 'Mina inloggade enheter' }).waitFor();
  const kept = await page.evaluate(async (url) => {
    const cached = await (await caches.open('barnbesok-shell-v1')).match(url);
    return cached ? WebAssembly.validate(new Uint8Array(await cached.arrayBuffer())) : false;
  }, broken);
  assert.ok(kept, 'the worker keeps the part again, whole');
  await context.close();
});
