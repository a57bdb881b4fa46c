/**
 * One zustand store, built from typed slices. Actions sit beside state and are callable outside
 * React (the worker bridge writes through them), and `getInitialState()` resets it in tests.
 */
import { create, type StateCreator } from 'zustand';
import type { BackendPreference } from '../core/backend';
import type { SerializedError } from '../core/errors';
import type { Manifest, ModelEntry } from '../core/manifest';
import type { PresetId } from '../core/preprocess';
import type { ClassifyPayload, ModelInfo } from '../worker/protocol';

/** Where the current model comes from: a manifest entry, a typed URL, or a local file. */
export type ModelChoice =
  | { type: 'manifest'; entry: ModelEntry }
  | { type: 'url'; url: string }
  | { type: 'file'; file: File };

export type ModelStatus =
  | { kind: 'idle' }
  | {
      kind: 'loading';
      /** performance.now() when the load started, for the download rate. */
      startedAt: number;
      bytesPerSecond: number | null;
      name: string;
      phase: 'download' | 'session';
      loaded: number;
      total: number | null;
    }
  | { kind: 'ready'; name: string; info: ModelInfo }
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
  setPresetOverride: (p: PresetId | null) => void;
}

export interface ResultItem {
  id: number;
  fileName: string;
  /** Object URL of a display copy of the photo; revoked when the item is removed. */
  photoUrl: string;
  modelName: string;
  untrained: boolean;
  state:
    | { kind: 'pending' }
    | { kind: 'done'; payload: ClassifyPayload }
    | { kind: 'error'; error: SerializedError };
}

export interface ResultsSlice {
  results: ResultItem[];
  addResult: (item: ResultItem) => void;
  finishResult: (
    id: number,
    state: ResultItem['state'],
    modelName: string,
    untrained: boolean,
  ) => void;
  clearResults: () => void;
}

export interface OfflineSlice {
  offline: {
    cached: { url: string; bytes: number; cachedAt: string }[];
    usage: number | null;
    quota: number | null;
  };
  setOffline: (offline: OfflineSlice['offline']) => void;
}

export type LensState = ModelSlice & ResultsSlice & OfflineSlice;

const createModelSlice: StateCreator<LensState, [], [], ModelSlice> = (set) => ({
  manifest: null,
  manifestError: null,
  choice: null,
  status: { kind: 'idle' },
  activeInfo: null,
  activeChoice: null,
  activeUntrained: false,
  backendPreference: 'auto',
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
  addResult: (item) => set((s) => ({ results: [...s.results, item] })),
  finishResult: (id, state, modelName, untrained) =>
    set((s) => ({
      results: s.results.map((r) => (r.id === id ? { ...r, state, modelName, untrained } : r)),
    })),
  clearResults: () =>
    set((s) => {
      for (const r of s.results) URL.revokeObjectURL(r.photoUrl);
      return { results: [] };
    }),
});

const createOfflineSlice: StateCreator<LensState, [], [], OfflineSlice> = (set) => ({
  offline: { cached: [], usage: null, quota: null },
  setOffline: (offline) => set({ offline }),
});

export const useLens = create<LensState>()((...a) => ({
  ...createOfflineSlice(...a),
  ...createModelSlice(...a),
  ...createResultsSlice(...a),
}));
