/**
 * Side-by-side comparison: a second worker holds a second model (an fp16 export beside its fp32
 * original, say), and every image also goes through it.
 */
import { serializeError } from '../core/errors';
import { choiceName, MANIFEST_URL } from './controller';
import { LensClient } from './lens-client';
import { useLens, type ModelChoice } from './store';
import { resolveModelUrl } from '../core/model/manifest';

let client: LensClient | null = null;

/** The comparison model's client, when one is ready. */
export function compareClient(): LensClient | null {
  return useLens.getState().compareStatus.kind === 'ready' ? client : null;
}

export async function loadCompareModel(choice: ModelChoice | null): Promise<void> {
  const store = useLens.getState();
  if (choice === null) {
    store.setCompare(null, { kind: 'idle' });
    return;
  }
  client ??= new LensClient(
    () =>
      new Worker(new URL('../worker/worker.ts', import.meta.url), {
        type: 'module',
        name: 'repopt-lens-compare',
      }),
  );
  const name = choiceName(choice);
  store.setCompare(choice, {
    kind: 'loading',
    startedAt: performance.now(),
    bytesPerSecond: null,
    name,
    phase: 'download',
    loaded: 0,
    total: null,
  });
  const source =
    choice.type === 'file'
      ? { type: 'bytes' as const, bytes: await choice.file.arrayBuffer(), name }
      : {
          type: 'url' as const,
          url:
            choice.type === 'manifest'
              ? resolveModelUrl(choice.entry, MANIFEST_URL)
              : new URL(choice.url, document.baseURI).href,
          name,
        };
  try {
    const info = await client.loadModel(source, store.backendPreference, null);
    useLens.getState().setCompare(choice, { kind: 'ready', name, info });
  } catch (e) {
    useLens
      .getState()
      .setCompare(choice, { kind: 'error', name, error: serializeError(e), stillUsing: null });
  }
}
