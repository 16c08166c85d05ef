// Barnbesök service worker: keeps the app shell available offline.
//
// - Navigations: network first (so a new version is picked up on the next
//   online start), falling back to the cached index.html when offline.
// - Hashed assets (wasm, js, css): cache first; they never change under a name.
// - The parts of the app that pages load when first opened: cached after the
//   app itself (keepParts), so they are there offline too. A cached part that
//   is not a valid module (a disk error) is dropped and fetched again.
// - /api/: never touched here. Data lives in IndexedDB, not in this cache.
'use strict';

const CACHE = 'barnbesok-shell-v1';
const NETWORK_TIMEOUT_MS = 4000;

// Every local asset index.html refers to, plus index.html itself.
function assetsOf(html) {
  const urls = new Set(['/', '/index.html']);
  for (const m of html.matchAll(/(?:href|src)="(\/[^"#?]+)"/g)) {
    if (!m[1].startsWith('/api/')) urls.add(m[1]);
  }
  return [...urls];
}

// The parts of the app that pages load when first opened, as index.html
// lists them (meta barnbesok-parts).
function partsOf(html) {
  const listed = html.match(/<meta name="barnbesok-parts" content="([^"]*)"/);
  return listed ? listed[1].split(' ').filter((u) => u.startsWith('/') && !u.startsWith('/api/')) : [];
}

// A dropped connection while the app is first cached would leave the
// device without the offline app until its next start: try three times.
async function addWithRetry(cache, url) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await cache.add(new Request(url, { cache: 'no-cache' }));
    } catch (err) {
      if (attempt >= 3) throw err;
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
  }
}

// Caches index.html and its assets, then drops what the new version no
// longer uses. Returns the response for index.html.
async function refreshShell() {
  const response = await fetch('/index.html', { cache: 'no-store' });
  if (!response.ok) throw new Error('index.html: ' + response.status);
  const html = await response.clone().text();
  // A login or maintenance page in front of the server is not the app:
  // keep the cached app rather than replace it with that page.
  if (response.redirected || !html.includes('_bg.wasm')) throw new Error('not the app');
  const cache = await caches.open(CACHE);
  const wanted = assetsOf(html);
  await Promise.all(
    wanted
      .filter((u) => u !== '/' && u !== '/index.html')
      .map(async (u) => {
        if (!(await cache.match(u))) await addWithRetry(cache, u);
      }),
  );
  await cache.put('/index.html', response.clone());
  const keep = new Set([...wanted, ...partsOf(html)].map((u) => new URL(u, self.location.origin).href));
  for (const req of await cache.keys()) {
    if (!keep.has(req.url)) await cache.delete(req);
  }
  return response;
}

// Caches the parts of the app the cached index.html lists, a few at a time.
// Not part of the install, so the app itself is offline as soon as it can
// be; the app asks for this once the worker controls it ('keep-parts'), and
// every online start checks again. A page whose part is not here yet says so
// when opened offline.
async function keepParts() {
  const cache = await caches.open(CACHE);
  const index = await cache.match('/index.html');
  if (!index) return;
  const missing = [];
  for (const url of partsOf(await index.text())) {
    if (!(await sound(cache, url))) missing.push(url);
  }
  const fetchNext = async () => {
    for (let url = missing.shift(); url; url = missing.shift()) await addWithRetry(cache, url);
  };
  await Promise.all([fetchNext(), fetchNext(), fetchNext(), fetchNext()]);
}

// Whether `url` is cached and, for a part that is WebAssembly, a valid module.
// A broken one (bytes that are not a module, or a cache entry that cannot be
// read) is dropped, so it is fetched again rather than served. A part is
// checked each time it is served (it may have broken since), but never by two
// callers at once, so a check cannot drop a good copy another has just put.
const checking = new Map();
function sound(cache, url) {
  const href = new URL(url, self.location.origin).href;
  if (!checking.has(href)) {
    checking.set(href, check(cache, href).finally(() => checking.delete(href)));
  }
  return checking.get(href);
}

async function check(cache, href) {
  const cached = await cache.match(href);
  if (!cached) return false;
  if (!isPart(href) || !href.endsWith('.wasm')) return true;
  let valid = false;
  try {
    valid = WebAssembly.validate(new Uint8Array(await cached.arrayBuffer()));
  } catch (_) {
    valid = false;
  }
  if (valid) return true;
  await cache.delete(href).catch(() => undefined);
  return false;
}

// The parts' files, by the names scripts/split/place-parts.py gives them.
function isPart(url) {
  return /\/(split_|chunk_)[^/]*$/.test(new URL(url, self.location.origin).pathname);
}

self.addEventListener('install', (event) => {
  event.waitUntil(refreshShell().then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
      // Started, not awaited (requests wait while a worker activates): a
      // page that asked the worker before this one for the parts gets them
      // now, not at its next start.
      keepParts().catch(() => undefined);
    })(),
  );
});

// A page open while this worker activated can miss the claim above (seen in
// Chromium under load); the app asks again until it is controlled.
self.addEventListener('message', (event) => {
  if (event.data === 'claim') event.waitUntil(self.clients.claim());
  if (event.data === 'keep-parts') event.waitUntil(keepParts());
});

function withTimeout(promise, ms) {
  return Promise.race([
    promise,
    new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), ms)),
  ]);
}

async function navigate(event) {
  const request = event.request;
  const refresh = refreshShell();
  // A slow network still finishes refreshing the cache in the background.
  event.waitUntil(refresh.then(keepParts).catch(() => undefined));
  try {
    return await withTimeout(refresh, NETWORK_TIMEOUT_MS);
  } catch (_) {
    const cached = await caches.match('/index.html');
    if (cached) return cached;
    return fetch(request);
  }
}

async function asset(request) {
  const cache = await caches.open(CACHE);
  // Only a part is checked; every other asset is one cache lookup.
  const usable = !isPart(request.url) || (await sound(cache, request.url));
  const cached = usable && (await cache.match(request));
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/')) return;
  if (request.mode === 'navigate') {
    event.respondWith(navigate(event));
  } else {
    event.respondWith(asset(request));
  }
});
