/**
 * Side-by-side comparison: a second worker holds a second model (an fp16 export beside its fp32
 * original, say), and every image also goes through it, with the same labels as the main model.
 */
import type { LabelsRequest } from '../engine/types';
import type { LensClient } from './lens-client';
import { choiceName, sourceOf, spawnClient, trackLoad } from './models';
import { useLens, type ModelChoice } from './store';

let client: LensClient | null = null;
/** The user's label file, if any: the comparison model labels as the main one does. */
let labels: LabelsRequest | null = null;

/** The comparison model's client, when one is ready. */
export function compareClient(): LensClient | null {
  return useLens.getState().compareStatus.kind === 'ready' ? client : null;
}

export async function setCompareLabels(request: LabelsRequest): Promise<void> {
  labels = request.name === null ? null : request;
  await client?.setLabels(request);
}

export async function loadCompareModel(choice: ModelChoice | null): Promise<void> {
  const store = useLens.getState();
  if (choice === null) {
    store.setCompare(null, { kind: 'idle' });
    return;
  }
  if (!client) {
    const fresh = spawnClient('repopt-lens-compare');
    client = fresh;
    fresh.onCrash = () => useLens.getState().setCompare(null, { kind: 'idle' });
    if (labels) await fresh.setLabels(labels);
  }
  const worker = client;
  const source = await sourceOf(choice);
  await trackLoad(
    choiceName(choice),
    'download',
    (status) => useLens.getState().setCompare(choice, status),
    () => null,
    (onProgress) => worker.load({ source, backend: store.backendPreference, onProgress }),
  );
}
