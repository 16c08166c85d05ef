// A municipality's first day, from an empty database (no demo data): the
// administrator creates the unit and the users with `barnbesok-server admin`
// and imports homes, their checks, children and placements from CSV; a
// group leader reads the register of homes (flagged homes first) and adds a
// check; a social worker signs in, syncs, records and signs a visit and
// exports it to the record. Filing it again keeps the first mark.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openMenu, recordVisit, signIn, unlock, useServerAndBrowser, waitForText } from './harness.mjs';

const ROOT = new URL('../../', import.meta.url).pathname;
const env = useServerAndBrowser({ demoData: false });
const PASSWORD = 'första-dagen-2026';
const UNIT = 'Familjehemsenheten';
const KINDS = ['hem', 'hemkontroller', 'barn', 'placeringar'];

/** The example file the docs publish (README, docs/import.md): the first
 *  day imports exactly what a municipality is told to start from. */
function importFile(kind) {
  const documented = join(ROOT, 'docs', 'examples', `${kind}.csv`);
  assert.ok(existsSync(documented), `docs/examples/${kind}.csv is documented but missing`);
  return documented;
}

/** A small CSV reader (`;` or `,` told from the header, quoted fields). */
function readCsv(path) {
  const text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const sep = (lines[0].match(/;/g) ?? []).length >= (lines[0].match(/,/g) ?? []).length ? ';' : ',';
  const split = (line) => {
    const out = [];
    let field = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (quoted && c === '"' && line[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = !quoted;
      else if (c === sep && !quoted) { out.push(field); field = ''; }
      else field += c;
    }
    out.push(field);
    return out.map((f) => f.trim());
  };
  const header = split(lines[0]).map((h) => h.toLowerCase());
  return lines.slice(1).map((line) => {
    const values = split(line);
    return Object.fromEntries(header.map((h, i) => [h, values[i] ?? '']));
  });
}

/** "anna.lind" → "Anna Lind". */
function displayName(username) {
  return username.split(/[._-]/).filter(Boolean)
    .map((p) => p[0].toUpperCase() + p.slice(1)).join(' ');
}

test('first day: an empty installation, CSV import, the register of homes, a visit filed once', async () => {
  const { server, browser } = env;
  assert.deepEqual(server.query('SELECT count(*) FROM children'), [[0]], 'starts empty');

  // The administrator: units, users, then the import.
  const children = readCsv(importFile('barn'));
  const units = [...new Set([UNIT, ...children.map((c) => c['enhet'])])];
  const workers = [...new Set(children.flatMap((c) => (c['handläggare'] ?? '').split(/[,|]/))
    .map((w) => w.trim().toLowerCase()).filter(Boolean))];
  assert.ok(workers.length > 0, 'the children file names their social workers');
  for (const unit of units) server.admin(['create-unit', unit]);
  const unitFlags = units.flatMap((u) => ['--unit', u]);
  server.admin(['create-user', 'ada.admin', '--display-name', 'Ada Admin', '--role', 'administrator'], `${PASSWORD}\n`);
  server.admin(['create-user', 'gun.ledare', '--display-name', 'Gun Ledare', '--role', 'group_leader', ...unitFlags], `${PASSWORD}\n`);
  for (const worker of workers) {
    server.admin(['create-user', worker, '--display-name', displayName(worker), '--role', 'social_worker', ...unitFlags], `${PASSWORD}\n`);
  }
  for (const kind of KINDS) {
    const dry = server.admin(['import', importFile(kind), '--kind', kind, '--dry-run']);
    assert.ok(dry.length > 0, `a dry run of ${kind} reports`);
    server.admin(['import', importFile(kind), '--kind', kind]);
  }
  assert.deepEqual(server.query('SELECT count(*) FROM children'), [[children.length]]);
  // Idempotent: importing the children again changes nothing.
  server.admin(['import', importFile('barn'), '--kind', 'barn']);
  assert.deepEqual(server.query('SELECT count(*) FROM children'), [[children.length]]);
  const homeCount = server.query('SELECT count(*) FROM homes')[0][0];
  assert.ok(homeCount > 0, 'homes imported');

  // The group leader: the register of homes.
  const leaderContext = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'sv-SE' });
  const leader = await leaderContext.newPage();
  await leader.goto(server.url);
  await signIn(leader, 'gun.ledare', PASSWORD);
  await waitForText(leader.getByTestId('sync-status'), 'Synkad');
  await openMenu(leader);
  await leader.getByRole('link', { name: 'Hemregister' }).click();
  await leader.getByRole('heading', { name: 'Hemregister' }).waitFor();
  await leader.getByTestId('home-row').first().waitFor();
  assert.equal(await leader.getByTestId('home-row').count(), homeCount);

  // A check added on a home's page: a reference that was not approved flags it.
  const first = leader.getByTestId('home-row').first();
  const homeName = (await first.locator('.home__name').innerText()).trim();
  await first.getByRole('link').click();
  await leader.getByRole('heading', { name: homeName, exact: true }).waitFor();
  await leader.getByLabel('Kontroll', { exact: true }).selectOption({ label: 'Referenser från andra kommuner' });
  await leader.getByLabel('Resultat', { exact: true }).selectOption({ label: 'Ej godkänd' });
  await leader.getByLabel('Anteckning').fill('Lunds kommun: avbrott i placering 2025');
  await leader.getByRole('button', { name: 'Lägg till kontrollen' }).click();
  await waitForText(leader.getByTestId('saved'), 'Kontrollen sparades på servern');
  await leader.getByRole('cell', { name: 'Lunds kommun: avbrott i placering 2025' }).waitFor();
  await waitForText(leader.locator('.home__flags'), 'Ej godkänd: referenser från andra kommuner');

  // Offline, the register says it needs the network and saves nothing.
  await leaderContext.setOffline(true);
  await waitForText(leader.getByTestId('needs-network'), 'Kräver nätverk');
  assert.ok(await leader.getByRole('button', { name: 'Lägg till kontrollen' }).isDisabled());
  await leaderContext.setOffline(false);

  await leader.getByRole('link', { name: '← Hemregister' }).click();
  await leader.getByTestId('home-row').first().waitFor();
  assert.ok(await leader.locator('[data-testid="home-row"][data-flagged="true"]').count() >= 1, 'a flagged home');
  // Flagged homes come first.
  assert.equal(await leader.getByTestId('home-row').first().getAttribute('data-flagged'), 'true');
  mkdirSync(join(ROOT, 'docs', 'screenshots'), { recursive: true });
  await leader.screenshot({ path: join(ROOT, 'docs', 'screenshots', 'register-of-homes.png'), fullPage: true });

  // The decisions to watch load (the list or that there are none).
  await openMenu(leader);
  await leader.getByRole('link', { name: 'Beslut', exact: true }).click();
  await leader.getByRole('heading', { name: 'Beslut att bevaka' }).waitFor();
  await leader.getByTestId('decision-row').or(leader.getByText('Inga beslut att bevaka just nu.')).first().waitFor();
  await leaderContext.close();

  // The social worker: sync, visit, sign, export to the record.
  const child = children.find((c) => (c['handläggare'] ?? '').toLowerCase().includes(workers[0]));
  const childName = `${child['förnamn']} ${child['efternamn']}`;
  const context = await browser.newContext({ viewport: { width: 1024, height: 900 }, locale: 'sv-SE', acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(server.url);
  await signIn(page, workers[0], PASSWORD);
  await waitForText(page.getByTestId('sync-status'), 'Synkad');
  await page.getByRole('link', { name: new RegExp(childName) }).click();
  await page.getByRole('heading', { name: childName }).waitFor();
  await waitForText(page.getByTestId('child-facts'), `Id i verksamhetssystemet: ${child['externt id']}`);

  const words = 'Jag trivs här och vill fortsätta spela fotboll på lördagar.';
  await page.getByLabel('Barnets synpunkter', { exact: true }).fill(words);
  await recordVisit(page, { note: 'Första besöket efter införandet.' });
  await waitForText(page.getByTestId('draft-status'), 'Besöket är signerat');
  await page.getByRole('button', { name: 'Synka nu' }).click();
  await waitForText(page.getByTestId('sync-status'), 'Synkad');
  const visit = page.locator('.visit', { hasText: words });
  await visit.getByText('Synkad').waitFor();
  await waitForText(visit.getByTestId('filed-mark'), 'Inte förd till akt än.');

  // För till akt: the PDF, then the mark.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    visit.getByRole('button', { name: 'För till akt' }).click(),
  ]);
  assert.match(download.suggestedFilename(), /^akt-besok-\d{4}-\d{2}-\d{2}-.+\.pdf$/);
  const pdfPath = await download.path();
  const pdf = await readFile(pdfPath);
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
  const pdfText = execFileSync('pdftotext', ['-enc', 'UTF-8', pdfPath, '-']).toString();
  assert.ok(pdfText.replace(/\s+/g, ' ').includes(words), pdfText);
  const markText = await waitForText(visit.getByTestId('filed-mark'), `av ${displayName(workers[0])}`);
  assert.match(markText, /^Förd till akt \d{4}-\d{2}-\d{2} \d{2}:\d{2} av /);
  const filings = server.query('SELECT visit_id, filed_by, filed_at FROM visit_filings');
  assert.equal(filings.length, 1);

  // Filed once: filing again keeps the first mark.
  await Promise.all([
    page.waitForEvent('download'),
    visit.getByRole('button', { name: 'Hämta PDF till akt igen' }).click(),
  ]);
  await waitForText(visit.getByTestId('saved'), 'markeringen är oförändrad');
  assert.equal(await visit.getByTestId('filed-mark').innerText(), markText);
  assert.deepEqual(server.query('SELECT visit_id, filed_by, filed_at FROM visit_filings'), filings);
  assert.deepEqual(
    server.query("SELECT count(*) FROM changes WHERE kind = 'visit_filed'"), [[1]],
    'one feed record for the filing',
  );

  // After a reload the mark comes from the change feed: it stays.
  await page.reload();
  await unlock(page);
  await waitForText(page.getByTestId('sync-status'), 'Synkad');
  await waitForText(visit.getByTestId('filed-mark'), markText);

  // Offline: no PDF, but the print view of the same content works.
  await context.setOffline(true);
  await waitForText(visit, 'Kräver nätverk för PDF');
  assert.ok(await visit.getByRole('button', { name: 'Hämta PDF till akt igen' }).isDisabled());
  await visit.getByRole('link', { name: 'Utskrift' }).click();
  const record = page.getByTestId('print-record');
  await waitForText(record, words);
  await waitForText(record, 'Förd till akt');
  await waitForText(record, child['externt id']);
  await page.getByRole('button', { name: 'Skriv ut' }).waitFor();
  await context.setOffline(false);
  await context.close();
});
