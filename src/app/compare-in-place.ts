/**
 * The comparison model's answers for the photos already in the list, written into their cards.
 * Both one-click comparisons (fp32 beside fp16 after a conversion, float beside int8 after
 * quantizing) end here: the list stays the list (it used to grow by every photo again for int8,
 * and fp16 compared only photos added afterwards).
 */
import { serializeError } from '../core/errors';
import { compareClient, effectivePreset } from './controller';
import { useLens, type ItemState } from './store';

export async function compareListInPlace(): Promise<void> {
  const compare = compareClient();
  if (!compare) return;
  const model = useLens.getState().compareChoice;
  const preset = effectivePreset();
  const exif = useLens.getState().ignoreExif ? 'ignore' : 'apply';
  const items = useLens.getState().results;
  for (const item of items)
    useLens.getState().patchResult(item.id, { compare: { kind: 'pending' } });
  // One at a time: the comparison worker has its own queue, and the cards fill in list order.
  for (const item of items) {
    const state: ItemState = await compare.classify({ file: item.file, preset, exif }).then(
      ({ prepared: _unused, ...payload }): ItemState => ({ kind: 'done', payload }),
      (e: unknown): ItemState => ({ kind: 'error', error: serializeError(e) }),
    );
    // A newer comparison model took over meanwhile: its own pass fills the cards.
    if (useLens.getState().compareChoice !== model) return;
    useLens.getState().patchResult(item.id, { compare: state });
  }
}
