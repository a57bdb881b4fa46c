/**
 * What a key press does to the stage view, as a pure decision. S toggles it and Escape leaves it,
 * except while the user types: in a text field S is a letter. A select keeps the focus after a
 * choice (model, language), and S there used to pick an option starting with "s" instead, so a
 * live model switch needed Esc, a click elsewhere, then S: once a choice was made in a select, S
 * is the stage key again (before any choice it still jumps through the options, as usual).
 */
export type StageKeyAction = 'toggle' | 'leave' | null;

export interface StageKeyEvent {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  /** The focused element's tag name (upper case, as the DOM gives it), if any. */
  targetTag: string | null;
  /** The focused element is a select whose value the user just chose (no focus change since). */
  chosenSelect: boolean;
}

export function stageKeyAction(e: StageKeyEvent, stageOpen: boolean): StageKeyAction {
  if (e.key === 'Escape') return stageOpen ? 'leave' : null;
  if (e.key !== 's' && e.key !== 'S') return null;
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  if (e.targetTag === 'INPUT' || e.targetTag === 'TEXTAREA') return null;
  if (e.targetTag === 'SELECT' && !e.chosenSelect) return null;
  return 'toggle';
}
