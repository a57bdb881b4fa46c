/**
 * The typed automation API on `window.__lens`: what tests and the benchmark need that the UI does
 * not show directly. Shared by the page (which implements it) and its drivers (Playwright specs,
 * the CLI's browser benchmark), so it depends on the engine's types only, never on the app.
 */
import type { SerializedError } from './core/errors';
import type { ClassifyPayload, ModelInfo } from './engine/types';

export interface AutomationResult {
  fileName: string;
  state:
    | { kind: 'pending' }
    | { kind: 'done'; payload: ClassifyPayload }
    | { kind: 'error'; error: SerializedError };
}

/** The part of the page's state drivers read; the app's store is a superset of it. */
export interface AutomationState {
  /** In arrival order (the newest last), whatever order the page shows them in. */
  results: readonly AutomationResult[];
  activeInfo: ModelInfo | null;
  clearResults: () => void;
}

export interface LensAutomation {
  state: () => AutomationState;
  /** Classifies files as a drop would; resolves when every one has a result. */
  classifyFiles: (files: Iterable<File>) => Promise<void>;
  /**
   * Makes the worker crash, to exercise recovery: at once, or inside the next inference (which
   * then fails deterministically with `worker-crashed`).
   */
  crashWorker: (when?: 'now' | 'inference') => void;
}

declare global {
  interface Window {
    __lens?: LensAutomation;
  }
}
