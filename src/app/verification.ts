/** Reference verification, as store actions and a per-result verdict. */
import {
  findReference,
  parseReference,
  ReferenceShapeError,
  verify,
  type ReferenceEntry,
  type Verdict,
} from '../core/data/verify';
import { useLens, type ResultItem } from './store';

export async function loadReference(file: File): Promise<void> {
  try {
    const entries = parseReference(await file.text());
    useLens.getState().setVerification({ name: file.name, entries }, null);
  } catch (e) {
    useLens
      .getState()
      .setVerification(
        null,
        (e as Error).message,
        e instanceof ReferenceShapeError ? e.problem : null,
      );
  }
}

/**
 * A failing verdict's likely cause: 'exif' when the page rotated the photo per its EXIF
 * orientation, which torchvision's loader (and so the reference) does not do.
 */
export type VerdictCause = 'exif' | null;

/** null when the result is not done or the reference has no (single) entry for its file. */
export function verifyItem(
  item: ResultItem,
  entries: ReadonlyMap<string, ReferenceEntry>,
  tolerance: number,
): (Verdict & { cause: VerdictCause }) | null {
  if (item.state.kind !== 'done') return null;
  const match = findReference(entries, item.fileName);
  if (match.kind !== 'found') return null;
  const { payload } = item.state;
  const verdict = verify(payload.top5, payload.logits, match.entry, tolerance);
  return { ...verdict, cause: !verdict.pass && payload.orientationNote ? 'exif' : null };
}

/** The finished results the reference cannot check: no entry, or several with the file's name. */
export function uncheckedItems(
  results: readonly ResultItem[],
  entries: ReadonlyMap<string, ReferenceEntry>,
): { missing: string[]; ambiguous: string[] } {
  const missing: string[] = [];
  const ambiguous: string[] = [];
  for (const item of results) {
    if (item.state.kind !== 'done') continue;
    const match = findReference(entries, item.fileName);
    if (match.kind === 'missing') missing.push(item.fileName);
    else if (match.kind === 'ambiguous')
      ambiguous.push(`${item.fileName} (${match.keys.join(', ')})`);
  }
  return { missing, ambiguous };
}
