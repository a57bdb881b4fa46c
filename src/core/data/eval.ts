/**
 * ImageNet-style evaluation as data: which file has which label (both layouts people keep),
 * sharding, top-1/top-5 bookkeeping and exact merging of shards. No I/O here.
 */
import { LensError } from '../errors';

export interface Sample {
  /** Path relative to the data folder, with '/' separators. */
  file: string;
  label: number;
}

export type Layout = 'wnid-folders' | 'flat-with-ground-truth';

/**
 * Class folders named by WordNet id (`n01440764/ILSVRC2012_val_00000293.JPEG`). Indices come from
 * the full ILSVRC2012 synset list, so a subset of folders still gets the right class indices
 * (torchvision's ImageFolder would number only the folders present).
 */
export function samplesFromWnidFolders(
  files: readonly string[],
  wnids: readonly string[],
): Sample[] {
  const index = new Map(wnids.map((w, i) => [w, i]));
  const samples: Sample[] = [];
  const unknown = new Set<string>();
  for (const file of files) {
    const folder = file.split('/')[0]!;
    const label = index.get(folder);
    if (label === undefined) unknown.add(folder);
    else samples.push({ file, label });
  }
  if (unknown.size > 0) {
    const names = [...unknown].sort().slice(0, 5).join(', ');
    throw new LensError(
      'bad-dataset',
      `Unknown class folder${unknown.size > 1 ? 's' : ''} ${names}${unknown.size > 5 ? ', ...' : ''}: folder names must be ILSVRC2012 WordNet ids such as n01440764.`,
    );
  }
  return samples;
}

/** A ground-truth file: `<file name> <class index>` per line (the eval_topk flow's val.txt). */
export function parseGroundTruth(text: string, numClasses = 1000): Map<string, number> {
  const truth = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^(.+?)\s+(\d+)$/.exec(line);
    if (!m)
      throw new LensError(
        'bad-dataset',
        `Ground-truth line ${i + 1} is not "<file name> <class index>": ${JSON.stringify(line.slice(0, 80))}`,
      );
    const label = Number(m[2]);
    if (label >= numClasses)
      throw new LensError(
        'bad-dataset',
        `Ground-truth line ${i + 1}: class ${label} is out of range (0..${numClasses - 1}).`,
      );
    if (truth.has(m[1]!))
      throw new LensError('bad-dataset', `Ground-truth line ${i + 1}: ${m[1]} is listed twice.`);
    truth.set(m[1]!, label);
  });
  if (truth.size === 0)
    throw new LensError('bad-dataset', 'The ground-truth file lists no images.');
  return truth;
}

/**
 * The listed images found in the folder, and those listed but absent. A subset of a dataset (the
 * first thousand ImageNet val images with the full 50,000-line list) is normal use: the absent
 * ones are counted, not refused. Files in `unreadable` (a dangling link, no permission) are
 * neither: they are reported as skipped, with their reason.
 */
export function matchGroundTruth(
  files: readonly string[],
  truth: Map<string, number>,
  unreadable: ReadonlySet<string> = new Set(),
): { samples: Sample[]; missing: string[] } {
  const present = new Set(files);
  const samples: Sample[] = [];
  const missing: string[] = [];
  for (const [file, label] of truth) {
    if (present.has(file)) samples.push({ file, label });
    else if (!unreadable.has(file)) missing.push(file);
  }
  return { samples, missing };
}

/** `matchGroundTruth`, refusing a list that names images not in the folder (eval --strict). */
export function samplesFromGroundTruth(
  files: readonly string[],
  truth: Map<string, number>,
  unreadable: ReadonlySet<string> = new Set(),
): Sample[] {
  const { samples, missing } = matchGroundTruth(files, truth, unreadable);
  if (missing.length > 0) {
    throw new LensError(
      'bad-dataset',
      `The ground-truth file names ${missing.length} image${missing.length > 1 ? 's' : ''} not in the folder, e.g. ${missing.slice(0, 3).join(', ')}.`,
    );
  }
  return samples;
}

/** `i/n`, 0 <= i < n: every n-th sample starting at i, after sorting by file name. */
export function parseShard(spec: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(spec);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index >= count)
    throw new LensError('usage', `--shard takes i/n with 0 <= i < n (e.g. 0/4), got "${spec}".`);
  return { index, count };
}

export function shard(
  samples: readonly Sample[],
  spec: { index: number; count: number } | null,
): Sample[] {
  const sorted = [...samples].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return spec ? sorted.filter((_, i) => i % spec.count === spec.index) : sorted;
}

export interface SampleResult {
  file: string;
  label: number;
  /** Top-5 class indices, best first. */
  top5: number[];
  /** Probability of the top-1 class. */
  probability: number;
}

export interface ClassAccuracy {
  index: number;
  count: number;
  top1: number;
}

export interface EvalSummary {
  count: number;
  correct1: number;
  correct5: number;
  top1: number;
  top5: number;
  worstClasses: ClassAccuracy[];
  mismatches: { file: string; label: number; predicted: number; probability: number }[];
}

export function summarize(results: readonly SampleResult[], worst = 10): EvalSummary {
  let correct1 = 0;
  let correct5 = 0;
  const perClass = new Map<number, { count: number; correct: number }>();
  const mismatches: EvalSummary['mismatches'] = [];
  for (const r of results) {
    const hit1 = r.top5[0] === r.label;
    if (hit1) correct1++;
    if (r.top5.includes(r.label)) correct5++;
    const c = perClass.get(r.label) ?? { count: 0, correct: 0 };
    c.count++;
    if (hit1) c.correct++;
    perClass.set(r.label, c);
    if (!hit1)
      mismatches.push({
        file: r.file,
        label: r.label,
        predicted: r.top5[0] ?? -1,
        probability: r.probability,
      });
  }
  const count = results.length;
  const worstClasses = [...perClass]
    .map(([index, c]) => ({ index, count: c.count, top1: c.correct / c.count }))
    .sort((a, b) => a.top1 - b.top1 || b.count - a.count || a.index - b.index)
    .slice(0, worst);
  mismatches.sort((a, b) => (a.file < b.file ? -1 : 1));
  return {
    count,
    correct1,
    correct5,
    top1: count ? correct1 / count : 0,
    top5: count ? correct5 / count : 0,
    worstClasses,
    mismatches,
  };
}

/** Combines shard results exactly: the union of per-file results, refusing overlaps. */
export function mergeResults(shards: readonly (readonly SampleResult[])[]): SampleResult[] {
  const seen = new Set<string>();
  const all: SampleResult[] = [];
  for (const results of shards) {
    for (const r of results) {
      if (seen.has(r.file))
        throw new LensError(
          'bad-dataset',
          `Cannot merge: ${r.file} appears in more than one shard.`,
        );
      seen.add(r.file);
      all.push(r);
    }
  }
  return all.sort((a, b) => (a.file < b.file ? -1 : 1));
}

/** What `eval --merge` needs from one `eval --out` file. */
export interface ShardReport {
  model: string;
  data: string;
  layout: Layout;
  preset: string;
  seconds: number;
  skipped: { file: string; error: string }[];
  /** Images the ground-truth file lists that were not in the folder (absent in older files). */
  missing?: number;
  results: SampleResult[];
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

function isSampleResult(v: unknown): v is SampleResult {
  return (
    isObject(v) &&
    typeof v['file'] === 'string' &&
    isIndex(v['label']) &&
    Array.isArray(v['top5']) &&
    v['top5'].every(isIndex) &&
    typeof v['probability'] === 'number'
  );
}

/**
 * One shard's JSON, checked before merging: a file that is not JSON, or JSON that is not an
 * `eval --out` result (no "results" list, a malformed entry), is refused by its name and what is
 * wrong, never a TypeError.
 */
export function parseShardReport(text: string, file: string): ShardReport {
  const notEval = (why: string) =>
    new LensError(
      'bad-dataset',
      `${file} is not a result of eval --out: ${why}. --merge takes the JSON files that eval --out wrote.`,
    );
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw notEval(`it is not JSON (${(e as Error).message})`);
  }
  if (!isObject(json))
    throw notEval(`it holds ${Array.isArray(json) ? 'a list' : typeof json}, not an object`);
  const results = json['results'];
  if (!Array.isArray(results)) throw notEval('it has no "results" list');
  const bad = results.findIndex((r) => !isSampleResult(r));
  if (bad >= 0)
    throw notEval(`results[${bad}] is not an image's result ({file, label, top5, probability})`);
  for (const key of ['model', 'preset'] as const)
    if (typeof json[key] !== 'string') throw notEval(`it has no "${key}" name`);
  const skipped = json['skipped'] ?? [];
  if (
    !Array.isArray(skipped) ||
    !skipped.every(
      (s) => isObject(s) && typeof s['file'] === 'string' && typeof s['error'] === 'string',
    )
  )
    throw notEval('its "skipped" entry is not a list of {file, error}');
  const seconds = json['seconds'];
  const missing = json['missing'];
  return {
    model: json['model'] as string,
    data: typeof json['data'] === 'string' ? json['data'] : '',
    layout: json['layout'] === 'flat-with-ground-truth' ? 'flat-with-ground-truth' : 'wnid-folders',
    preset: json['preset'] as string,
    seconds: typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0 ? seconds : 0,
    skipped: skipped as ShardReport['skipped'],
    ...(typeof missing === 'number' && Number.isSafeInteger(missing) && missing >= 0
      ? { missing }
      : {}),
    results: results as SampleResult[],
  };
}
