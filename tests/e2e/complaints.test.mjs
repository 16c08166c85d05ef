// Complaints (docs/complaints.md). Part one, staff and API: a child's message
// through the public API (a plain fetch, as a phone's page sends it), a group
// leader finds it in the register, takes it into the unit and answers it, the
// child reads the answer with the code; a complaint from a relative recorded
// in the register; all of it audit-logged. Part two, the child's pages at
// /barn-och-unga/sag-vad-du-tycker and /barn-och-unga/svar (mounted by the
// children's corner shell): from a phone, and on a signed-in tablet offline,
// saved in the outbox and sent at the next sync.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { apiGet, openMenu, signIn, texts, useServerAndBrowser, waitForText } from './harness.mjs';

const env = useServerAndBrowser();
const T = texts('sv');
const CODE = /^[0-9A-HJKMNP-TV-Z]{3}-[0-9A-HJKMNP-TV-Z]{3}-[0-9A-HJKMNP-TV-Z]{3}$/;

async function leaveMessage(text, kind = 'complaint') {
  const res = await fetch(new URL('/api/v1/public/messages', env.server.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ kind, text }),
  });
  assert.equal(res.status, 201);
  const { code } = await res.json();
  assert.match(code, CODE);
  return code;
}

async function readAnswer(code) {
  const res = await fetch(new URL(`/api/v1/public/messages/${encodeURIComponent(code)}`, env.server.url));
  return { status: res.status, body: await res.json() };
}

async function staff(username = 'demo.gunilla') {
  const context = await env.browser.newContext({ viewport: { width: 1024, height: 768 }, locale: 'sv-SE' });
  const page = await context.newPage();
  await page.goto(env.server.url);
  await signIn(page, username);
  return { context, page };
}

test('part one: a message through the API is answered in the register and read with the code', async () => {
  const words = `Jag vill träffa min hund. ${randomUUID()}`;
  const code = await leaveMessage(words, 'wish');
  const first = await readAnswer(code.toLowerCase().replaceAll('-', ''));
  assert.equal(first.status, 200);
  assert.equal(first.body.status, 'new');
  assert.equal(first.body.answer, undefined);
  const unknown = await readAnswer('AAA-AAA-AAA');
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.code, 'not_found');

  const { context, page } = await staff();
  // The menu says something waits, and takes the manager to the new ones.
  await page.getByTestId('menu-waiting').waitFor();
  await openMenu(page);
  await page.getByTestId('complaints-waiting').waitFor();
  await page.getByRole('link', { name: new RegExp(T('complaints.menu')) }).click();
  await page.getByRole('heading', { name: T('complaints.page.title') }).waitFor();
  await page.getByTestId('complaint-row').filter({ hasText: words.slice(0, 40) }).click();
  await waitForText(page.getByTestId('complaint-text'), words);
  await page.getByText(T('complaints.has_code')).waitFor();

  // Into the unit, to me, answered.
  const answer = `Vi ordnar så att du får träffa din hund. ${randomUUID()}`;
  const unit = page.locator('select[name=unit]');
  const firstUnit = await unit.locator('option').nth(1).getAttribute('value');
  await unit.selectOption(firstUnit);
  await page.locator('select[name=responsible]').selectOption({ label: T('complaints.me') });
  await page.locator('select[name=status]').selectOption({ label: T('complaints.status.answered') });
  await page.locator('textarea[name=answer]').fill(answer);
  await page.getByRole('button', { name: T('complaints.save') }).click();
  await waitForText(page.getByTestId('saved'), T('complaints.saved'));

  const read = await readAnswer(code);
  assert.equal(read.status, 200);
  assert.equal(read.body.status, 'answered');
  assert.equal(read.body.answer, answer);

  // A relative's complaint, recorded in the register.
  await page.getByRole('button', { name: T('complaints.page.back') }).click();
  await page.getByTestId('record-complaint').click();
  const relative = `Mormor vill att Alva får ringa oftare. ${randomUUID()}`;
  await page.locator('select[name=source]').selectOption({ label: T('complaints.source.relative') });
  await page.locator('textarea[name=text]').fill(relative);
  await page.locator('input[name=from_name]').fill('Mormor');
  await page.getByRole('button', { name: T('complaints.record_button') }).click();
  await waitForText(page.getByTestId('complaint-text'), relative);

  const res = await apiGet(env.server, '/api/v1/complaints?show=all');
  assert.equal(res.status, 200);
  const { complaints } = await res.json();
  const recorded = complaints.find((c) => c.text === relative);
  assert.equal(recorded.source, 'relative');
  assert.equal(recorded.channel, 'staff');
  assert.equal(recorded.status, 'new');
  const answered = complaints.find((c) => c.text === words);
  assert.equal(answered.status, 'answered');
  assert.equal(answered.channel, 'public');

  // Reads and writes in the audit log, ids only.
  const entries = env.server.query(
    "SELECT action, detail FROM audit_log WHERE detail LIKE 'complaint_%' AND detail LIKE ?",
    `%${answered.id}`,
  );
  const kinds = new Set(entries.map(([action, detail]) => `${action} ${detail.split(':')[0]}`));
  assert.ok(kinds.has('write complaint_update'), JSON.stringify(entries));
  assert.ok(kinds.has('read complaint_list') || kinds.has('read complaint_read'), JSON.stringify(entries));
  assert.equal(env.server.query("SELECT COUNT(*) FROM audit_log WHERE detail LIKE ?", `%${words}%`)[0][0], 0);
  await context.close();
});

test('part one: the public endpoints refuse bad requests with JSON', async () => {
  const post = (body, type = 'application/json') => fetch(new URL('/api/v1/public/messages', env.server.url), {
    method: 'POST', headers: { 'content-type': type }, body,
  });
  let res = await post('{"kind": ');
  assert.equal(res.status, 400);
  assert.equal((await res.json()).code, 'malformed_json');
  res = await post(JSON.stringify({ kind: 'wish', text: 'hej', where_i_live: 'x' }));
  assert.equal(res.status, 422);
  assert.equal((await res.json()).code, 'validation_failed');
  res = await post(JSON.stringify({ kind: 'wish', text: 'å'.repeat(10_000) }));
  assert.equal(res.status, 413);
  assert.equal((await res.json()).code, 'payload_too_large');
});

// Part two needs the children's corner shell, which mounts the pages at
// these paths (merged from its own branch).
test('part two: a child on a phone leaves a complaint and reads the answer with the code', async () => {
  const context = await env.browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'sv-SE' });
  const page = await context.newPage();
  await page.goto(new URL('/barn-och-unga/sag-vad-du-tycker', env.server.url).href);
  await page.getByTestId('message-page').waitFor();
  const words = `Jag vill byta skola. ${randomUUID()}`;
  // Nothing written: the page says what is missing.
  await page.getByRole('button', { name: T('message.send') }).click();
  await waitForText(page.getByTestId('message-error'), T('message.empty'));
  await page.getByLabel(T('message.kind.complaint')).check();
  await page.getByLabel(T('message.text_label')).fill(words);
  await page.getByRole('button', { name: T('message.send') }).click();
  await waitForText(page.getByTestId('message-sent'), T('message.sent'));
  const code = (await page.getByTestId('receipt-code').innerText()).trim();
  assert.match(code, CODE);

  await page.getByRole('link', { name: T('message.read_answer') }).click();
  await page.getByTestId('answer-page').waitFor();
  await page.getByLabel(T('message.answer.code_label')).fill(code.toLowerCase().replaceAll('-', ' '));
  await page.getByRole('button', { name: T('message.answer.show') }).click();
  await waitForText(page.getByTestId('answer-status'), T('message.status.new'));
  await page.getByText(T('message.answer.no_answer_yet')).waitFor();

  // A wrong code: said plainly.
  await page.getByLabel(T('message.answer.code_label')).fill('AAA-AAA-AAA');
  await page.getByRole('button', { name: T('message.answer.show') }).click();
  await waitForText(page.getByTestId('answer-error'), T('message.answer.not_found'));
  await context.close();
});

test('part two: on a signed-in tablet offline the message is saved, then sent at the next sync, once', async () => {
  const { context, page } = await staff('demo.anna');
  await waitForText(page.getByTestId('sync-status'), 'Synkad');
  // Within the app, without a reload (a reload starts locked).
  await page.evaluate(() => {
    history.pushState({}, '', '/barn-och-unga/sag-vad-du-tycker');
    dispatchEvent(new PopStateEvent('popstate'));
  });
  await page.getByTestId('message-page').waitFor();
  await context.setOffline(true);
  const words = `Jag vill ringa min pappa. ${randomUUID()}`;
  await page.getByLabel(T('message.kind.wish')).check();
  await page.getByLabel(T('message.text_label')).fill(words);
  await page.getByRole('button', { name: T('message.send') }).click();
  await waitForText(page.getByTestId('message-saved'), T('message.saved_on_tablet'));
  const code = (await page.getByTestId('receipt-code').innerText()).trim();
  assert.match(code, CODE);
  // Only the hash is in the outbox: the code is nowhere in IndexedDB.
  const stored = await page.evaluate(async () => {
    const dbs = await indexedDB.databases();
    const seen = [];
    for (const { name } of dbs) {
      const db = await new Promise((ok, fail) => { const r = indexedDB.open(name); r.onsuccess = () => ok(r.result); r.onerror = fail; });
      for (const store of db.objectStoreNames) {
        const all = await new Promise((ok) => { const r = db.transaction(store).objectStore(store).getAll(); r.onsuccess = () => ok(r.result); });
        seen.push(JSON.stringify(all, (k, v) => (v instanceof ArrayBuffer || ArrayBuffer.isView(v) ? '[bytes]' : v)));
      }
      db.close();
    }
    return seen.join('\n');
  });
  assert.ok(!stored.includes(code) && !stored.includes(code.replaceAll('-', '')), 'the code is not stored');
  assert.ok(!stored.includes(words), 'the message is sealed');

  await context.setOffline(false);
  await waitForText(page.getByTestId('message-sent'), T('message.sent'), 30_000);
  const read = await readAnswer(code);
  assert.equal(read.status, 200);
  assert.equal(read.body.status, 'new');
  assert.equal(
    env.server.query('SELECT COUNT(*) FROM complaints WHERE text = ? AND channel = ?', words, 'tablet')[0][0],
    1,
  );
  await context.close();
});
