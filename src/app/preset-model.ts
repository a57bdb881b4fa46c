/**
 * Which model answers "Compare presets" on a card: the model that made the card,
 * wherever it still is. The page holds two models (the main one and the comparison one); a card's
 * model that is in neither can still be loaded when its choice is kept (a manifest entry, a URL, a
 * converted or opened file still in memory), but only by the user's click: the main model is never
 * swapped behind their back. Only when the card's model cannot be loaded does another model answer,
 * and the card says so. Pure: no DOM, no worker; the controller acts on the answer.
 */
import type { ModelInfo } from '../engine/types';
import type { ModelChoice, ModelStatus } from './store';

export type PresetRunner =
  /** The main worker holds the card's model. */
  | { kind: 'main' }
  /** The comparison worker holds it. */
  | { kind: 'compare' }
  /** Neither holds it, but it can be loaded: the card offers one click that loads it, then runs. */
  | { kind: 'offer'; choice: ModelChoice }
  /** It cannot be loaded any more: the active model answers, and the card names both. */
  | { kind: 'other'; model: string }
  /** No model at all. */
  | { kind: 'none' };

export interface CardModel {
  modelName: string;
  /** The choice behind the model that made the card (null when not known). */
  modelChoice: ModelChoice | null;
}

export interface LoadedModels {
  activeInfo: ModelInfo | null;
  activeChoice: ModelChoice | null;
  compareStatus: ModelStatus;
  compareChoice: ModelChoice | null;
}

/** Whether two choices load the same model (a manifest entry by id, a URL, the same File). */
export function sameChoice(a: ModelChoice | null, b: ModelChoice | null): boolean {
  if (!a || !b) return false;
  if (a.type === 'manifest' && b.type === 'manifest') return a.entry.id === b.entry.id;
  if (a.type === 'url' && b.type === 'url') return a.url === b.url;
  if (a.type === 'file' && b.type === 'file') return a.file === b.file;
  return false;
}

/**
 * Where the card's model is. A choice must match and so must the name the engine gave its
 * results; a card without a known choice is matched by name alone.
 */
export function presetRunnerFor(card: CardModel, loaded: LoadedModels): PresetRunner {
  const { activeInfo, activeChoice, compareStatus, compareChoice } = loaded;
  const matches = (name: string | undefined, choice: ModelChoice | null) =>
    name === card.modelName && (card.modelChoice === null || sameChoice(card.modelChoice, choice));
  if (activeInfo && matches(activeInfo.name, activeChoice)) return { kind: 'main' };
  if (compareStatus.kind === 'ready' && matches(compareStatus.info.name, compareChoice))
    return { kind: 'compare' };
  if (card.modelChoice) return { kind: 'offer', choice: card.modelChoice };
  return activeInfo ? { kind: 'other', model: activeInfo.name } : { kind: 'none' };
}
