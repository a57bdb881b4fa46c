/**
 * "Does the browser say what PyTorch says?": a reference JSON (per image file: logits and/or
 * top-5 with probabilities) compared with the page's results, with a tolerance.
 * Accepted shapes: `{"images": {"<file>": {logits?, top5?}}}` (tools/pytorch_reference.py and the
 * test references) and the CLI's `classify --json` list `[{file, top5, logits}]`.
 */
import { LensError } from '../errors';
import { softmax, topK, type Ranked } from '../inference/postprocess';

export interface ReferenceEntry {
  top5: Ranked[];
  /** All class probabilities, when the reference has logits. */
  probabilities: Float64Array | null;
}

const baseName = (file: string) => file.split(/[\\/]/).pop() ?? file;
/** A reference's path as written, with one separator and no leading "./". */
const normalPath = (file: string) => file.replace(/\\/g, '/').replace(/^(\.\/)+/, '');

function entryOf(value: unknown, file: string): ReferenceEntry {
  const v = value as { logits?: unknown; top5?: unknown };
  if (Array.isArray(v.logits) && v.logits.every((x) => typeof x === 'number')) {
    const probabilities = softmax(v.logits);
    return { top5: topK(probabilities, 5), probabilities };
  }
  if (Array.isArray(v.top5)) {
    const top5 = (v.top5 as { index?: unknown; probability?: unknown }[]).map((t) => {
      if (typeof t.index !== 'number' || typeof t.probability !== 'number') {
        throw new LensError(
          'bad-reference',
          `Reference for ${file}: top5 entries need numeric "index" and "probability".`,
        );
      }
      return { index: t.index, probability: t.probability };
    });
    return { top5, probabilities: null };
  }
  throw new LensError('bad-reference', `Reference for ${file} has neither "logits" nor "top5".`);
}

/**
 * Reference entries keyed by their path as written (normalised separators): two `x.png` in
 * different folders stay two entries. Look them up with `findReference`.
 */
export function parseReference(text: string): Map<string, ReferenceEntry> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new LensError(
      'bad-reference',
      `The reference file is not valid JSON: ${(e as Error).message}`,
    );
  }
  const out = new Map<string, ReferenceEntry>();
  if (Array.isArray(data)) {
    for (const item of data as { file?: unknown }[]) {
      if (typeof item?.file !== 'string')
        throw new LensError('bad-reference', 'Each reference list item needs a "file".');
      out.set(normalPath(item.file), entryOf(item, item.file));
    }
  } else if (
    data &&
    typeof data === 'object' &&
    typeof (data as { images?: unknown }).images === 'object'
  ) {
    for (const [file, value] of Object.entries(
      (data as { images: Record<string, unknown> }).images,
    )) {
      if (file.includes('#')) continue; // variants such as "x.jpg#transposed" are not files
      out.set(normalPath(file), entryOf(value, file));
    }
  } else {
    throw new LensError(
      'bad-reference',
      'Expected {"images": {...}} or a list of {file, logits|top5}.',
    );
  }
  if (out.size === 0) throw new LensError('bad-reference', 'The reference file lists no images.');
  return out;
}

export interface Verdict {
  pass: boolean;
  /** Same top-5 indices in the same order. */
  top5Agree: boolean;
  /** Over all classes when the reference has logits, else over the reference's top-5. */
  maxAbsDiff: number;
}

export function verify(
  top5: readonly Ranked[],
  logits: ArrayLike<number>,
  ref: ReferenceEntry,
  tolerance: number,
): Verdict {
  const top5Agree =
    top5.length === ref.top5.length && top5.every((p, i) => p.index === ref.top5[i]!.index);
  let maxAbsDiff = 0;
  const mine = softmax(logits);
  if (ref.probabilities && ref.probabilities.length === mine.length) {
    for (let i = 0; i < mine.length; i++)
      maxAbsDiff = Math.max(maxAbsDiff, Math.abs(mine[i]! - ref.probabilities[i]!));
  } else {
    for (const r of ref.top5)
      maxAbsDiff = Math.max(maxAbsDiff, Math.abs((mine[r.index] ?? 0) - r.probability));
  }
  return { pass: top5Agree && maxAbsDiff <= tolerance, top5Agree, maxAbsDiff };
}

export type ReferenceMatch =
  | { kind: 'found'; entry: ReferenceEntry; key: string }
  | { kind: 'missing' }
  /** Several references share the file's name and its path does not tell them apart. */
  | { kind: 'ambiguous'; keys: string[] };

/**
 * The reference for a file known by `path` (a dropped file's name, or a folder pick's relative
 * path): the entry with that path, else the one whose path and the file's agree up to a folder
 * boundary (one ends with the other), else by base name when exactly one entry has it.
 */
export function findReference(
  entries: ReadonlyMap<string, ReferenceEntry>,
  path: string,
): ReferenceMatch {
  const want = normalPath(path);
  const exact = entries.get(want);
  if (exact) return { kind: 'found', entry: exact, key: want };
  const byTail = [...entries.keys()].filter(
    (k) => k.endsWith(`/${want}`) || want.endsWith(`/${k}`),
  );
  const candidates =
    byTail.length > 0 ? byTail : [...entries.keys()].filter((k) => baseName(k) === baseName(want));
  if (candidates.length === 1)
    return { kind: 'found', entry: entries.get(candidates[0]!)!, key: candidates[0]! };
  if (candidates.length > 1) return { kind: 'ambiguous', keys: candidates.sort() };
  return { kind: 'missing' };
}
