// The officer page's service worker. VERSION and ASSETS are written above this line by the
// service (GET /officer/sw.js): a new page version is a new worker with a new cache.
// Install caches every file of this version as one set; only then does the worker take over
// and delete the old caches, and the page reloads once into the new version ("updated").
"use strict";

const CACHE = "officer-" + VERSION;

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // Bypass the HTTP cache: the set must be exactly this version's files.
    await cache.addAll(ASSETS.map((url) => new Request(url, { cache: "reload" })));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("officer-") && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  // The page and its files come from this version's cache; the API and the trust data go to
  // the network (the page keeps the trust data itself, with the time it was fetched).
  const path = url.pathname;
  if (path !== "/officer" && !path.startsWith("/officer/app/")) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const hit = await cache.match(path === "/officer" ? "/officer" : request, { ignoreSearch: true });
    return hit || fetch(request);
  })());
});
