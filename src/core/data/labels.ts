/**
 * Class-label files in the formats people have:
 * - one label per line (`imagenet_classes.txt`, `synset_words.txt` style lines are kept whole);
 * - a Python dict literal (`imagenet1000_clsid_to_human.txt`: `{0: 'tench, Tinca tinca', ...}`);
 * - JSON: an array of strings, or Keras' `imagenet_class_index.json` (`{"0": ["n01440764", "tench"]}`).
 */
import { LensError } from '../errors';

export interface LabelSet {
  labels: string[];
  /** WordNet ids, when the file carries them (Keras JSON). */
  wnids?: string[];
}

export function parseLabels(text: string): LabelSet {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed === '') throw new LensError('bad-labels', 'The label file is empty.');
  if (trimmed.startsWith('[') || trimmed.startsWith('{"') || /^\{\s*"/.test(trimmed))
    return parseJsonLabels(trimmed);
  if (trimmed.startsWith('{')) return { labels: parsePythonDict(trimmed) };
  return { labels: trimmed.split(/\r?\n/).map((l) => l.trim()) };
}

function parseJsonLabels(text: string): LabelSet {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new LensError(
      'bad-labels',
      `The label file looks like JSON but does not parse: ${(e as Error).message}`,
    );
  }
  if (Array.isArray(data)) {
    if (!data.every((x) => typeof x === 'string'))
      throw new LensError('bad-labels', 'A JSON label list must hold strings only.');
    if (data.length === 0) throw new LensError('bad-labels', 'The label file holds no labels.');
    return { labels: data };
  }
  if (data === null || typeof data !== 'object')
    throw new LensError('bad-labels', 'Unsupported JSON label file.');
  const byIndex = new Map<number, [wnid: string | null, label: string]>();
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    const index = parseIndex(key);
    if (byIndex.has(index))
      throw new LensError('bad-labels', `Class index ${index} appears twice ("${key}").`);
    if (Array.isArray(value) && value.length === 2 && value.every((x) => typeof x === 'string')) {
      byIndex.set(index, [value[0] as string, value[1] as string]);
    } else if (typeof value === 'string') {
      byIndex.set(index, [null, value]);
    } else {
      throw new LensError(
        'bad-labels',
        `Label ${key} is neither a string nor a [wnid, label] pair.`,
      );
    }
  }
  const pairs = dense(byIndex);
  const labels = pairs.map(([, label]) => label);
  const wnids = pairs.map(([wnid]) => wnid);
  return wnids.every((w) => w !== null) ? { labels, wnids } : { labels };
}

function parseIndex(key: string): number {
  if (!/^\d+$/.test(key))
    throw new LensError('bad-labels', `Label id "${key}" is not a class index.`);
  return Number(key);
}

/**
 * The values in index order, when the indices are exactly 0..n-1. Looks at n indices only: an
 * index like 4000000000 in a 3-entry file makes some smaller index missing, and is never used
 * to size an array.
 */
function dense<T>(byIndex: Map<number, T>): T[] {
  const count = byIndex.size;
  if (count === 0) throw new LensError('bad-labels', 'The label file holds no labels.');
  const out: T[] = [];
  for (let i = 0; i < count; i++) {
    const v = byIndex.get(i);
    if (v === undefined) {
      throw new LensError(
        'bad-labels',
        `Class indices must run 0..${count - 1} without gaps; index ${i} is missing.`,
      );
    }
    out.push(v);
  }
  return out;
}

/** A Python dict literal of int -> str, read as data (adjacent string literals are joined, as Python does). */
function parsePythonDict(text: string): string[] {
  let pos = 0;
  const fail = (what: string): never => {
    const line = text.slice(0, pos).split('\n').length;
    throw new LensError('bad-labels', `Label file syntax error on line ${line}: ${what}.`);
  };
  const skip = () => {
    while (pos < text.length && /[\s]/.test(text[pos]!)) pos++;
  };
  const readString = (): string => {
    const quote = text[pos];
    if (quote !== "'" && quote !== '"') return fail('expected a quoted label');
    pos++;
    let out = '';
    while (pos < text.length && text[pos] !== quote) {
      if (text[pos] === '\\') {
        pos++;
        const c = text[pos];
        out += c === 'n' ? '\n' : c === 't' ? '\t' : (c ?? '');
      } else out += text[pos];
      pos++;
    }
    if (pos >= text.length) fail('unterminated string');
    pos++;
    return out;
  };
  const byIndex = new Map<number, string>();
  skip();
  if (text[pos] !== '{') fail("expected '{'");
  pos++;
  for (;;) {
    skip();
    if (text[pos] === '}') break;
    const m = /^\d+/.exec(text.slice(pos, pos + 12));
    if (!m) fail('expected a class index');
    const index = Number(m![0]);
    pos += m![0].length;
    skip();
    if (text[pos] !== ':') fail("expected ':'");
    pos++;
    skip();
    let label = readString();
    skip();
    while (text[pos] === "'" || text[pos] === '"' || text[pos] === '+') {
      if (text[pos] === '+') {
        pos++;
        skip();
      }
      label += readString();
      skip();
    }
    if (byIndex.has(index)) fail(`class index ${index} appears twice`);
    byIndex.set(index, label);
    if (text[pos] === ',') pos++;
    else if (text[pos] !== '}') fail("expected ',' or '}'");
  }
  return dense(byIndex);
}

/** The label for a class, or `class N` when the model has more classes than the label set. */
export function labelFor(labels: readonly string[], index: number): string {
  return labels[index] ?? `class ${index}`;
}
