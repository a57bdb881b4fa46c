/**
 * One zustand store, built from typed slices. Actions sit beside state and are callable outside
 * React (the worker bridge writes through them), and `getInitialState()` resets it in tests.
 */
import { create, type StateCreator } from 'zustand';
import type { BackendPreference } from '../core/inference/backend';
import type { SerializedError } from '../core/errors';
import type { Manifest, ModelEntry } from '../core/model/manifest';
import type { Prediction } from '../core/inference/classify';
import type { PresetId } from '../core/preprocess/preprocess';
import type { ReferenceEntry, ReferenceProblem } from '../core/data/verify';
import type { ClassifyPayload, ConvertedModel, LoadPhase, ModelInfo } from '../engine/types';
import type { CameraProblem } from './camera-problem';
import type { LoadStage } from './load-stages';
import type { Language } from '../i18n/language';
import type { Message } from '../core/message';

/** Where the current model comes from: a manifest entry, a typed URL, or a local file. */
export type ModelChoice =
  | { type: 'manifest'; entry: ModelEntry }
  | { type: 'url'; url: string }
  /** `data`: the ONNX external data files picked with the model (`model.onnx.data`). */
  | { type: 'file'; file: File; data?: readonly File[] };

export type ModelStatus =
  | { kind: 'idle' }
  | {
      kind: 'loading';
      /** performance.now() when the load started, for the download rate. */
      startedAt: number;
      bytesPerSecond: number | null;
      name: string;
      phase: LoadPhase;
      loaded: number;
      total: number | null;
      /** Every stage so far, the running one last (download, file, session, fast, warmup). */
      stages: readonly LoadStage[];
    }
  | {
      kind: 'ready';
      name: string;
      info: ModelInfo;
      /** From the user's choice to ready, in ms (absent: a model restored, not loaded). */
      readyMs?: number;
      stages?: readonly LoadStage[];
    }
  | { kind: 'error'; name: string; error: SerializedError; stillUsing: ModelInfo | null };

export interface ModelSlice {
  manifest: Manifest | null;
  manifestError: string | null;
  choice: ModelChoice | null;
  status: ModelStatus;
  /** The model the worker classifies with (survives a failed load of another one). */
  activeInfo: ModelInfo | null;
  /** The choice behind `activeInfo`, restored when a newer load is cancelled. */
  activeChoice: ModelChoice | null;
  activeUntrained: boolean;
  backendPreference: BackendPreference;
  /** null: use the model's own preset from the manifest. */
  presetOverride: PresetId | null;
  setManifest: (manifest: Manifest | null, error: string | null) => void;
  setChoice: (choice: ModelChoice) => void;
  setStatus: (status: ModelStatus) => void;
  setActive: (info: ModelInfo, untrained: boolean, choice: ModelChoice) => void;
  setBackendPreference: (p: BackendPreference) => void;
  labelsInfo: {
    name: string;
    count: number;
    warning: string | null;
    /** `warning` as a message, for the page's language. */
    warningMessage: Message | null;
    error: string | null;
    /** Where the labels come from: the bundled English list, the Chinese one, or the user's file. */
    kind: 'bundled' | 'zh' | 'user';
  };
  /** The language of the bundled ImageNet names (a user's label file wins over it). */
  labelLanguage: Language;
  setLabelLanguage: (l: Language) => void;
  setLabelsInfo: (l: ModelSlice['labelsInfo']) => void;
  /** A message about something that went wrong and was recovered from (shown until dismissed). */
  notice: string | null;
  setNotice: (notice: string | null) => void;
  setPresetOverride: (p: PresetId | null) => void;
}

export interface ResultItem {
  id: number;
  fileName: string;
  /** Object URL of a display copy of the photo; revoked when the item is removed. */
  photoUrl: string;
  modelName: string;
  /** The choice behind the model that made the card, so its presets can be compared with it. */
  modelChoice: ModelChoice | null;
  untrained: boolean;
  state: ItemState;
  /** Added while a model was loading: the engine runs it after that load ("waiting for the model"). */
  queuedDuringLoad?: boolean;
  /** The image itself, kept to re-run it (preset comparison, a second model). */
  file: Blob;
  /** One-click comparison of the three presets on this image. */
  presets: Partial<Record<PresetId, ItemState>> | null;
  /** Set when another model than the card's answered the preset comparison: says which, and why. */
  presetsNote: PresetsNote | null;
  /** The card's model, not loaded now: the card offers to load it and compare its presets. */
  presetsOffer: ModelChoice | null;
  /** The same image through the comparison model, when one is loaded. */
  compare: ItemState | null;
}

/** Which model answered a card's preset comparison instead of the card's own, and why. */
export interface PresetsNote {
  /** The model that answered. */
  other: string;
  /** The card's model. */
  card: string;
  /** The user chose the model loaded now; the card's model is gone; or it failed to load. */
  why: 'choseActive' | 'unavailable' | 'failed';
  /** The load error, for 'failed'. */
  error?: string;
}

export type ItemState =
  | { kind: 'pending' }
  | { kind: 'done'; payload: ClassifyPayload }
  | { kind: 'error'; error: SerializedError };

export interface ResultsSlice {
  results: ResultItem[];
  addResults: (items: ResultItem[]) => void;
  finishResult: (
    id: number,
    state: ResultItem['state'],
    modelName: string,
    untrained: boolean,
  ) => void;
  clearResults: () => void;
  /** Merges fields into one result. */
  patchResult: (id: number, patch: Partial<ResultItem>) => void;
}

export interface OfflineSlice {
  offline: {
    cached: { url: string; bytes: number; cachedAt: string }[];
    usage: number | null;
    quota: number | null;
  };
  setOffline: (offline: OfflineSlice['offline']) => void;
}

export interface ConvertedEntry {
  name: string;
  /** Object URL of the ONNX, for download and for reopening. */
  url: string;
  file: File;
  description: string;
  params: number;
  gmacs: number;
  layout: string;
  ms: number;
  /** `description` and `layout` as messages (the page's language); absent: the English. */
  messages?: ConvertedModel['messages'];
  /** The checkpoint it came from, to convert it again at the other precision. */
  checkpoint: File;
  fp16: boolean;
}

export interface ConvertSlice {
  convertOptions: { fp16: boolean; features: boolean };
  converted: ConvertedEntry[];
  setConvertOptions: (o: Partial<ConvertSlice['convertOptions']>) => void;
  addConverted: (c: ConvertedEntry) => void;
}

export interface VerifySlice {
  verification: { name: string; entries: Map<string, ReferenceEntry> } | null;
  verificationError: string | null;
  /** Why the reference file did not fit, as data (the page words it in its language). */
  verificationProblem: ReferenceProblem | null;
  tolerance: number;
  /** Keep photos' pixels as stored, as torchvision's loader does (applies to new photos). */
  ignoreExif: boolean;
  setIgnoreExif: (ignore: boolean) => void;
  setVerification: (
    v: VerifySlice['verification'],
    error: string | null,
    problem?: ReferenceProblem | null,
  ) => void;
  setTolerance: (t: number) => void;
}

export interface CompareSlice {
  /** A second model every image also goes through, for side-by-side comparison. */
  compareStatus: ModelStatus;
  compareChoice: ModelChoice | null;
  setCompare: (choice: ModelChoice | null, status: ModelStatus) => void;
}

export interface LiveSlice {
  live: {
    on: boolean;
    paused: boolean;
    mirror: boolean;
    /** Exponential smoothing of probabilities; 0 = off. */
    smoothing: number;
    deviceId: string | null;
    devices: { id: string; label: string }[];
    /** Frames classified per second (at most the camera's rate: each frame once). */
    fps: number;
    /** Frames the camera presented per second. */
    cameraFps: number;
    /** Frames classified since the camera started. */
    framesClassified: number;
    /** The most frames ever in the worker at once (1 unless the one-in-flight rule broke). */
    maxFramesInFlight: number;
    latencyMs: number | null;
    top5: Prediction[];
    /** The model that answered the frame whose top-5 is shown. */
    top5Model: string | null;
    error: string | null;
    /** Why the camera did not start, when it did not (the page says what to do about it). */
    problem: CameraProblem | null;
  };
  stage: boolean;
  /** Where images come from in the main column: dropped or picked photos, or the camera. */
  source: 'photos' | 'camera';
  setLive: (patch: Partial<LiveSlice['live']>) => void;
  setStage: (on: boolean) => void;
  setSource: (source: LiveSlice['source']) => void;
}

export type LensState = ModelSlice &
  ResultsSlice &
  OfflineSlice &
  VerifySlice &
  CompareSlice &
  LiveSlice &
  ConvertSlice;

const createConvertSlice: StateCreator<LensState, [], [], ConvertSlice> = (set) => ({
  convertOptions: { fp16: false, features: true },
  converted: [],
  setConvertOptions: (o) => set((s) => ({ convertOptions: { ...s.convertOptions, ...o } })),
  addConverted: (c) => set((s) => ({ converted: [...s.converted, c] })),
});

const createVerifySlice: StateCreator<LensState, [], [], VerifySlice> = (set) => ({
  verification: null,
  verificationError: null,
  verificationProblem: null,
  tolerance: 1e-4,
  ignoreExif: false,
  setIgnoreExif: (ignoreExif) => set({ ignoreExif }),
  setVerification: (verification, verificationError, verificationProblem = null) =>
    set({ verification, verificationError, verificationProblem }),
  setTolerance: (tolerance) => set({ tolerance }),
});

const createCompareSlice: StateCreator<LensState, [], [], CompareSlice> = (set) => ({
  compareStatus: { kind: 'idle' },
  compareChoice: null,
  setCompare: (compareChoice, compareStatus) => set({ compareChoice, compareStatus }),
});

const createLiveSlice: StateCreator<LensState, [], [], LiveSlice> = (set) => ({
  live: {
    on: false,
    paused: false,
    mirror: true,
    smoothing: 0,
    deviceId: null,
    devices: [],
    fps: 0,
    cameraFps: 0,
    framesClassified: 0,
    maxFramesInFlight: 0,
    latencyMs: null,
    top5: [],
    top5Model: null,
    error: null,
    problem: null,
  },
  stage: false,
  source: 'photos',
  setLive: (patch) => set((s) => ({ live: { ...s.live, ...patch } })),
  setStage: (stage) => set({ stage }),
  setSource: (source) => set({ source }),
});

const createModelSlice: StateCreator<LensState, [], [], ModelSlice> = (set) => ({
  manifest: null,
  manifestError: null,
  choice: null,
  status: { kind: 'idle' },
  activeInfo: null,
  activeChoice: null,
  activeUntrained: false,
  backendPreference: 'auto',
  notice: null,
  labelsInfo: {
    name: 'ImageNet-1k (bundled)',
    count: 1000,
    warning: null,
    warningMessage: null,
    error: null,
    kind: 'bundled',
  },
  labelLanguage: 'en',
  setLabelLanguage: (labelLanguage) => set({ labelLanguage }),
  setLabelsInfo: (labelsInfo) => set({ labelsInfo }),
  setNotice: (notice) => set({ notice }),
  presetOverride: null,
  setManifest: (manifest, manifestError) => set({ manifest, manifestError }),
  setChoice: (choice) => set({ choice }),
  setStatus: (status) => set({ status }),
  setActive: (activeInfo, activeUntrained, activeChoice) =>
    set({ activeInfo, activeUntrained, activeChoice }),
  setBackendPreference: (backendPreference) => set({ backendPreference }),
  setPresetOverride: (presetOverride) => set({ presetOverride }),
});

const createResultsSlice: StateCreator<LensState, [], [], ResultsSlice> = (set) => ({
  results: [],
  addResults: (items) => set((s) => ({ results: [...s.results, ...items] })),
  finishResult: (id, state, modelName, untrained) =>
    set((s) => ({
      results: s.results.map((r) => (r.id === id ? { ...r, state, modelName, untrained } : r)),
    })),
  patchResult: (id, patch) =>
    set((s) => ({ results: s.results.map((r) => (r.id === id ? { ...r, ...patch } : r)) })),
  clearResults: () =>
    set((s) => {
      for (const r of s.results) if (r.photoUrl) URL.revokeObjectURL(r.photoUrl);
      return { results: [] };
    }),
});

const createOfflineSlice: StateCreator<LensState, [], [], OfflineSlice> = (set) => ({
  offline: { cached: [], usage: null, quota: null },
  setOffline: (offline) => set({ offline }),
});

export const useLens = create<LensState>()((...a) => ({
  ...createConvertSlice(...a),
  ...createVerifySlice(...a),
  ...createCompareSlice(...a),
  ...createLiveSlice(...a),
  ...createOfflineSlice(...a),
  ...createModelSlice(...a),
  ...createResultsSlice(...a),
}));
