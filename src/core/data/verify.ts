/**
 * "Does the browser say what PyTorch says?": a reference JSON (per image file: logits and/or
 * top-5 with probabilities) compared with the page's results, with a tolerance.
 * Accepted shapes: `{"images": {"<file>": {logits?, top5?}}}` (tools/pytorch_reference.py and the
 * test references), the CLI's `classify --json` list `[{file, top5, logits}]`, and the common
 * variants of both (see `parseReference`).
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

/**
 * The keys a reference may use, in the order they are tried: the shapes tools write differ
 * (tools/pytorch_reference.py, the CLI's --json, hand-made scripts with "results", "scores"...).
 */
export const REFERENCE_KEYS = {
  lists: ['images', 'results'],
  name: ['image', 'file', 'path', 'name'],
  scores: ['logits', 'scores'],
  top5: ['top5'],
  index: ['index', 'class', 'class_index', 'idx'],
  probability: ['probability', 'prob', 'p'],
} as const;

/**
 * Why a reference file does not fit, as data the page words in its language: where (the top
 * level, or an entry by position or name), the keys found there and the keys missing.
 */
export interface ReferenceProblem {
  where: 'top' | 'entry' | 'top5';
  /** The entry's name or position (1-based), for 'entry' and 'top5'. */
  at: string | null;
  found: string[];
  /** Each missing thing as its alternatives joined by "|" (e.g. "image|file|path|name"). */
  missing: string[];
}

/** A LensError that also carries its problem as data. */
export class ReferenceShapeError extends LensError {
  constructor(
    readonly problem: ReferenceProblem,
    message: string,
  ) {
    super('bad-reference', message);
  }
}

const alternatives = (keys: readonly string[]) => keys.join('|');
const keysOf = (v: unknown) =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v) : [];
const pick = (v: Record<string, unknown>, keys: readonly string[]) =>
  keys.map((k) => v[k]).find((x) => x !== undefined);
const isNumbers = (v: unknown): v is number[] =>
  Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number');

function entryOf(value: unknown, file: string): ReferenceEntry {
  const v = (value !== null && typeof value === 'object' ? value : {}) as Record<string, unknown>;
  const scores = pick(v, REFERENCE_KEYS.scores);
  if (isNumbers(scores)) {
    const probabilities = softmax(scores);
    return { top5: topK(probabilities, 5), probabilities };
  }
  const top5 = pick(v, REFERENCE_KEYS.top5);
  if (Array.isArray(top5)) {
    const ranked = top5.map((t: unknown) => {
      const o = (t !== null && typeof t === 'object' ? t : {}) as Record<string, unknown>;
      const index = pick(o, REFERENCE_KEYS.index);
      const probability = pick(o, REFERENCE_KEYS.probability);
      if (typeof index !== 'number' || typeof probability !== 'number') {
        const missing = [
          ...(typeof index === 'number' ? [] : [alternatives(REFERENCE_KEYS.index)]),
          ...(typeof probability === 'number' ? [] : [alternatives(REFERENCE_KEYS.probability)]),
        ];
        throw new ReferenceShapeError(
          { where: 'top5', at: file, found: keysOf(t), missing },
          `Reference for ${file}: top5 entries need numeric "index" and "probability" (found ${keysOf(t).join(', ') || 'no keys'}; missing ${missing.join(', ')}).`,
        );
      }
      return { index, probability };
    });
    return { top5: ranked, probabilities: null };
  }
  const missing = [`${alternatives(REFERENCE_KEYS.scores)} | top5`];
  throw new ReferenceShapeError(
    { where: 'entry', at: file, found: keysOf(value), missing },
    `Reference for ${file} has neither "logits" nor "top5" (found ${keysOf(value).join(', ') || 'no keys'}; expected one of ${missing[0]}).`,
  );
}

/** A list of entries, each naming its image under one of REFERENCE_KEYS.name. */
function fromList(list: readonly unknown[], out: Map<string, ReferenceEntry>): void {
  list.forEach((item, i) => {
    const o = (item !== null && typeof item === 'object' ? item : {}) as Record<string, unknown>;
    const name = pick(o, REFERENCE_KEYS.name);
    if (typeof name !== 'string') {
      const missing = [alternatives(REFERENCE_KEYS.name)];
      throw new ReferenceShapeError(
        { where: 'entry', at: String(i + 1), found: keysOf(item), missing },
        `Each reference list item needs a "file" (item ${i + 1} has ${keysOf(item).join(', ') || 'no keys'}; expected one of ${missing[0]}).`,
      );
    }
    out.set(normalPath(name), entryOf(o, name));
  });
}

/**
 * Reference entries keyed by their path as written (normalised separators): two `x.png` in
 * different folders stay two entries. Look them up with `findReference`. Accepted: a bare list,
 * or an object holding the list (or a map from file to entry) under "images" or "results"; an
 * entry names its image as image|file|path|name and holds logits|scores or a top5 of
 * {index, probability|prob|p}.
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
  const held =
    data !== null && typeof data === 'object' && !Array.isArray(data)
      ? pick(data as Record<string, unknown>, REFERENCE_KEYS.lists)
      : undefined;
  const list = Array.isArray(data) ? data : held;
  if (Array.isArray(list)) fromList(list, out);
  else if (held !== null && typeof held === 'object') {
    for (const [file, value] of Object.entries(held)) {
      if (file.includes('#')) continue; // variants such as "x.jpg#transposed" are not files
      out.set(normalPath(file), entryOf(value, file));
    }
  } else {
    const found = keysOf(data);
    const missing = [alternatives(REFERENCE_KEYS.lists)];
    throw new ReferenceShapeError(
      { where: 'top', at: null, found, missing },
      `Expected {"images": {...}} or a list of {file, logits|top5} (found ${found.join(', ') || 'no keys'}; expected a list, or one of ${missing[0]}).`,
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
