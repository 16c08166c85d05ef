// WCAG 2.1 AA, checked by axe-core in headless Chromium: every page of the
// children's corner (each age, each topic, in Swedish and in Arabic right to
// left) and the app's main pages report no violations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { openMenu, recordVisit, signIn, texts, unlock, useServerAndBrowser, waitForText } from './harness.mjs';

const env = useServerAndBrowser();
const sv = texts('sv');
const ELSA = 'de300000-0000-4000-8000-00000000c003';
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const TOPICS = {
  '7-12': ['bo-i-familjehem', 'bo-i-jourhem', 'bo-pa-hvb', 'socialsekreterare', 'besok', 'det-du-berattar', 'varfor-placerad', 'klaga'],
  '13-18': ['bo-i-familjehem', 'bo-i-jourhem', 'bo-pa-hvb', 'bo-i-stodboende', 'socialsekreterare', 'besok', 'det-du-berattar', 'varfor-placerad', 'klaga'],
};

/** The WCAG 2.1 A and AA violations axe finds on the page, one line each. */
async function violations(page) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  const results = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  }));
  return results.violations.flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')} (${n.failureSummary.split('\n')[1]?.trim() ?? v.help})`));
}

async function tablet() {
  // axe is added as a script of the test's own: the app's Content-Security-
  // Policy (no inline script) is set aside for it, nothing else.
  const context = await env.browser.newContext({ viewport: { width: 1024, height: 768 }, locale: 'sv-SE', hasTouch: true, bypassCSP: true });
  return { context, page: await context.newPage() };
}

test('every page of the children\'s corner, in Swedish and Arabic, has no WCAG 2.1 AA violation', async () => {
  const { context, page } = await tablet();
  const found = {};
  const check = async (path, heading) => {
    await page.goto(new URL(path, env.server.url).href);
    await page.locator(heading).first().waitFor();
    const v = await violations(page);
    if (v.length) found[`${path} (${await page.locator('html').getAttribute('lang')})`] = v;
  };
  const pages = ['/barn-och-unga', '/barn-och-unga/kontakter', '/barn-och-unga/7-12', '/barn-och-unga/13-18',
    ...Object.entries(TOPICS).flatMap(([age, topics]) => topics.map((t) => `/barn-och-unga/${age}/${t}`)),
    '/barn-och-unga/min-socialsekreterare?namn=Anna%20Demo&tel=070-123%2045%2067&epost=anna%40exempelby.se&tider=Vardagar%209%E2%80%9311'];
  for (const path of pages) await check(path, 'main h1, main h2');
  await page.goto(new URL('/barn-och-unga', env.server.url).href);
  await page.getByTestId('language-ar').click();
  for (const path of pages) await check(path, 'main h1, main h2');
  await page.getByTestId('larger-text').click();
  await check('/barn-och-unga/7-12/klaga', 'main h1');
  await context.close();
  assert.deepEqual(found, {}, 'axe-core violations');
});

test('the sign-in screen and the main pages have no WCAG 2.1 AA violation', async () => {
  const found = {};
  const check = async (page, path, ready) => {
    await page.goto(new URL(path, env.server.url).href);
    await unlock(page);
    await ready(page);
    await page.waitForTimeout(300);
    const v = await violations(page);
    if (v.length) found[path] = v;
  };
  const h1 = (page) => page.locator('main h1, main h2').first().waitFor();

  const worker = await tablet();
  await worker.page.goto(env.server.url);
  await worker.page.getByLabel(sv('login.username')).waitFor();
  const login = await violations(worker.page);
  if (login.length) found['/ (sign-in)'] = login;
  await signIn(worker.page, 'demo.anna');
  await check(worker.page, '/', (p) => p.getByRole('link', { name: /Elsa Demosdotter/ }).waitFor());
  for (const path of ['/kalender', '/rutiner', '/rutiner/samtal-med-barn', '/enheter', '/sprak', '/mitt-kort', `/barn/${ELSA}/kort`,
    '/avvikelse', '/avvikelser', '/tappad-platta']) {
    await check(worker.page, path, h1);
  }
  await check(worker.page, `/barn/${ELSA}`, (p) => p.getByRole('heading', { name: 'Elsa Demosdotter', level: 1 }).waitFor());
  await worker.context.close();

  const manager = await tablet();
  await manager.page.goto(env.server.url);
  await signIn(manager.page, 'demo.erik');
  for (const path of ['/egenkontroll', '/egenkontroll/genomgang', '/loggkontroll', '/hemregister', '/checklistor', '/beslut', '/akt',
    '/att-gora', '/avvikelser/statistik']) {
    await check(manager.page, path, h1);
  }
  await manager.context.close();
  assert.deepEqual(found, {}, 'axe-core violations');
});

/**
 * The controls a child or a social worker taps that are smaller than 44×44
 * CSS pixels (links inside running text excepted, as WCAG 2.5.5 allows),
 * and those that the keyboard does not reach or that show no visible focus.
 */
async function touchAndKeyboardProblems(page) {
  const small = await page.evaluate(() => {
    const controls = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex="-1"])')];
    return controls.filter((el) => {
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) return false;
      if (el.closest('.visually-hidden') || el.disabled) return false;
      const inText = el.tagName === 'A' && el.closest('p, li p, td, dd') && el.parentElement.textContent.trim() !== el.textContent.trim();
      if (inText) return false;
      // A checkbox or radio counts with its label, which is what is tapped.
      const label = (el.type === 'checkbox' || el.type === 'radio') && el.closest('label');
      const box = label ? label.getBoundingClientRect() : r;
      return box.width < 44 - 0.5 || box.height < 44 - 0.5;
    }).map((el) => `${el.tagName.toLowerCase()}${el.dataset.testid ? `[${el.dataset.testid}]` : ''} "${(el.textContent || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 30)}" ${Math.round(el.getBoundingClientRect().width)}×${Math.round(el.getBoundingClientRect().height)}`);
  });
  // A group of radio buttons is one stop for Tab (the arrows move within it).
  const total = await page.evaluate(() => [...document.querySelectorAll('a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select, textarea, summary')]
    .filter((el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0 && !el.closest('[inert]'); })
    .filter((el, _, all) => {
      if (el.type !== 'radio') return true;
      const group = all.filter((o) => o.type === 'radio' && o.name === el.name);
      return el === (group.find((o) => o.checked) ?? group[0]);
    })
    .map((el, i) => { el.dataset.a11yControl = String(i); return i; }).length);
  const unfocusable = [];
  await page.evaluate(() => document.activeElement?.blur());
  await page.locator('body').focus();
  const reached = new Set();
  // A date or time field takes a Tab for each of its parts.
  const parts = await page.evaluate(() => document.querySelectorAll('input[type=date], input[type=time], input[type=datetime-local]').length * 4);
  for (let i = 0; i < total + parts + 5; i += 1) {
    await page.keyboard.press('Tab');
    const focus = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      const style = getComputedStyle(el);
      const visible = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2) || style.boxShadow !== 'none';
      return { key: el.dataset.a11yControl ?? el.outerHTML.slice(0, 80), visible, name: `${el.tagName.toLowerCase()}${el.type ? `[type=${el.type}]` : ''}${el.className ? `.${el.className}` : ''} "${(el.textContent || el.getAttribute('aria-label') || el.labels?.[0]?.textContent || '').trim().slice(0, 30)}"` };
    });
    if (!focus) continue;
    if (!focus.visible) unfocusable.push(`no visible focus: ${focus.name}`);
    reached.add(focus.key);
  }
  const controlsReached = [...reached].filter((k) => /^\d+$/.test(k)).length;
  if (controlsReached < total) unfocusable.push(`the keyboard reached ${controlsReached} of ${total} controls`);
  return [...small.map((s) => `smaller than 44×44: ${s}`), ...unfocusable];
}

test('the children\'s corner and the card are made for touch and keyboard: 44×44 targets, every control reached by Tab, focus always visible', async () => {
  const { context, page } = await tablet();
  const found = {};
  for (const path of ['/barn-och-unga', '/barn-och-unga/kontakter', '/barn-och-unga/7-12', '/barn-och-unga/13-18/klaga',
    '/barn-och-unga/sag-vad-du-tycker', '/barn-och-unga/svar',
    '/barn-och-unga/min-socialsekreterare?namn=Anna%20Demo&tel=070-123%2045%2067&epost=anna%40exempelby.se&tider=Vardagar%209%E2%80%9311']) {
    await page.goto(new URL(path, env.server.url).href);
    await page.locator('main h1, main h2').first().waitFor();
    await page.waitForTimeout(200);
    const problems = await touchAndKeyboardProblems(page);
    if (problems.length) found[path] = problems;
  }
  await context.close();
  assert.deepEqual(found, {}, 'touch targets and keyboard');
});

test('the header is one row on a tablet; its menu opens over the page with no WCAG 2.1 AA violation, is made for touch and keyboard, and closes with Escape', async () => {
  const { context, page } = await tablet();
  await page.goto(env.server.url);
  await signIn(page, 'demo.erik');
  const header = await page.locator('header.topbar').boundingBox();
  assert.ok(header.height < 80, `the header is ${header.height} px high`);
  const toggle = page.getByTestId('menu-toggle');
  assert.equal(await page.getByRole('link', { name: sv('shell.links.self_check') }).count(), 0, 'the pages are in the closed menu');
  await openMenu(page);
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  await page.getByRole('link', { name: sv('shell.links.self_check') }).waitFor();
  assert.deepEqual(await violations(page), [], 'WCAG 2.1 AA with the menu open');
  // Its targets are measured open (the walk below closes it).
  const small = (await touchAndKeyboardProblems(page)).filter((p) => p.startsWith('smaller than'));
  assert.deepEqual(small, [], 'touch targets with the menu open');
  // Tab from its button goes through every control in it, each with a
  // visible focus, and Tab past its end closes it.
  await openMenu(page);
  const controls = await page.locator('#main-menu a[href], #main-menu button:not([disabled])').count();
  assert.ok(controls > 15, `${controls} controls in the menu`);
  await toggle.focus();
  const walk = [];
  for (let i = 0; i < controls; i += 1) {
    await page.keyboard.press('Tab');
    walk.push(await page.evaluate(() => {
      const el = document.activeElement;
      const style = getComputedStyle(el);
      const visible = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2) || style.boxShadow !== 'none';
      return { name: el.textContent.trim().slice(0, 30), inMenu: Boolean(el.closest('#main-menu')), visible };
    }));
  }
  assert.deepEqual(walk.filter((f) => !f.inMenu || !f.visible), [], 'every control in the menu, in order, with a visible focus');
  await page.keyboard.press('Tab');
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false', 'Tab past the menu closes it');
  // Escape closes it and gives the focus back to its button.
  await openMenu(page);
  await page.getByRole('link', { name: sv('shell.links.self_check') }).focus();
  await page.keyboard.press('Escape');
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'menu-toggle');
  // A page chosen in it closes it.
  await openMenu(page);
  await page.getByRole('link', { name: sv('shell.links.self_check') }).click();
  await page.getByRole('heading', { name: sv('shell.links.self_check'), level: 1 }).waitFor();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  await context.close();
});

test('on a phone the header is two rows, with nothing cut off and 44×44 targets', async () => {
  const context = await env.browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'sv-SE', hasTouch: true, bypassCSP: true });
  const page = await context.newPage();
  await page.goto(env.server.url);
  await page.getByLabel('Enhetens namn').fill('Telefon');
  await signIn(page, 'demo.gunilla');
  await waitForText(page.getByTestId('sync-status'), 'Synkad');
  const header = await page.locator('header.topbar').boundingBox();
  assert.ok(header.height < 130, `the header is ${header.height} px high, more than two rows`);
  const brand = await page.getByRole('link', { name: 'Barnbesök' }).boundingBox();
  const status = await page.getByTestId('sync-status').boundingBox();
  assert.ok(Math.abs((brand.y + brand.height / 2) - (status.y + status.height / 2)) < 4, 'the sync state is beside the name of the app');
  for (const name of ['Synka nu', 'Lås', 'Meny']) {
    const box = await page.locator('header.topbar').getByRole('button', { name }).boundingBox();
    assert.ok(box.width >= 44 && box.height >= 44, `${name}: ${box.width}×${box.height}`);
    assert.ok(box.x >= 0 && box.x + box.width <= 360, `${name} is on the screen`);
  }
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 360, 'nothing wider than the screen');
  assert.deepEqual(await violations(page), [], 'WCAG 2.1 AA on a phone');
  // A longer sync state, offline with a visit waiting, still fits the screen.
  await context.setOffline(true);
  await page.getByRole('link', { name: /Alva Exempelsson/ }).click();
  await recordVisit(page, { note: 'Skrivet på telefonen.' });
  await waitForText(page.getByTestId('sync-status'), 'väntar');
  for (const name of ['Synka nu', 'Lås', 'Meny']) {
    const box = await page.locator('header.topbar').getByRole('button', { name }).boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 360, `${name} is on the screen, offline with a change waiting`);
  }
  const waiting = await page.getByTestId('sync-status').boundingBox();
  assert.ok(waiting.x >= 0 && waiting.x + waiting.width <= 360, 'the whole sync state is on the screen');
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 360, 'nothing wider than the screen, offline');
  await context.close();
});

test('the social worker\'s main pages are made for touch and keyboard too', async () => {
  const { context, page } = await tablet();
  await page.goto(env.server.url);
  await signIn(page, 'demo.anna');
  const found = {};
  for (const path of ['/', `/barn/${ELSA}`, `/barn/${ELSA}/kort`, '/mitt-kort', '/rutiner', '/kalender']) {
    await page.goto(new URL(path, env.server.url).href);
    await unlock(page);
    await page.locator('main h1, main h2').first().waitFor();
    await page.waitForTimeout(300);
    const problems = await touchAndKeyboardProblems(page);
    if (problems.length) found[path] = problems;
  }
  await context.close();
  assert.deepEqual(found, {}, 'touch targets and keyboard');
});
