// Sequence Hub service worker: precaches the whole built site, so every page and
// every demo (Pyodide runtime, wheel, models) works with the network off after one visit.
// Pages are served network-first, everything else cache-first (see respond()).
// The plugin writes this file to the site root (scope = the whole site) with the manifest below filled in at
// build time; `version` is a hash of every precached file, so a rebuilt site gets a new cache and old ones go.
const MANIFEST = /* @manifest */ {"version": "template", "files": []} /* @end */;
const PREFIX = "sequencehub-";
const CACHE = PREFIX + MANIFEST.version;
const ROOT = new URL("./", self.location).href;

function absolute(url) {
  return new URL(url, ROOT).href;
}

async function precache() {
  const cache = await caches.open(CACHE);
  const urls = MANIFEST.files.map(absolute);
  const have = new Set((await cache.keys()).map((r) => r.url));
  const missing = urls.filter((u) => !have.has(u));
  // a few at a time: Pyodide's wasm is large, and one failed file must fail the install (no half cache)
  for (let i = 0; i < missing.length; i += 8) {
    await cache.addAll(missing.slice(i, i + 8).map((u) => new Request(u, {cache: "reload"})));
  }
}

async function dropOldCaches() {
  const names = await caches.keys();
  await Promise.all(names.filter((n) => n.startsWith(PREFIX) && n !== CACHE).map((n) => caches.delete(n)));
}

function candidates(request) {
  const url = new URL(request.url);
  url.hash = "";
  const navigation = request.mode === "navigate";
  if (navigation) url.search = "";            // embed pages take their settings from the query string
  const keys = [url.href];
  if (url.pathname.endsWith("/index.html")) keys.push(url.href.replace(/index\.html$/, ""));
  else if (!url.pathname.endsWith("/") && !/\.[a-z0-9]+$/i.test(url.pathname)) keys.push(url.href + "/");
  return keys;
}

async function fromCache(cache, request) {
  for (const key of candidates(request)) {
    const hit = await cache.match(key);
    if (hit) return hit;
  }
  return null;
}

// Pages: network first (a reader online always gets the newest page), the cache when the network fails.
// Everything else (scripts, the runtime, the wheel): cache first; their content is pinned by the manifest hash.
async function respond(request) {
  const cache = await caches.open(CACHE);
  const navigation = request.mode === "navigate";
  if (!navigation) {
    const hit = await fromCache(cache, request);
    if (hit) return hit;
  }
  try {
    return await fetch(request);
  } catch (error) {
    const hit = navigation && ((await fromCache(cache, request)) || (await cache.match(absolute("404.html"))));
    if (hit) return hit;
    throw error;
  }
}

self.addEventListener("install", (event) => {
  event.waitUntil(precache().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(dropOldCaches().then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || !request.url.startsWith(ROOT)) return;
  if (request.headers.has("range")) return;    // media ranges: let the network answer
  event.respondWith(respond(request));
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "version" && event.ports[0]) {
    event.ports[0].postMessage({version: MANIFEST.version, cache: CACHE, files: MANIFEST.files.length});
  }
});
