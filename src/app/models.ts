/**
 * Worker clients, model choices as the engine sees them, and the one load flow every model slot shares (the main
 * model, a converted checkpoint, the comparison model): status while loading, with progress and
 * download rate, then ready or an error that keeps the model in use.
 */
import { isLensError, serializeError } from '../core/errors';
import { resolveModelUrl } from '../core/model/manifest';
import type { LoadPhase, ModelInfo, ModelSource, Progress } from '../engine/types';
import { LensClient } from './lens-client';
import type { ModelChoice, ModelStatus } from './store';

/** A classifier worker with the page's debug hooks applied (`?simulate=webgpu-failure`). */
export function spawnClient(name: string): LensClient {
  const client = new LensClient(
    () => new Worker(new URL('../worker/worker.ts', import.meta.url), { type: 'module', name }),
  );
  if (new URLSearchParams(location.search).get('simulate') === 'webgpu-failure')
    client.injectFaults({ webgpuFailure: true });
  return client;
}

export const MANIFEST_URL = new URL('models/models.json', document.baseURI).href;

export function choiceName(choice: ModelChoice): string {
  switch (choice.type) {
    case 'manifest':
      return choice.entry.name;
    case 'url':
      return choice.url.split('/').pop() || choice.url;
    case 'file':
      return choice.file.name;
  }
}

export async function sourceOf(choice: ModelChoice): Promise<ModelSource> {
  const name = choiceName(choice);
  switch (choice.type) {
    case 'manifest':
      return { type: 'url', url: resolveModelUrl(choice.entry, MANIFEST_URL), name };
    case 'url':
      return { type: 'url', url: new URL(choice.url, document.baseURI).href, name };
    case 'file': {
      const data = choice.data ?? [];
      const externalData = await Promise.all(
        data.map(async (f) => ({ path: f.name, bytes: await f.arrayBuffer() })),
      );
      return {
        type: 'bytes',
        bytes: await choice.file.arrayBuffer(),
        name,
        ...(externalData.length > 0 ? { externalData } : {}),
      };
    }
  }
}

/**
 * Runs a load with its status kept in `setStatus`: loading (with progress) while it runs, then
 * ready, or error with `stillUsing` naming the model that still answers. Resolves to the info,
 * or to null when it failed; cancellation is the caller's (`onAbort`) and shows no error.
 */
export async function trackLoad(
  name: string,
  firstPhase: LoadPhase,
  setStatus: (status: ModelStatus) => void,
  stillUsing: () => ModelInfo | null,
  run: (onProgress: (p: Progress) => void) => Promise<ModelInfo>,
): Promise<{ info: ModelInfo } | { error: unknown }> {
  const startedAt = performance.now();
  const loading = (p: Progress): ModelStatus => ({
    kind: 'loading',
    startedAt,
    bytesPerSecond:
      p.phase === 'download'
        ? p.loaded / Math.max((performance.now() - startedAt) / 1000, 1e-3)
        : null,
    name,
    phase: p.phase,
    loaded: p.loaded,
    total: p.total,
  });
  setStatus(loading({ phase: firstPhase, loaded: 0, total: null }));
  try {
    const info = await run((p) => setStatus(loading(p)));
    setStatus({ kind: 'ready', name, info });
    return { info };
  } catch (error) {
    // A cancelled load is the user's own act (or a newer choice): the caller restores the status.
    if (isLensError(error) && error.code === 'aborted') return { error };
    setStatus({ kind: 'error', name, error: serializeError(error), stillUsing: stillUsing() });
    return { error };
  }
}
