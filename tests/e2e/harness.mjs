// Shared by the browser end-to-end tests: starts the real server binary on a
// loopback port with a throwaway SQLite database, and Debian's Chromium.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, cpSync, rmSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

const ROOT = new URL('../../', import.meta.url).pathname;

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** A free loopback port (the benchmark uses it too). */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** A server process on a fixed port, so it can be stopped and started again
 *  on the same origin (the browser's IndexedDB and service worker are per origin). */
export class TestServer {
  /** `args`: extra server flags (e.g. `['--lock-after-seconds', '10']`);
   *  `demoData: false` starts from an empty database, as a new installation. */
  static async create({ args = [], demoData = true } = {}) {
    const s = new TestServer();
    s.extraArgs = demoData ? ['--demo-data', ...args] : args;
    s.bin = process.env.BARNBESOK_SERVER_BIN;
    if (!s.bin) throw new Error('BARNBESOK_SERVER_BIN is not set (scripts/test.sh sets it)');
    s.dir = mkdtempSync(join(tmpdir(), 'barnbesok-e2e-'));
    // A copy of the release build, so a test can change it (a new app version).
    s.staticDir = join(s.dir, 'dist');
    cpSync(process.env.BARNBESOK_DIST ?? join(ROOT, 'dist'), s.staticDir, { recursive: true });
    s.port = await freePort();
    s.url = `http://127.0.0.1:${s.port}/`;
    s.dbPath = join(s.dir, 'data', 'barnbesok.db');
    await s.start();
    return s;
  }

  async start() {
    this.proc = spawn(this.bin, [
      '--listen', `127.0.0.1:${this.port}`, '--data-dir', join(this.dir, 'data'),
      '--static-dir', this.staticDir, ...this.extraArgs,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.log = '';
    this.proc.stderr.on('data', (d) => { this.log += d; });
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('server did not start:\n' + this.log)), 30_000);
      this.proc.stdout.on('data', (d) => {
        if (String(d).includes('http://')) { clearTimeout(timer); resolve(); }
      });
      this.proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}:\n${this.log}`)); });
    });
  }

  async stop() {
    if (!this.proc || this.proc.exitCode !== null) return;
    const exited = new Promise((resolve) => this.proc.once('exit', resolve));
    this.proc.kill('SIGTERM');
    await exited;
  }

  /** Runs `barnbesok-server admin ARGS` on this server's database, with
   *  `input` on standard input (a password); returns what it printed. */
  admin(args, input = '') {
    return execFileSync(this.bin, ['--data-dir', join(this.dir, 'data'), 'admin', ...args], {
      input, stdio: ['pipe', 'pipe', 'pipe'],
    }).toString();
  }

  /** Runs one SQL query on the server's SQLite database (read-only). */
  query(sql, ...params) {
    const script = 'import json,sqlite3,sys;c=sqlite3.connect("file:"+sys.argv[1]+"?mode=ro",uri=True);' +
      'print(json.dumps(c.execute(sys.argv[2], json.loads(sys.argv[3])).fetchall()))';
    return JSON.parse(execFileSync('python3', ['-c', script, this.dbPath, sql, JSON.stringify(params)]).toString());
  }

  async dispose() {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
}

/** Waits until the locator's text contains `text`; fails with what it saw. */
export async function waitForText(locator, text, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  let seen = '';
  while (Date.now() < deadline) {
    seen = (await locator.first().innerText().catch(() => '')) ?? '';
    if (seen.includes(text)) return seen;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`expected "${text}", saw "${seen}"`);
}

/** Starts one server and one browser for the test file, and stops them after it. */
export function useServerAndBrowser(serverOptions = {}) {
  const env = {};
  before(async () => {
    env.server = await TestServer.create(serverOptions);
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.dispose();
  });
  return env;
}

/** The demo password, and the demo group leader who sees every demo child. */
export const DEMO_PASSWORD = 'demo-barnbesok';

/** The PIN the tests choose for the device key. */
export const PIN = '48291375';

/** Signs in on the login form the app shows a new device, and chooses the
 *  PIN. `T`: the texts of the interface language (`texts('en')`). */
export async function signIn(page, username = 'demo.gunilla', password = DEMO_PASSWORD, T = texts('sv')) {
  await page.getByLabel(T('login.username')).fill(username);
  await page.getByLabel(T('login.password')).fill(password);
  await page.getByRole('button', { name: T('login.sign_in') }).click();
  await page.getByLabel(T('lock.new_pin')).fill(PIN);
  await page.getByLabel(T('lock.new_pin_again')).fill(PIN);
  await page.getByRole('button', { name: T('lock.save_pin') }).click();
  await page.getByTestId('signed-in-user').waitFor();
}

/** Opens the lock screen with the PIN (every new tab or reload starts locked). */
export async function unlock(page, pin = PIN, T = texts('sv')) {
  await page.getByLabel(T('lock.pin'), { exact: true }).fill(pin);
  await page.getByRole('button', { name: T('lock.unlock') }).click();
  await page.getByTestId('signed-in-user').waitFor();
}

/** A GET of the API as a demo user (signed in once per server). */
export async function apiGet(server, path, username = 'demo.gunilla') {
  server.tokens ??= {};
  if (!server.tokens[username]) {
    const res = await fetch(new URL('/api/v1/auth/login', server.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: DEMO_PASSWORD, device_label: 'e2e' }),
    });
    if (res.status !== 200) throw new Error(`sign-in as ${username}: ${res.status}`);
    server.tokens[username] = (await res.json()).access_token;
  }
  return fetch(new URL(path, server.url), {
    headers: { authorization: `Bearer ${server.tokens[username]}` },
  });
}

/** Answers what the visit log requires and signs the visit. `alone`: whether
 *  the child was talked to alone (if not, "the child declined"). */
export async function recordVisit(page, { alone = true, note } = {}, T = texts('sv')) {
  await page.getByRole('group', { name: T('visit.talked_alone') })
    .getByLabel(alone ? T('visit.yes') : T('visit.no')).check();
  if (!alone) await page.getByLabel(T('labels.not_alone_reason.child_declined')).check();
  await page.getByRole('group', { name: T('visit.feedback_given') })
    .getByLabel(T('visit.yes')).check();
  if (note !== undefined) await page.getByLabel(T('visit.note'), { exact: true }).fill(note);
  await page.getByRole('button', { name: T('visit.sign') }).click();
}

/** The interface texts of a language from app/locales (Arabic falls back to
 *  Swedish where it has no text, as the app does): `T('login.sign_in')`,
 *  `T('sync.changes_waiting', { count: 3 })`. Tests find controls by these,
 *  so a test runs in any language. */
export function texts(language = 'sv') {
  const load = (tag) => {
    const dir = join(ROOT, 'app', 'locales', tag);
    const flat = {};
    const walk = (prefix, value) => {
      if (value && typeof value === 'object') {
        for (const [k, v] of Object.entries(value)) walk(`${prefix}.${k}`, v);
      } else if (typeof value === 'string') {
        flat[prefix] = value;
      }
    };
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
      walk(file.replace(/\.json$/, ''), JSON.parse(readFileSync(join(dir, file), 'utf8')));
    }
    return flat;
  };
  const own = load(language);
  const source = language === 'sv' ? own : load('sv');
  const plural = new Intl.PluralRules(language);
  const T = (key, vars = {}) => {
    let k = key;
    if ('count' in vars) {
      const form = `${key}_${plural.select(vars.count)}`;
      k = (own[form] ?? source[form]) !== undefined ? form : `${key}_other`;
    }
    const text = own[k] ?? (language === 'ar' ? source[k] : undefined);
    if (text === undefined) throw new Error(`no text ${k} in ${language}`);
    return text.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name) => String(vars[name] ?? ''));
  };
  T.all = own;
  T.source = source;
  T.language = language;
  return T;
}

/** A day as the Swedish interface writes it: "4 dec. 2026". */
export function swedishDate(day = new Date()) {
  const months = ['jan.', 'feb.', 'mars', 'apr.', 'maj', 'juni', 'juli', 'aug.', 'sep.', 'okt.', 'nov.', 'dec.'];
  return `${day.getDate()} ${months[day.getMonth()]} ${day.getFullYear()}`;
}

/** Waits until the service worker controls the page and has kept every
 *  part of the app pages load when first opened, so the app works offline;
 *  fails saying how far it got. */
export async function waitForOfflineApp(page, timeout = 30_000) {
  const deadline = Date.now() + timeout;
  let state = '';
  while (Date.now() < deadline) {
    state = await page.evaluate(async () => {
      if (!navigator.serviceWorker.controller) {
        const r = await navigator.serviceWorker.getRegistration();
        const s = (w) => (w ? w.state : 'none');
        return r ? `installing ${s(r.installing)}, waiting ${s(r.waiting)}, active ${s(r.active)}` : 'no registration';
      }
      const cache = await caches.open('barnbesok-shell-v1');
      const parts = document.querySelector('meta[name="barnbesok-parts"]')?.content.split(' ') ?? [];
      let missing = 0;
      for (const url of parts) if (!(await cache.match(url))) missing += 1;
      return missing ? `controlled, ${missing} of ${parts.length} parts not kept yet` : 'ready';
    });
    if (state === 'ready') return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the app is not ready offline: ${state}`);
}

/** Opens the header's menu (the pages, the language, signing out), unless
 *  it is open. */
export async function openMenu(page) {
  const toggle = page.getByTestId('menu-toggle');
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
}
