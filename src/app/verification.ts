/** Reference verification, as store actions and a per-result verdict. */
import { parseReference, verify, type ReferenceEntry, type Verdict } from '../core/data/verify';
import { useLens, type ResultItem } from './store';

export async function loadReference(file: File): Promise<void> {
  try {
    const entries = parseReference(await file.text());
    useLens.getState().setVerification({ name: file.name, entries }, null);
  } catch (e) {
    useLens.getState().setVerification(null, (e as Error).message);
  }
}

/** null when the result is not done or the reference has no entry for its file. */
export function verifyItem(
  item: ResultItem,
  entries: Map<string, ReferenceEntry>,
  tolerance: number,
): Verdict | null {
  if (item.state.kind !== 'done') return null;
  const ref = entries.get(item.fileName);
  return ref ? verify(item.state.payload.top5, item.state.payload.logits, ref, tolerance) : null;
}
