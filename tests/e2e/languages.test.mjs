// The interface in English and Arabic. The Swedish phrases an English page
// must not show are built from the translation files (app/locales), not from
// a hand list: every Swedish text whose English differs.
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { PIN, signIn, texts, unlock, useServerAndBrowser, waitForText } from './harness.mjs';

const env = useServerAndBrowser();
const sv = texts('sv');
const en = texts('en');
const ar = texts('ar');
const ELSA = 'de300000-0000-4000-8000-00000000c003';

/** Swedish interface phrases (cut at their placeholders) that no English
 *  text also contains. */
function swedishPhrases() {
  const english = Object.values(en.all);
  const phrases = new Set();
  for (const [key, swedish] of Object.entries(sv.all)) {
    if (en.all[key] === undefined || en.all[key] === swedish) continue;
    for (const piece of swedish.split(/\{\{[^}]*\}\}/)) {
      const phrase = piece.trim().replace(/^[–·:,(]+|[.:…,;!?)–·]+$/g, '').trim();
      if (phrase.length < 3 || !/\p{L}{3}/u.test(phrase)) continue;
      if (english.some((e) => e.includes(phrase))) continue;
      phrases.add(phrase);
    }
  }
  return [...phrases];
}

/** What the page says to a reader in its own language: visible text and
 *  accessible names, without names and notes people typed (translate="no")
 *  or content marked as another language (lang="sv"). */
async function interfaceText(page) {
  return page.evaluate(() => {
    const body = document.body.cloneNode(true);
    for (const el of body.querySelectorAll('[translate="no"], [lang]:not([lang="en"]), script, style, [hidden]')) {
      el.remove();
    }
    const attributes = [...body.querySelectorAll('[aria-label], [title], [placeholder], [alt]')]
      .flatMap((el) => ['aria-label', 'title', 'placeholder', 'alt'].map((a) => el.getAttribute(a)))
      .filter(Boolean);
    document.body.append(body);
    body.style.position = 'absolute';
    const text = body.innerText;
    body.remove();
    return `${text}\n${attributes.join('\n')}`;
  });
}

/** Each Swedish phrase found, with the words around it. */
function swedishLeft(text, phrases) {
  return phrases.flatMap((phrase) => {
    const escaped = phrase.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const match = new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, 'u').exec(text);
    return match ? [`${phrase} in "…${text.slice(Math.max(0, match.index - 40), match.index + phrase.length + 40).replace(/\s+/g, ' ')}…"`] : [];
  });
}

async function englishTablet(username) {
  const context = await env.browser.newContext({ viewport: { width: 1024, height: 768 }, locale: 'sv-SE', hasTouch: true });
  const page = await context.newPage();
  await page.goto(env.server.url);
  await page.getByTestId('language-en').click();
  await page.getByRole('heading', { name: en('login.title'), exact: true }).waitFor();
  await signIn(page, username, undefined, en);
  await waitForText(page.getByTestId('sync-status'), en('sync.synced'));
  return { context, page };
}

test('in English, the main pages show no Swedish interface text', async () => {
  const phrases = swedishPhrases();
  assert.ok(phrases.length > 300, `the check is built from the translation files (${phrases.length} phrases)`);
  const found = {};
  const visit = async (page, path, ready) => {
    await page.goto(new URL(path, env.server.url).href);
    await unlock(page, undefined, en);
    await ready(page);
    // Let late parts (lists from the device, charts) settle.
    await page.waitForTimeout(500);
    const left = swedishLeft(await interfaceText(page), phrases);
    if (left.length) found[path] = left;
  };

  const worker = await englishTablet('demo.anna');
  assert.equal(await worker.page.locator('html').getAttribute('lang'), 'en');
  assert.equal(await worker.page.locator('html').getAttribute('dir'), 'ltr');
  const h1 = (name) => (page) => page.getByRole('heading', { name, level: 1 }).first().waitFor();
  await visit(worker.page, '/', (p) => p.getByRole('link', { name: /Elsa Demosdotter/ }).waitFor());
  await visit(worker.page, `/barn/${ELSA}`, h1('Elsa Demosdotter'));
  await visit(worker.page, '/kalender', (p) => p.locator('main h1').waitFor());
  await visit(worker.page, '/rutiner', (p) => p.locator('main h1').waitFor());
  await visit(worker.page, '/rutiner/samtal-med-barn', h1('Talking with children'));
  await visit(worker.page, '/enheter', (p) => p.getByTestId('device').first().waitFor());
  await visit(worker.page, '/sprak', (p) => p.getByTestId('language-summary').waitFor());
  await worker.context.close();

  const manager = await englishTablet('demo.erik');
  for (const path of ['/egenkontroll', '/loggkontroll', '/hemregister', '/checklistor', '/beslut']) {
    await visit(manager.page, path, (p) => p.locator('main h1').first().waitFor());
  }
  await manager.context.close();
  assert.deepEqual(found, {}, 'Swedish interface text left on English pages');
});

test('in English, a routine and the placement checklist are read in English, the Swedish a click away', async () => {
  const content = (path) => new URL(`../../shared/content/${path}`, import.meta.url);
  const checklist = JSON.parse(readFileSync(content('en/checklists.json'), 'utf8'));
  const worker = await englishTablet('demo.anna');
  const { page } = worker;
  await page.goto(new URL('/rutiner/samtal-med-barn', env.server.url).href);
  await unlock(page, undefined, en);
  const title = page.locator('main h1');
  await waitForText(title, 'Talking with children');
  assert.equal(await title.getAttribute('lang'), 'en');
  const note = page.getByTestId('routine-translation');
  await waitForText(note, en('routines.translation_draft'));
  await page.getByRole('button', { name: en('routines.show_swedish') }).click();
  await waitForText(title, 'Samtal med barn');
  assert.equal(await title.getAttribute('lang'), 'sv', 'the Swedish is marked as Swedish');
  assert.equal(await page.locator('.routine__body').getAttribute('lang'), 'sv');
  await page.getByRole('button', { name: en('routines.show_translation') }).click();
  await waitForText(title, 'Talking with children');

  await page.goto(new URL(`/barn/${ELSA}`, env.server.url).href);
  await unlock(page, undefined, en);
  const heading = page.locator('#checklist-h');
  await waitForText(heading, 'Placement checklist');
  assert.equal(await heading.getAttribute('lang'), 'en');
  const item = page.locator('#checklist-item-kontaktuppgifter');
  await waitForText(item, checklist.items.kontaktuppgifter);
  assert.equal(await item.getAttribute('lang'), 'en');
  await worker.context.close();
});

test('in Arabic the sign-in screen runs right to left, its start on the right', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1024, height: 768 }, locale: 'sv-SE' });
  const page = await context.newPage();
  await page.goto(env.server.url);
  await page.getByTestId('language-ar').click();
  await page.getByRole('heading', { name: ar('login.title'), exact: true }).waitFor();
  assert.equal(await page.locator('html').getAttribute('dir'), 'rtl');
  assert.equal(await page.locator('html').getAttribute('lang'), 'ar');
  await page.getByTestId('language-not-reviewed').waitFor();
  await page.getByLabel(ar('login.username')).waitFor();

  // Start-aligned things sit at the right: the heading's text, each field's
  // label and the field itself begin at the card's right edge.
  const layout = await page.evaluate(() => {
    const card = document.querySelector('.login').getBoundingClientRect();
    const textBox = (el) => {
      const range = document.createRange();
      range.selectNodeContents(el);
      return range.getBoundingClientRect();
    };
    const label = document.querySelector('.login .field span');
    return {
      card: { left: card.left, right: card.right },
      heading: textBox(document.querySelector('#login-h')).toJSON(),
      label: textBox(label).toJSON(),
    };
  });
  for (const part of ['heading', 'label']) {
    const box = layout[part];
    const fromRight = layout.card.right - box.right;
    const fromLeft = box.left - layout.card.left;
    assert.ok(fromRight < fromLeft, `${part} starts at the right (${JSON.stringify(box)} in ${JSON.stringify(layout.card)})`);
    assert.ok(fromRight < 60, `${part} is against the right edge, ${fromRight}px from it`);
  }

  // The choice is remembered on the device.
  await page.reload();
  await page.getByRole('heading', { name: ar('login.title'), exact: true }).waitFor();
  assert.equal(await page.locator('html').getAttribute('dir'), 'rtl');
  // And Swedish again, left to right.
  await page.getByTestId('language-sv').click();
  await page.getByRole('heading', { name: sv('login.title'), exact: true }).waitFor();
  assert.equal(await page.locator('html').getAttribute('dir'), 'ltr');
  await context.close();
});

test('a child picks Arabic in the child mode: right to left, and the worker gets Swedish back', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1024, height: 768 }, locale: 'sv-SE', hasTouch: true });
  const page = await context.newPage();
  await page.goto(env.server.url);
  await signIn(page, 'demo.anna');
  await page.getByRole('link', { name: /Elsa Demosdotter/ }).click();
  await page.getByRole('button', { name: sv('tools.title'), exact: true }).click();
  const childMode = page.getByTestId('child-mode');
  await childMode.getByTestId('language-ar').click();
  await childMode.getByRole('heading', { name: ar('tools.title'), level: 1 }).waitFor();
  assert.equal(await page.locator('html').getAttribute('dir'), 'rtl');
  assert.equal(await page.locator('html').getAttribute('lang'), 'ar');
  // The cards' texts are Arabic and start at the right.
  await childMode.getByText(ar('tools.cards.heading')).first().waitFor();
  const sides = await page.evaluate(() => {
    const bar = document.querySelector('.cm-bar').getBoundingClientRect();
    const title = document.querySelector('.cm-bar__title').getBoundingClientRect();
    return { barLeft: bar.left, barRight: bar.right, titleLeft: title.left, titleRight: title.right };
  });
  assert.ok(sides.barRight - sides.titleRight < sides.titleLeft - sides.barLeft,
    `the title is at the bar's right, where Arabic starts: ${JSON.stringify(sides)}`);

  // Handed back: the worker's PIN, and the app is Swedish again.
  await childMode.getByRole('button', { name: ar('tools.done_hand_back') }).click();
  await childMode.getByLabel(ar('tools.hand_back.pin'), { exact: true }).fill(PIN);
  await childMode.getByRole('button', { name: ar('tools.hand_back.leave') }).click();
  await childMode.waitFor({ state: 'detached' });
  await page.getByRole('heading', { name: 'Elsa Demosdotter' }).waitFor();
  assert.equal(await page.locator('html').getAttribute('dir'), 'ltr');
  assert.equal(await page.locator('html').getAttribute('lang'), 'sv');
  await context.close();
});
