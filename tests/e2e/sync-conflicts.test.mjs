// Two tablets, one placement: concurrent offline edits of the same field end
// in a conflict that is shown, with both values kept until a person chooses.
// And a tablet back from a long offline period pushes everything it holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { apiGet, signIn, unlock, useServerAndBrowser, waitForText, recordVisit } from './harness.mjs';

const env = useServerAndBrowser();

async function tablet(childName) {
  const context = await env.browser.newContext({ viewport: { width: 1024, height: 768 }, locale: 'sv-SE' });
  const page = await context.newPage();
  await page.goto(env.server.url);
  await signIn(page);
  await waitForText(page.getByTestId('sync-status'), 'Synkad');
  await page.getByRole('link', { name: new RegExp(childName) }).click();
  await page.getByRole('heading', { name: childName }).waitFor();
  return { context, page, status: page.getByTestId('sync-status') };
}

async function editHome(page, home) {
  await page.getByRole('button', { name: 'Ändra placering' }).click();
  await page.getByLabel('Hem', { exact: true }).fill(home);
  await page.getByRole('button', { name: 'Spara placering' }).click();
  await page.getByText('Ändring väntar på synk').waitFor();
}

async function pullAll() {
  const res = await apiGet(env.server, '/api/v1/sync/pull?protocol=1&since=0&limit=1000');
  assert.equal(res.status, 200);
  return (await res.json()).changes;
}

function latest(changes, kind, id) {
  const own = changes.filter((c) => c.kind === kind && c.data.id === id);
  return own.at(-1)?.data;
}

test('same field edited on two offline tablets: conflict shown, both kept, resolved in the UI', async () => {
  const child = 'Liam Testberg';
  const a = await tablet(child);
  const b = await tablet(child);
  const original = (await pullAll()).find((c) => c.kind === 'placement' && c.data.home_name === 'HVB Demogården');
  assert.ok(original, 'demo placement exists');
  const placementId = original.data.id;

  await a.context.setOffline(true);
  await b.context.setOffline(true);
  await editHome(a.page, 'HVB Norrgården');
  await editHome(b.page, 'HVB Södergården');
  await waitForText(a.status, '1 ändring väntar');
  await waitForText(b.status, '1 ändring väntar');

  await a.context.setOffline(false);
  await waitForText(a.status, 'Synkad');
  await b.context.setOffline(false);
  await waitForText(b.status, '1 konflikt att lösa');

  // Both versions are kept until someone chooses.
  let changes = await pullAll();
  assert.equal(latest(changes, 'placement', placementId).home_name, 'HVB Norrgården');
  const conflicts = changes.filter((c) => c.kind === 'conflict' && c.data.target.id === placementId);
  assert.equal(conflicts.length, 1);
  assert.equal(conflicts[0].data.device_value, 'HVB Södergården');
  assert.equal(conflicts[0].data.server_value, 'HVB Norrgården');
  assert.equal(conflicts[0].data.resolution, null);

  // B sees both values and chooses its own.
  await b.page.getByRole('group', { name: 'Konflikt: Hem' }).waitFor();
  await b.page.getByRole('button', { name: 'Behåll ”HVB Norrgården”' }).waitFor();
  await b.page.getByRole('button', { name: 'Välj ”HVB Södergården”' }).click();
  await waitForText(b.status, 'Synkad');
  assert.equal(await b.page.getByRole('group', { name: 'Konflikt: Hem' }).count(), 0);

  changes = await pullAll();
  assert.equal(latest(changes, 'placement', placementId).home_name, 'HVB Södergården');
  assert.deepEqual(latest(changes, 'conflict', conflicts[0].data.id).resolution, { value: 'HVB Södergården' });

  // A gets the choice on its next sync.
  await a.page.getByRole('button', { name: 'Synka nu' }).click();
  await waitForText(a.status, 'Synkad');
  await waitForText(a.page.locator('#placement-h + p'), 'HVB Södergården');
  await a.context.close();
  await b.context.close();
});

test('a tablet with hundreds of changes from a long offline period syncs them all, once', async () => {
  const child = 'Elsa Demosdotter';
  const t = await tablet(child);
  await t.context.setOffline(true);
  const batch = `Långt offline ${randomUUID()}`;
  const count = 250;
  for (let i = 0; i < count; i += 1) {
    await recordVisit(t.page, { alone: false, note: `${batch} #${i}` });
    await t.page.locator('.visit', { hasText: `${batch} #${i}` }).first().waitFor();
  }
  await waitForText(t.status, `${count} ändringar väntar`);

  await t.context.setOffline(false);
  await waitForText(t.status, 'Synkad', 60_000);
  assert.deepEqual(env.server.query("SELECT count(*) FROM visits WHERE note LIKE ? || '%'", batch), [[count]]);
  assert.deepEqual(
    env.server.query("SELECT count(DISTINCT note) FROM visits WHERE note LIKE ? || '%'", batch),
    [[count]],
  );
  await t.context.close();
});

test('two open tabs never push the same change twice', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1024, height: 768 } });
  const pushes = new Map();
  context.on('request', (request) => {
    if (!request.url().includes('/api/v1/sync/push')) return;
    for (const m of JSON.parse(request.postData() ?? '{}').mutations ?? []) {
      pushes.set(m.id, (pushes.get(m.id) ?? 0) + 1);
    }
  });
  const first = await context.newPage();
  await first.goto(env.server.url);
  await signIn(first);
  await waitForText(first.getByTestId('sync-status'), 'Synkad');
  const second = await context.newPage();
  await second.goto(env.server.url);
  await unlock(second);
  await waitForText(second.getByTestId('sync-status'), 'Synkad');

  await context.setOffline(true);
  await first.getByRole('link', { name: /Maja Fiktivsson/ }).click();
  for (let i = 0; i < 20; i += 1) {
    await recordVisit(first, { alone: true, note: `Två flikar ${i}` });
    await first.locator('.visit', { hasText: `Två flikar ${i}` }).first().waitFor();
  }
  // Both tabs try to sync the moment the network is back.
  await context.setOffline(false);
  await Promise.all([
    first.getByRole('button', { name: 'Synka nu' }).click(),
    second.getByRole('button', { name: 'Synka nu' }).click(),
  ]);
  await waitForText(first.getByTestId('sync-status'), 'Synkad');
  await second.getByRole('button', { name: 'Synka nu' }).click();
  await waitForText(second.getByTestId('sync-status'), 'Synkad');

  assert.equal(pushes.size, 20);
  assert.deepEqual([...new Set(pushes.values())], [1], 'each change was pushed exactly once');
  await context.close();
});
