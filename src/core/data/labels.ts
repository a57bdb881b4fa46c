/**
 * Class-label files in the formats people have:
 * - one label per line (`imagenet_classes.txt`, `synset_words.txt` style lines are kept whole).
 *   Line k's label is class k, counting non-blank lines only: a BOM, CRLF or CR line ends and
 *   whitespace around a label are dropped, and blank lines (leading, trailing or interior) take no
 *   index. The files torchvision and timm users have (pytorch/hub's imagenet_classes.txt,
 *   synset_words.txt, timm's imagenet*_synsets.txt) have no blank lines at all, so a blank line is
 *   an editing accident (an editor's leading newline shifted every label by one); a class without
 *   a name is written as a name. Blank interior lines are remembered, so a count mismatch can name
 *   the line to look at;
 * - a Python dict literal (`imagenet1000_clsid_to_human.txt`: `{0: 'tench, Tinca tinca', ...}`);
 * - JSON: an array of strings, or Keras' `imagenet_class_index.json` (`{"0": ["n01440764", "tench"]}`).
 */
import { LensError } from '../errors';

export interface LabelSet {
  labels: string[];
  /** WordNet ids, when the file carries them (Keras JSON). */
  wnids?: string[];
  /** One label per line: the 1-based line each label came from. */
  lines?: number[];
  /** One label per line: blank lines between labels (1-based), skipped. */
  blankLines?: number[];
}

/**
 * Label files are read whole and parsed in one go: a limit keeps a wrong file (a 5-million-line
 * list, a dataset's CSV) from blocking for seconds. ImageNet-21k has 21,843 classes in about
 * 1 MB; the limits leave a wide margin.
 */
export const MAX_LABEL_FILE_BYTES = 16 * 2 ** 20;
export const MAX_LABELS = 100_000;

/** Refuses a label file by its size, before it is read. */
export function checkLabelFileSize(bytes: number, name = 'The label file'): void {
  if (bytes > MAX_LABEL_FILE_BYTES) {
    throw new LensError(
      'bad-labels',
      `${name} is too large (${(bytes / 2 ** 20).toFixed(1)} MB, limit ${MAX_LABEL_FILE_BYTES / 2 ** 20} MB): a label file lists one name per class.`,
    );
  }
}

export function parseLabels(text: string): LabelSet {
  checkLabelFileSize(text.length);
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed === '') throw new LensError('bad-labels', 'The label file is empty.');
  if (trimmed.startsWith('[') || trimmed.startsWith('{"') || /^\{\s*"/.test(trimmed))
    return checkCount(parseJsonLabels(trimmed));
  if (trimmed.startsWith('{')) return checkCount({ labels: parsePythonDict(trimmed) });
  return checkCount(parseLines(text.replace(/^\uFEFF/, '')));
}

function checkCount(set: LabelSet): LabelSet {
  if (set.labels.length > MAX_LABELS) {
    throw new LensError(
      'bad-labels',
      `The label file lists ${set.labels.length} labels; the limit is ${MAX_LABELS.toLocaleString('en-US')} classes.`,
    );
  }
  return set;
}

function parseLines(text: string): LabelSet {
  const labels: string[] = [];
  const lines: number[] = [];
  const blank: number[] = [];
  text.split(/\r\n|\n|\r/).forEach((raw, i) => {
    const label = raw.trim();
    if (label === '') blank.push(i + 1);
    else {
      labels.push(label);
      lines.push(i + 1);
    }
  });
  // Only blank lines between the first and last label matter to a reader of the file.
  const first = lines[0]!;
  const last = lines[lines.length - 1]!;
  const blankLines = blank.filter((l) => l > first && l < last);
  return { labels, lines, blankLines };
}

/**
 * The warning when a label list does not match the model's class count, naming the line to
 * look at; null when they match. `name` is the file's name as the user knows it.
 */
export function labelCountWarning(classes: number, set: LabelSet, name: string): string | null {
  const n = set.labels.length;
  if (n === classes) return null;
  const head = `The model has ${classes} classes but ${name} lists ${n}; classes without a label are shown as "class N".`;
  const lines = set.lines;
  if (lines === undefined) return head;
  if (n > classes) {
    return `${head} The labels from line ${lines[classes]} ("${set.labels[classes]}") on have no class.`;
  }
  const blank = set.blankLines ?? [];
  if (blank.length > 0) {
    const shown = blank.slice(0, 5).join(', ') + (blank.length > 5 ? ', …' : '');
    return `${head} Blank line${blank.length > 1 ? 's' : ''} ${shown} ${blank.length > 1 ? 'were' : 'was'} skipped (a blank line takes no class index); if a class has no name, write one there.`;
  }
  return `${head} The last label, "${set.labels[n - 1]}", is on line ${lines[n - 1]} and is class ${n - 1}.`;
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
