/**
 * Side-by-side comparison: a second worker holds a second model (an fp16 export beside its fp32
 * original, say), and every image also goes through it, with the same labels as the main model.
 */
import type { LabelsRequest } from '../engine/types';
import { convertAndRegister } from './convert-flow';
import type { LensClient } from './lens-client';
import { choiceName, sourceOf, trackLoad, type PageUrls } from './models';
import type { LensState, ConvertedEntry, ModelChoice } from './store';
import type { KernelsPreference } from '../engine/backends';

export interface CompareDeps {
  /** Starts the comparison worker (on first use). */
  spawn: () => LensClient;
  store: { getState(): LensState };
  /** The page's session options, as the main model takes them. */
  session: () => {
    threads?: number;
    fast?: boolean;
    kernels?: KernelsPreference;
    fastInBackgroundFrom?: number;
  };
  urls: PageUrls;
  objectUrl: (blob: Blob) => string;
}

export interface CompareSlot {
  /** The comparison model's client, when one is ready. */
  client: () => LensClient | null;
  setLabels: (request: LabelsRequest) => Promise<void>;
  compareOtherPrecision: (entry: ConvertedEntry) => Promise<void>;
  loadCompareModel: (choice: ModelChoice | null) => Promise<void>;
}

export function createCompare(deps: CompareDeps): CompareSlot {
  const { store } = deps;
  let worker: LensClient | null = null;
  /** The user's label file, if any: the comparison model labels as the main one does. */
  let labels: LabelsRequest | null = null;

  const ensureClient = (): LensClient => {
    if (worker) return worker;
    const fresh = deps.spawn();
    worker = fresh;
    fresh.onCrash = () => store.getState().setCompare(null, { kind: 'idle' });
    if (labels) void fresh.setLabels(labels);
    return fresh;
  };

  return {
    client: () => (store.getState().compareStatus.kind === 'ready' ? worker : null),

    async setLabels(request) {
      labels = request.name === null ? null : request;
      await worker?.setLabels(request);
    },

    /**
     * One click after a conversion: the same checkpoint converted again at the other precision
     * (fp16 beside fp32, or the reverse) becomes the comparison model, listed as converted too.
     */
    async compareOtherPrecision(entry) {
      const fp16 = !entry.fp16;
      const outcome = await convertAndRegister({
        worker: ensureClient(),
        checkpoint: entry.checkpoint,
        fp16,
        features: store.getState().convertOptions.features,
        backend: store.getState().backendPreference,
        session: deps.session(),
        label: `${entry.checkpoint.name} (${fp16 ? 'fp16' : 'fp32'})`,
        setStatus: (status) => store.getState().setCompare(null, status),
        stillUsing: () => null,
        // The converter names an fp16 export "-fp16"; an fp32 one gets "-fp32" beside the fp16 original.
        onnxName: (info) =>
          info.name === entry.name
            ? info.name.replace(/\.onnx$/, fp16 ? '-fp16.onnx' : '-fp32.onnx')
            : info.name,
        register: (c) => store.getState().addConverted(c),
        objectUrl: deps.objectUrl,
      });
      if ('error' in outcome) return;
      const { info, entry: made } = outcome;
      store
        .getState()
        .setCompare({ type: 'file', file: made.file }, { kind: 'ready', name: made.name, info });
    },

    async loadCompareModel(choice) {
      if (choice === null) {
        store.getState().setCompare(null, { kind: 'idle' });
        return;
      }
      const client = ensureClient();
      const source = await sourceOf(choice, deps.urls);
      await trackLoad(
        choiceName(choice),
        'download',
        (status) => store.getState().setCompare(choice, status),
        () => null,
        async (onProgress) => ({
          info: await client.load({
            source,
            backend: store.getState().backendPreference,
            ...deps.session(),
            onProgress,
          }),
        }),
      );
    },
  };
}
