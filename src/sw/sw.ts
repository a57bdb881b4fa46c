/// <reference lib="webworker" />
/**
 * The service worker: makes the app shell (HTML, JS, CSS and onnxruntime-web's .wasm) work
 * offline after the first visit. The build replaces PRECACHE with the list of emitted files.
 * Models are cached separately by the classifier worker (src/worker/model-cache.ts), which knows
 * when a download is complete; this file never caches /models/.
 */
export {};
declare const self: ServiceWorkerGlobalScope;
declare const PRECACHE: { version: string; files: string[] };

const SHELL = `lens-shell-${PRECACHE.version}`;
const scope = new URL(self.registration.scope);
const shellUrl = (path: string) => new URL(path, scope).href;

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL);
      await cache.addAll([shellUrl('./'), ...PRECACHE.files.map(shellUrl)]);
      // The model list is served beside the build, not part of it: best effort.
      await cache.add(shellUrl('models/models.json')).catch(() => undefined);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys())
        if (key.startsWith('lens-shell-') && key !== SHELL) await caches.delete(key);
      await self.clients.claim();
    })(),
  );
});

/** The network's answer (remembered under `key`), or the remembered one when offline. */
async function networkFirst(request: Request, key: string): Promise<Response> {
  try {
    const response = await fetch(request);
    if (response.ok) {
      const cache = await caches.open(SHELL);
      await cache.put(key, response.clone());
    }
    return response;
  } catch {
    return (await caches.match(key, { ignoreVary: true, ignoreSearch: true })) ?? Response.error();
  }
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== scope.origin) return;
  if (request.mode === 'navigate') {
    // Network first for the page, so a new build shows up; the cached shell when offline.
    event.respondWith(networkFirst(request, shellUrl('./')));
    return;
  }
  if (url.pathname.endsWith('/models/models.json')) {
    event.respondWith(networkFirst(request, url.href));
    return;
  }
  // Model files are the classifier worker's business (it caches complete downloads only).
  if (url.pathname.includes('/models/')) return;
  event.respondWith(
    (async () => {
      const cached = await caches.match(request, { ignoreSearch: true, ignoreVary: true });
      if (cached) return cached;
      const response = await fetch(request);
      // Built files not precached (the WebGPU runtime) are kept once used, for offline demos.
      if (response.ok && url.pathname.includes('/assets/'))
        await (await caches.open(SHELL)).put(request, response.clone());
      return response;
    })(),
  );
});
