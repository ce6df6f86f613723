// Sequence Hub service worker: keeps what reading offline needs (every page, the engine, the models, the site's
// own scripts, styles, search index and one font format), so after one visit every lesson and demo works with the
// network off. The plugin writes this file to the site root (scope = the whole site) with the manifest below
// filled in at build time (embed/offline.py): `files` maps each URL (relative to the root) to the SHA-256 of its
// bytes, `version` hashes them all, so a rebuilt site gets a new cache and old ones go.
//
// It does not compete with reading: the page registers it only once its first demo is live, or once the page is
// idle (embed/sw-register.js); it fills the cache a few files at a time with `cache: "force-cache"` requests, so
// what the page already downloaded comes from the HTTP cache, not the network again.
//
// It trusts no cached bytes it cannot check: Cache Storage is shared with the pages, so a response is stored, and
// served from the cache, only when its body hashes to the manifest's value for that URL; anything else goes to
// the network.
const MANIFEST = /* @manifest */ {"version": "template", "files": {}} /* @end */;
const PREFIX = "sequencehub-";
const CACHE = PREFIX + MANIFEST.version;
const ROOT = new URL("./", self.location).href;
const PARALLEL = 3;            // requests in flight while filling: enough to keep one connection busy
const HASHES = new Map(Object.entries(MANIFEST.files).map(([url, hash]) => [new URL(url, ROOT).href, hash]));

async function sha256(buffer) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", buffer));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The response with its body checked against the manifest (a new Response), or null when it does not match. */
async function verified(url, response) {
  const expected = HASHES.get(url);
  if (!expected || !response || !response.ok) return null;
  const body = await response.arrayBuffer();
  if ((await sha256(body)) !== expected) return null;
  return new Response(body, {status: response.status, statusText: response.statusText, headers: response.headers});
}

async function fill() {
  const cache = await caches.open(CACHE);
  const have = new Set((await cache.keys()).map((r) => r.url));
  const missing = [...HASHES.keys()].filter((u) => !have.has(u));
  let next = 0;
  async function worker() {
    while (next < missing.length) {
      const url = missing[next++];
      const response = await verified(url, await fetch(url, {cache: "force-cache", credentials: "same-origin"}));
      if (!response) {
        // a stale HTTP-cache copy from an older build: ask the server once more, bypassing the HTTP cache
        const fresh = await verified(url, await fetch(url, {cache: "reload", credentials: "same-origin"}));
        if (!fresh) throw new Error(`offline cache: ${url} does not match the manifest`);
        await cache.put(url, fresh);
      } else {
        await cache.put(url, response);
      }
    }
  }
  // one file that cannot be fetched or checked fails the install: no half cache
  await Promise.all(Array.from({length: PARALLEL}, worker));
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
    const hit = await verified(key, await cache.match(key));
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
    const hit = navigation && ((await fromCache(cache, request))
      || (await verified(new URL("404.html", ROOT).href, await cache.match(new URL("404.html", ROOT).href))));
    if (hit) return hit;
    throw error;
  }
}

self.addEventListener("install", (event) => {
  event.waitUntil(fill().then(() => self.skipWaiting()));
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
    event.ports[0].postMessage({version: MANIFEST.version, cache: CACHE, files: HASHES.size});
  }
});
