/**
 * The app's actions outside React: manifest loading, model selection, classification. Components
 * call these; they write state through the store, and talk to the worker through one client.
 */
import { isBackendPreference } from '../core/inference/backend';
import { isLensError, LensError, serializeError } from '../core/errors';
import { parseLabels } from '../core/data/labels';
import { parseManifest, resolveModelUrl } from '../core/model/manifest';
import { DEFAULT_PRESET, isPresetId, PRESETS, type PresetId } from '../core/preprocess/preprocess';
import type { ClassifyPayload, ModelSource } from '../worker/protocol';
import { compareClient } from './compare';
import { LensClient } from './lens-client';
import { Limiter } from './limiter';
import { refreshOffline } from './offline';
import { startTransition } from 'react';
import { useLens, type ItemState, type ModelChoice, type ResultItem } from './store';

export const MANIFEST_URL = new URL('models/models.json', document.baseURI).href;

const client = new LensClient(
  () =>
    new Worker(new URL('../worker/worker.ts', import.meta.url), {
      type: 'module',
      name: 'repopt-lens',
    }),
);
client.onCrash = (message, reload) => {
  // A crash loses the session: load the same model again so the next image works.
  const { choice, setNotice } = useLens.getState();
  if (choice && reload) {
    setNotice(`${message} The model is being reloaded; results already on screen are kept.`);
    void loadModel(choice);
  } else {
    setNotice(
      `${message} It crashed 3 times within a minute, so the model was not reloaded: pick a model to try again.`,
    );
    useLens.getState().setStatus({ kind: 'idle' });
  }
};

let nextResultId = 1;
/** Images go to the worker a few at a time; the worker's own queue keeps their order. */
const feed = new Limiter(4);
/** `?threads=N`: WASM threads for this page (benchmarks compare 1 and 2). */
const requestedThreads = Number(new URLSearchParams(location.search).get('threads')) || null;

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

export function effectivePreset(): PresetId {
  const { presetOverride, choice } = useLens.getState();
  return presetOverride ?? (choice?.type === 'manifest' ? choice.entry.preset : DEFAULT_PRESET);
}

async function sourceOf(choice: ModelChoice): Promise<ModelSource> {
  const name = choiceName(choice);
  switch (choice.type) {
    case 'manifest':
      return { type: 'url', url: resolveModelUrl(choice.entry, MANIFEST_URL), name };
    case 'url':
      return { type: 'url', url: new URL(choice.url, document.baseURI).href, name };
    case 'file':
      return { type: 'bytes', bytes: await choice.file.arrayBuffer(), name };
  }
}

export async function loadModel(choice: ModelChoice): Promise<void> {
  const store = useLens.getState();
  const name = choiceName(choice);
  const startedAt = performance.now();
  store.setChoice(choice);
  store.setStatus({
    kind: 'loading',
    startedAt,
    bytesPerSecond: null,
    name,
    phase: 'download',
    loaded: 0,
    total: null,
  });
  try {
    const info = await client.loadModel(
      await sourceOf(choice),
      store.backendPreference,
      requestedThreads,
      (p) =>
        useLens.getState().setStatus({
          kind: 'loading',
          startedAt,
          bytesPerSecond: p.loaded / Math.max((performance.now() - startedAt) / 1000, 1e-3),
          name,
          phase: p.phase,
          loaded: p.loaded,
          total: p.total,
        }),
    );
    useLens
      .getState()
      .setActive(info, choice.type === 'manifest' && choice.entry.untrained, choice);
    useLens.getState().setStatus({ kind: 'ready', name, info });
    if (/fell back to WASM/.test(info.backendReason))
      useLens.getState().setNotice(info.backendReason);
  } catch (e) {
    const now = useLens.getState();
    if (isLensError(e) && e.code === 'aborted') {
      // Cancelling is the user's own act: no error, back to the model in use.
      now.setChoice(now.activeChoice ?? choice);
      now.setStatus(
        now.activeInfo && now.activeChoice
          ? { kind: 'ready', name: choiceName(now.activeChoice), info: now.activeInfo }
          : { kind: 'idle' },
      );
      return;
    }
    now.setStatus({ kind: 'error', name, error: serializeError(e), stillUsing: now.activeInfo });
  }
  void refreshOffline();
}

/** Checkpoint files go to the converter, not the image pipeline. */
export function isCheckpointFile(file: File): boolean {
  return /\.(pth|pt|ckpt|pkl|tar)$/i.test(file.name);
}

/** Converts a PyTorch checkpoint in the worker (read safely, fused, written as ONNX) and loads it. */
export async function convertCheckpoint(file: File): Promise<void> {
  const store = useLens.getState();
  const startedAt = performance.now();
  store.setStatus({
    kind: 'loading',
    startedAt,
    bytesPerSecond: null,
    name: file.name,
    phase: 'read',
    loaded: 0,
    total: null,
  });
  try {
    const { info, converted } = await client.convert(
      await file.arrayBuffer(),
      file.name,
      { ...store.convertOptions, backend: store.backendPreference, threads: requestedThreads },
      (p) =>
        useLens.getState().setStatus({
          kind: 'loading',
          startedAt,
          bytesPerSecond: null,
          name: file.name,
          phase: p.phase,
          loaded: p.loaded,
          total: p.total,
        }),
    );
    const onnxFile = new File([converted.onnx], info.name, { type: 'application/octet-stream' });
    const choice: ModelChoice = { type: 'file', file: onnxFile };
    const now = useLens.getState();
    now.addConverted({
      name: info.name,
      url: URL.createObjectURL(onnxFile),
      file: onnxFile,
      description: converted.description,
      params: converted.params,
      gmacs: converted.gmacs,
      layout: converted.layout,
      ms: converted.ms,
    });
    now.setChoice(choice);
    now.setActive(info, false, choice);
    now.setStatus({ kind: 'ready', name: info.name, info });
  } catch (e) {
    const now = useLens.getState();
    if (isLensError(e) && e.code === 'aborted') {
      now.setStatus(
        now.activeInfo && now.activeChoice
          ? { kind: 'ready', name: choiceName(now.activeChoice), info: now.activeInfo }
          : { kind: 'idle' },
      );
      return;
    }
    now.setStatus({
      kind: 'error',
      name: file.name,
      error: serializeError(e),
      stillUsing: now.activeInfo,
    });
  }
}

/** Dropped or picked files: checkpoints are converted, everything else is classified. */
export function openFiles(files: File[]): Promise<void> {
  const checkpoints = files.filter(isCheckpointFile);
  const images = files.filter((f) => !isCheckpointFile(f));
  return Promise.all([...checkpoints.map(convertCheckpoint), classifyFiles(images)]).then(
    () => undefined,
  );
}

/**
 * A label file of the user's (one per line, imagenet1000_clsid_to_human.txt's dict, or JSON):
 * checked here so a bad one is refused with a message and the current labels stay.
 */
export async function loadLabels(file: File): Promise<void> {
  const store = useLens.getState();
  try {
    const { labels } = parseLabels(await file.text());
    await client.setLabels(labels);
    const classes = useLens.getState().activeInfo?.numClasses;
    store.setLabelsInfo({
      name: file.name,
      count: labels.length,
      error: null,
      warning:
        classes !== undefined && classes !== labels.length
          ? `The model has ${classes} classes but ${file.name} lists ${labels.length}; classes without a label are shown as "class N".`
          : null,
    });
  } catch (e) {
    store.setLabelsInfo({
      ...store.labelsInfo,
      error: `${file.name}: ${(e as Error).message} The previous labels are kept.`,
    });
  }
}

export function cancelModelLoad(): void {
  client.cancelLoad();
}

/** Reads `?model=<manifest id or URL>`, `?backend=` and `?preset=`, loads the manifest and the first model. */
export async function start(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const backend = params.get('backend');
  if (isBackendPreference(backend)) useLens.getState().setBackendPreference(backend);
  const preset = params.get('preset');
  if (isPresetId(preset)) useLens.getState().setPresetOverride(preset);
  let manifest = null;
  try {
    const response = await fetch(MANIFEST_URL, { cache: 'no-cache' });
    if (!response.ok)
      throw new LensError('bad-manifest', `models/models.json: HTTP ${response.status}`);
    manifest = parseManifest(await response.text());
    useLens.getState().setManifest(manifest, null);
  } catch (e) {
    useLens.getState().setManifest(null, (e as Error).message);
  }
  const wanted = params.get('model');
  const entry = wanted ? manifest?.models.find((m) => m.id === wanted) : manifest?.models[0];
  if (entry) return loadModel({ type: 'manifest', entry });
  if (wanted) return loadModel({ type: 'url', url: wanted });
}

const toState = (p: Promise<ClassifyPayload>): Promise<ItemState> =>
  p.then(
    (payload): ItemState => ({ kind: 'done', payload }),
    (e: unknown): ItemState => ({ kind: 'error', error: serializeError(e) }),
  );

/** Queues the files for classification; resolves when all of them have a result (or an error). */
export function classifyFiles(files: Iterable<File>): Promise<void> {
  const preset = effectivePreset();
  const state = useLens.getState();
  const compare = compareClient();
  const items: ResultItem[] = [...files].map((file) => ({
    id: nextResultId++,
    fileName: file.name,
    // Filled with the worker's thumbnail: the page never decodes the full-size photo.
    photoUrl: '',
    modelName: state.activeInfo?.name ?? '',
    untrained: state.activeUntrained,
    state: { kind: 'pending' },
    file,
    presets: null,
    compare: compare ? { kind: 'pending' } : null,
  }));
  if (items.length === 0) return Promise.resolve();
  // One store update, rendered as a transition: React time-slices 200 new cards instead of one long task.
  startTransition(() => state.addResults(items));
  const done = items.map((item) => {
    const { id, file } = item;
    const main = toState(feed.run(() => client.classify(file, item.fileName, preset))).then(
      (result) => {
        const now = useLens.getState();
        const modelName =
          result.kind === 'done' ? result.payload.modelName : (now.activeInfo?.name ?? '');
        startTransition(() => {
          now.finishResult(id, result, modelName, now.activeUntrained);
          if (result.kind === 'done' && result.payload.thumbnail) {
            now.patchResult(id, { photoUrl: URL.createObjectURL(result.payload.thumbnail) });
          }
        });
      },
    );
    const second = compare
      ? toState(compare.classify(file, item.fileName, preset)).then((c) =>
          useLens.getState().patchResult(id, { compare: c }),
        )
      : Promise.resolve();
    return Promise.all([main, second]).then(() => undefined);
  });
  return Promise.all(done).then(() => undefined);
}

/** Runs one image through all three presets, to see how the top-5 moves. */
export async function comparePresets(id: number): Promise<void> {
  const item = useLens.getState().results.find((r) => r.id === id);
  if (!item) return;
  const ids = Object.keys(PRESETS) as PresetId[];
  useLens
    .getState()
    .patchResult(id, { presets: Object.fromEntries(ids.map((p) => [p, { kind: 'pending' }])) });
  for (const preset of ids) {
    const result = await toState(client.classify(item.file, item.fileName, preset));
    const now = useLens.getState().results.find((r) => r.id === id);
    if (now) useLens.getState().patchResult(id, { presets: { ...now.presets, [preset]: result } });
  }
}

/** Frames from the camera: never queued (the caller sends the next only after this resolves). */
export function classifyFrame(frame: ImageBitmap): Promise<ClassifyPayload> {
  return client.classifyFrame(frame, effectivePreset());
}

/** Test-only: makes the worker crash, to exercise recovery. */
export function crashWorkerForTest(): void {
  client.crashForTest();
}
