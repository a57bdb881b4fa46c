/**
 * Offline use: registers the service worker (production builds only) and reads what Cache Storage
 * holds for models, so the page can show "available offline", the storage used, and remove models.
 */
import { MODEL_CACHE } from '../worker/fetch-model';
import { useLens } from './store';

export interface CachedModel {
  url: string;
  bytes: number;
  cachedAt: string;
}

export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  navigator.serviceWorker
    .register(new URL('sw.js', document.baseURI), { type: 'module' })
    .catch((e: unknown) => {
      console.warn('Service worker registration failed; the app will not work offline.', e);
    });
}

export async function listCachedModels(): Promise<CachedModel[]> {
  if (typeof caches === 'undefined') return [];
  const cache = await caches.open(MODEL_CACHE);
  const out: CachedModel[] = [];
  for (const request of await cache.keys()) {
    const response = await cache.match(request);
    out.push({
      url: request.url,
      bytes: Number(response?.headers.get('Content-Length') ?? 0),
      cachedAt: response?.headers.get('X-Lens-Cached-At') ?? '',
    });
  }
  return out;
}

export async function removeCachedModel(url: string): Promise<void> {
  if (typeof caches !== 'undefined') await (await caches.open(MODEL_CACHE)).delete(url);
  await refreshOffline();
}

/** Re-reads the model cache and the storage estimate into the store. */
export async function refreshOffline(): Promise<void> {
  const [cached, estimate] = await Promise.all([
    listCachedModels().catch(() => []),
    navigator.storage?.estimate?.().catch(() => null) ?? Promise.resolve(null),
  ]);
  useLens
    .getState()
    .setOffline({ cached, usage: estimate?.usage ?? null, quota: estimate?.quota ?? null });
}
