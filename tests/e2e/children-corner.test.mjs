// "För barn och unga": a child finds out, alone and offline, who their
// social worker is, what they have a right to and how to complain, in
// Swedish, English or Arabic, with no account. And the social worker's card
// ("Min socialsekreterare") shown during a visit, opened on the child's
// phone through its link, and recorded as information given.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openMenu, signIn, texts, useServerAndBrowser, waitForOfflineApp, waitForText } from './harness.mjs';

const env = useServerAndBrowser();
const sv = texts('sv');
const en = texts('en');
const ar = texts('ar');
const ELSA = 'de300000-0000-4000-8000-00000000c003';
const content = (path) => readFileSync(new URL(`../../shared/content/${path}`, import.meta.url), 'utf8');
/** The first line of a page's body (after the front matter). */
const firstLine = (path) => content(path).split(/^---$/m)[2].split('\n').find((l) => /^\p{L}/u.test(l)).slice(0, 40);
const titleOf = (path) => /^title:\s*(.+)$/m.exec(content(path))[1].trim();

/** With SCREENSHOT_DIR set (SCREENSHOT_DIR=docs/screenshots), the README's
 *  pictures of the corner and the card are taken there. */
async function picture(page, name) {
  if (process.env.SCREENSHOT_DIR) await page.screenshot({ path: join(process.env.SCREENSHOT_DIR, name), fullPage: true });
}

/** A fake voice for the languages given: records what the app asks to be
 *  read, as the device's speech would say it. */
function fakeVoices(languages) {
  return (langs) => {
    window.__spoken = [];
    const voices = langs.map((lang) => ({ lang, name: `Voice ${lang}`, default: false, localService: true, voiceURI: lang }));
    class Utterance {
      constructor(text) { this.text = text; this.lang = ''; this.rate = 1; this.voice = null; }
    }
    const synth = new EventTarget();
    synth.getVoices = () => voices;
    synth.speak = (u) => window.__spoken.push({ text: u.text, lang: u.lang, voice: u.voice && u.voice.lang });
    synth.cancel = () => {};
    Object.defineProperty(window, 'speechSynthesis', { value: synth, configurable: true });
    Object.defineProperty(window, 'SpeechSynthesisUtterance', { value: Utterance, configurable: true });
  };
}

async function phone({ voices = [] } = {}) {
  const context = await env.browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'sv-SE', hasTouch: true });
  await context.addInitScript(fakeVoices(), voices);
  const page = await context.newPage();
  return { context, page };
}

test('a child opens the corner from the start screen and reads, offline, about rights and how to complain', async () => {
  const { context, page } = await phone({ voices: ['sv-SE'] });
  await page.goto(env.server.url);
  await page.getByTestId('open-corner').click();
  await page.getByRole('heading', { name: sv('corner.title'), level: 1 }).waitFor();
  await page.waitForURL((url) => url.pathname === '/barn-och-unga');
  assert.equal(await page.getByLabel(sv('login.username')).count(), 0, 'no sign-in form in the corner');

  await page.getByTestId('age-7-12').click();
  const places = page.getByTestId('place-topics').getByRole('link');
  await places.first().waitFor();
  assert.deepEqual(await places.allInnerTexts(), [
    titleOf('sv/children/7-12/bo-i-familjehem.md'),
    titleOf('sv/children/7-12/bo-i-jourhem.md'),
    titleOf('sv/children/7-12/bo-pa-hvb.md'),
  ], 'stödboende is for the older');
  await page.getByRole('link', { name: titleOf('sv/children/7-12/klaga.md') }).click();
  await page.getByRole('heading', { name: titleOf('sv/children/7-12/klaga.md'), level: 1 }).waitFor();
  const bris = page.locator('[data-contact="bris"]');
  assert.equal(await bris.getByRole('link', { name: sv('corner.call', { phone: '116 111' }) }).getAttribute('href'), 'tel:116111');
  assert.equal(await page.locator('[data-contact="112"]').count(), 1);

  // Read aloud: the page's title first, in Swedish.
  await page.getByTestId('read-aloud').click();
  const spoken = await page.evaluate(() => window.__spoken);
  assert.equal(spoken.length, 1);
  assert.ok(spoken[0].text.startsWith(titleOf('sv/children/7-12/klaga.md')), spoken[0].text);
  assert.equal(spoken[0].lang, 'sv-SE');
  assert.equal(spoken[0].voice, 'sv-SE');
  await picture(page, 'barn-och-unga.png');

  // Larger text, remembered by the device.
  const size = () => page.locator('.corner__text p').first().evaluate((p) => parseFloat(getComputedStyle(p).fontSize));
  const before = await size();
  await page.getByTestId('larger-text').click();
  assert.ok(await size() > before * 1.2, 'the text grows');

  // Offline: the corner is part of the cached app.
  await waitForOfflineApp(page);
  await context.setOffline(true);
  await page.goto(new URL('/barn-och-unga/13-18/bo-i-stodboende', env.server.url).href);
  await page.getByRole('heading', { name: titleOf('sv/children/13-18/bo-i-stodboende.md'), level: 1 }).waitFor();
  assert.ok(await size() > before * 1.2, 'still larger after a reload');
  await page.getByRole('link', { name: sv('corner.back') }).click();
  await page.getByRole('link', { name: titleOf('sv/children/13-18/det-du-berattar.md') }).click();
  await waitForText(page.locator('.corner__text'), firstLine('sv/children/13-18/det-du-berattar.md'));
  await context.close();
});

test('in English and in Arabic, right to left and marked as not reviewed; no voice, no read-aloud button', async () => {
  const { context, page } = await phone({ voices: ['sv-SE'] });
  await page.goto(new URL('/barn-och-unga', env.server.url).href);
  await page.getByTestId('language-en').click();
  await page.getByRole('heading', { name: en('corner.title'), level: 1 }).waitFor();
  await page.getByTestId('age-13-18').click();
  await page.getByRole('link', { name: titleOf('en/children/13-18/besok.md') }).click();
  const article = page.locator('.corner__article');
  assert.equal(await article.getAttribute('lang'), 'en');
  await waitForText(page.getByTestId('not-reviewed'), en('corner.not_reviewed'));
  assert.equal(await page.getByTestId('read-aloud').count(), 0, 'the device has no English voice');

  await page.getByTestId('language-ar').click();
  await page.getByRole('heading', { name: titleOf('ar/children/13-18/besok.md'), level: 1 }).waitFor();
  assert.equal(await page.locator('html').getAttribute('dir'), 'rtl');
  assert.equal(await article.getAttribute('dir'), 'rtl');
  await waitForText(page.getByTestId('not-reviewed'), ar('corner.not_reviewed'));
  // Start-aligned text sits on the right.
  const box = await article.boundingBox();
  const heading = await article.locator('h1').evaluate((h) => {
    const range = document.createRange();
    range.selectNodeContents(h);
    const r = range.getBoundingClientRect();
    return { left: r.left, right: r.right };
  });
  assert.ok(box.x + box.width - heading.right < 40, `heading text ends at the right edge (${heading.right} of ${box.x + box.width})`);
  assert.ok(heading.left - box.x > 40, 'and not at the left');
  await picture(page, 'barn-och-unga-ar.png');
  await page.getByRole('link', { name: ar('corner.contacts') }).click();
  await waitForText(page.locator('[data-contact="ivo"]'), JSON.parse(content('ar/children/contacts.json')).ivo);
  await context.close();
});

test("the social worker's card: kept in the profile, shown with the next visit, opened on the child's phone, recorded as given", async () => {
  const tablet = await env.browser.newContext({ viewport: { width: 1024, height: 768 }, locale: 'sv-SE', hasTouch: true });
  const page = await tablet.newPage();
  await page.goto(env.server.url);
  await signIn(page, 'demo.anna');
  // A slow network: the card the server keeps arrives after the worker has
  // typed, and must not overwrite what they wrote.
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await page.route('**/api/v1/me/card', async (route) => {
    if (route.request().method() === 'GET') await held;
    await route.continue();
  });
  await openMenu(page);
  await page.getByRole('link', { name: sv('card.menu') }).click();
  await page.getByLabel(sv('card.phone')).fill('070-123 45 67');
  await page.getByLabel(sv('card.email')).fill('anna.demo@exempelby.se');
  await page.getByLabel(sv('card.hours')).fill('Vardagar 9–11');
  const answered = page.waitForResponse((r) => r.url().endsWith('/api/v1/me/card') && r.request().method() === 'GET');
  release();
  await answered;
  await page.getByTestId('worker-card').waitFor();
  await page.unroute('**/api/v1/me/card');
  assert.equal(await page.getByLabel(sv('card.phone')).inputValue(), '070-123 45 67', 'what was typed stays');
  await page.getByRole('button', { name: sv('card.save') }).click();
  await waitForText(page.getByTestId('card-outcome'), sv('card.saved'));

  await page.goto(new URL(`/barn/${ELSA}`, env.server.url).href);
  await page.getByLabel(sv('lock.pin'), { exact: true }).fill('48291375');
  await page.getByRole('button', { name: sv('lock.unlock') }).click();
  await page.getByTestId('show-card').click();
  const card = page.getByTestId('worker-card');
  await waitForText(card.getByTestId('card-phone'), '070-123 45 67');
  await waitForText(card.getByTestId('card-next-visit'), sv('card.at_the_latest', { date: '' }).trim());
  const link = await page.getByTestId('card-qr').getAttribute('data-link');
  const url = new URL(link);
  assert.equal(url.pathname, '/barn-och-unga/min-socialsekreterare');
  assert.deepEqual([...url.searchParams.keys()].sort(), ['epost', 'namn', 'tel', 'tider']);
  assert.ok(!link.includes('Elsa') && !link.includes(ELSA), 'nothing about the child in the link');
  await picture(page, 'min-socialsekreterare.png');

  // The child's phone opens the link: the card, no sign-in.
  const { context, page: phonePage } = await phone();
  await phonePage.goto(link);
  const shared = phonePage.getByTestId('worker-card');
  await waitForText(shared.getByTestId('card-phone'), '070-123 45 67');
  await waitForText(shared.getByTestId('card-hours'), 'Vardagar 9–11');
  assert.equal(await shared.getByTestId('card-next-visit').count(), 0, 'the next visit stays on the tablet and paper');
  await context.close();

  // Recorded on the placement: the checklist's contact item is done.
  await page.getByTestId('record-given').click();
  await waitForText(page.getByTestId('given-outcome'), sv('card.recorded', { count: 1 }));
  await page.getByRole('link', { name: sv('card.back_to_child') }).click();
  await page.locator('#checklist-item-kontaktuppgifter').waitFor();
  assert.equal(await page.locator('li.checklist__item', { has: page.locator('#checklist-item-kontaktuppgifter') }).getAttribute('data-state'), 'done');
  await tablet.close();
});
