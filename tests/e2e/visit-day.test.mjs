// A whole visit, the way the issue describes the social worker's day, on a
// tablet and fully offline: open a child, hand the tablet to the child for a
// conversation tool, sign the visit, tick a checklist item, look up a
// routine; then back online, and everything is on the server once. The same
// day in Swedish and in English, every control found by its text in that
// language's translation files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { apiGet, openMenu, PIN, recordVisit, signIn, texts, useServerAndBrowser, waitForText } from './harness.mjs';

// A server per language: each day starts from the same demo data.
const envs = { sv: useServerAndBrowser(), en: useServerAndBrowser() };
const ELSA = 'de300000-0000-4000-8000-00000000c003';

for (const language of ['sv', 'en']) test(`a visit day offline on a tablet reaches the server once (${language})`, async () => {
  const T = texts(language);
  const env = envs[language];
  const context = await env.browser.newContext({
    viewport: { width: 1024, height: 768 }, hasTouch: true, locale: 'sv-SE',
  });
  const page = await context.newPage();
  await page.goto(env.server.url);
  await page.getByTestId(`language-${language}`).click();
  await signIn(page, 'demo.anna', undefined, T);
  await waitForText(page.getByTestId('sync-status'), T('sync.synced'));
  await context.setOffline(true);

  await page.getByRole('link', { name: /Elsa Demosdotter/ }).click();
  await page.getByRole('heading', { name: 'Elsa Demosdotter' }).waitFor();

  // The child answers the feelings scale in child mode.
  await page.getByRole('button', { name: T('visit.tools_open'), exact: true }).click();
  const childMode = page.getByTestId('child-mode');
  await childMode.getByRole('button', { name: new RegExp(T('labels.conversation_tool.feelings_scale')) }).click();
  await childMode.getByRole('button', { name: T('labels.feeling.very_good'), exact: true }).click();
  await childMode.getByRole('button', { name: T('tools.scale.next') }).click();
  await childMode.getByRole('button', { name: T('labels.feeling.in_between'), exact: true }).click();
  await childMode.getByRole('button', { name: T('tools.i_am_done') }).click();
  await childMode.getByRole('button', { name: T('tools.done_hand_back') }).click();
  await childMode.getByLabel(T('tools.hand_back.pin'), { exact: true }).fill(PIN);
  await childMode.getByRole('button', { name: T('tools.hand_back.leave') }).click();
  await childMode.waitFor({ state: 'detached' });
  await waitForText(page.locator('.tool-results'), `${T('labels.scale_theme.home')}: ${T('labels.feeling.very_good')}`);

  // The social worker signs the visit.
  const words = `Elsa: jag vill börja på fotboll ${randomUUID()}`;
  await page.getByLabel(T('visit.child_view'), { exact: true }).fill(words);
  await recordVisit(page, { alone: true }, T);
  await waitForText(page.getByTestId('draft-status'), T('visit.signed'));

  // Ticks the checklist item about complaint information (content, in the
  // interface language: shared/content/<language>/).
  const content = (path) => readFileSync(new URL(`../../shared/content/${language}/${path}`, import.meta.url), 'utf8');
  const complaintItem = JSON.parse(content('checklists.json')).items.klagomal;
  const routineTitle = /^title:\s*(.+)$/m.exec(content('routines/information-om-klagomal-och-rattigheter.md'))[1].trim();
  const complaint = page.getByRole('group', { name: complaintItem });
  await complaint.getByRole('button', { name: T('checklist.done') }).click();
  await complaint.getByRole('button', { name: T('checklist.undo') }).waitFor();

  // And looks up the routine behind it: from the checklist, then by search.
  await page.locator('.checklist__item', { hasText: complaintItem }).getByRole('link', { name: T('checklist.read_routine') }).click();
  await page.getByRole('heading', { name: routineTitle, level: 1 }).waitFor();
  await openMenu(page);
  await page.getByRole('link', { name: T('shell.links.routines'), exact: true }).first().click();
  await page.getByLabel(T('routines.search')).fill('avslutsanteckning');
  await waitForText(page.getByTestId('routine-hit').first(), 'Avslut av placering');

  // Back online: everything on the server, once.
  await context.setOffline(false);
  await page.getByRole('button', { name: T('sync.sync_now') }).click();
  await waitForText(page.getByTestId('sync-status'), T('sync.synced'));
  const res = await apiGet(env.server, `/api/v1/sync/pull?protocol=1&since=0&limit=1000&child=${ELSA}`, 'demo.anna');
  const changes = (await res.json()).changes;
  const visits = changes.filter((c) => c.kind === 'visit' && c.data.child_view === words);
  assert.equal(visits.length, 1);
  const scale = visits[0].data.tools.find((t) => t.tool === 'feelings_scale');
  assert.deepEqual(scale.answers.map((a) => [a.theme, a.level]), [['home', 5], ['school', 3]]);
  const ticks = changes.filter((c) => c.kind === 'checklist_tick');
  assert.equal(ticks.length, 1);
  assert.equal(ticks[0].data.item_key, 'klagomal');
  await context.close();
});
