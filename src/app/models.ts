/**
 * Model choices as the engine sees them, and the one load flow every model slot shares (the main
 * model, a converted checkpoint, the comparison model): status while loading, with progress and
 * download rate, then ready or an error that keeps the model in use. No DOM: the page's URLs come
 * in as arguments, so the controller built on this runs in Node tests.
 */
import { isLensError, serializeError } from '../core/errors';
import { resolveModelUrl } from '../core/model/manifest';
import type { LoadPhase, ModelInfo, ModelSource, Progress } from '../engine/types';
import { advanceStages, finishStages, type LoadStage } from './load-stages';
import type { ModelChoice, ModelStatus } from './store';

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

/** Where the page's manifest is, and what a relative model URL resolves against. */
export interface PageUrls {
  manifest: string;
  base: string;
}

export async function sourceOf(choice: ModelChoice, urls: PageUrls): Promise<ModelSource> {
  const name = choiceName(choice);
  switch (choice.type) {
    case 'manifest':
      return { type: 'url', url: resolveModelUrl(choice.entry, urls.manifest), name };
    case 'url':
      return { type: 'url', url: new URL(choice.url, urls.base).href, name };
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
 * ready, or error with `stillUsing` naming the model that still answers. Resolves to what the load
 * made (its `info`, and a conversion's model too), or to its error; a cancelled load (`aborted`)
 * shows no error, and the caller restores the status.
 */
export async function trackLoad<T extends { info: ModelInfo }>(
  name: string,
  firstPhase: LoadPhase,
  setStatus: (status: ModelStatus) => void,
  stillUsing: () => ModelInfo | null,
  run: (onProgress: (p: Progress) => void) => Promise<T>,
  now: () => number = () => performance.now(),
): Promise<{ made: T } | { error: unknown }> {
  // The user's choice: "ready in" and every stage's time count from here.
  const startedAt = now();
  let stages: LoadStage[] = [];
  const loading = (p: Progress): ModelStatus => {
    stages = advanceStages(stages, p, now() - startedAt);
    return {
      kind: 'loading',
      startedAt,
      bytesPerSecond:
        p.phase === 'download' ? p.loaded / Math.max((now() - startedAt) / 1000, 1e-3) : null,
      name,
      phase: p.phase,
      loaded: p.loaded,
      total: p.total,
      stages,
    };
  };
  setStatus(loading({ phase: firstPhase, loaded: 0, total: null }));
  try {
    const made = await run((p) => setStatus(loading(p)));
    const readyMs = now() - startedAt;
    setStatus({
      kind: 'ready',
      name,
      info: made.info,
      readyMs,
      stages: finishStages(stages, readyMs),
    });
    return { made };
  } catch (error) {
    // A cancelled load is the user's own act (or a newer choice): the caller restores the status.
    if (isLensError(error) && error.code === 'aborted') return { error };
    setStatus({ kind: 'error', name, error: serializeError(error), stillUsing: stillUsing() });
    return { error };
  }
}
