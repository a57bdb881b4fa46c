/**
 * The typed automation API on `window.__lens`: what tests and the benchmark need that the UI does
 * not show directly. Kept in one place so the page and its drivers agree on it.
 */
import type { ResultItem, LensState } from './store';

export interface LensAutomation {
  state: () => LensState;
  /** Classifies files as a drop would; resolves when every one has a result. */
  classifyFiles: (files: Iterable<File>) => Promise<void>;
  /** Makes the worker crash, to exercise recovery. */
  crashWorker: () => void;
}

export type { ResultItem };

declare global {
  interface Window {
    __lens?: LensAutomation;
  }
}
