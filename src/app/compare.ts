/**
 * Side-by-side comparison: a second worker holds a second model (an fp16 export beside its fp32
 * original, say), and every image also goes through it, with the same labels as the main model.
 */
import type { ConvertedModel, LabelsRequest } from '../engine/types';
import type { LensClient } from './lens-client';
import { choiceName, sourceOf, spawnClient, trackLoad } from './models';
import { readPageOptions, sessionOptionsOf } from './options';
import { useLens, type ConvertedEntry, type ModelChoice } from './store';

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

function ensureClient(): LensClient {
  if (client) return client;
  const fresh = spawnClient('repopt-lens-compare');
  client = fresh;
  fresh.onCrash = () => useLens.getState().setCompare(null, { kind: 'idle' });
  if (labels) void fresh.setLabels(labels);
  return fresh;
}

/**
 * One click after a conversion: the same checkpoint converted again at the other precision (fp16
 * beside fp32, or the reverse) becomes the comparison model, and is listed as converted too.
 */
export async function compareOtherPrecision(entry: ConvertedEntry): Promise<void> {
  const worker = ensureClient();
  const store = useLens.getState();
  const fp16 = !entry.fp16;
  const bytes = await entry.checkpoint.arrayBuffer();
  const made: { converted?: ConvertedModel } = {};
  const name = entry.checkpoint.name;
  const outcome = await trackLoad(
    `${name} (${fp16 ? 'fp16' : 'fp32'})`,
    'read',
    (status) => useLens.getState().setCompare(null, status),
    () => null,
    async (onProgress) => {
      const r = await worker.convert({
        bytes,
        name,
        fp16,
        features: store.convertOptions.features,
        backend: store.backendPreference,
        onProgress,
      });
      made.converted = r.converted;
      return r.info;
    },
  );
  const done = made.converted;
  if (!('info' in outcome) || !done) return;
  // The converter names an fp16 export "-fp16"; an fp32 one gets "-fp32" beside the fp16 original.
  const onnxName =
    outcome.info.name === entry.name
      ? outcome.info.name.replace(/\.onnx$/, fp16 ? '-fp16.onnx' : '-fp32.onnx')
      : outcome.info.name;
  const file = new File([done.onnx], onnxName, { type: 'application/octet-stream' });
  const choice: ModelChoice = { type: 'file', file };
  useLens.getState().addConverted({
    name: onnxName,
    url: URL.createObjectURL(file),
    file,
    description: done.description,
    params: done.params,
    gmacs: done.gmacs,
    layout: done.layout,
    ms: done.ms,
    checkpoint: entry.checkpoint,
    fp16,
  });
  useLens.getState().setCompare(choice, { kind: 'ready', name: onnxName, info: outcome.info });
}

export async function loadCompareModel(choice: ModelChoice | null): Promise<void> {
  const store = useLens.getState();
  if (choice === null) {
    store.setCompare(null, { kind: 'idle' });
    return;
  }
  const worker = ensureClient();
  const source = await sourceOf(choice);
  await trackLoad(
    choiceName(choice),
    'download',
    (status) => useLens.getState().setCompare(choice, status),
    () => null,
    (onProgress) =>
      worker.load({
        source,
        backend: store.backendPreference,
        ...sessionOptionsOf(readPageOptions(location.search)),
        onProgress,
      }),
  );
}
