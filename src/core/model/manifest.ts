/** `models/models.json`: the models the app offers, validated as untrusted input. */
import { LensError } from '../errors';
import { DEFAULT_PRESET, isPresetId, type PresetId } from '../preprocess/preprocess';

export interface PublishedFigures {
  top1: number | null;
  top5: number | null;
}

export interface ModelEntry {
  id: string;
  name: string;
  /** Relative to the manifest's folder, or an absolute URL. */
  file: string;
  architecture: string;
  inputSize: number;
  preset: PresetId;
  numClasses: number;
  published: PublishedFigures | null;
  params: number | null;
  gmacs: number | null;
  source: string;
  /** Seeded weights: predictions mean nothing, only the pipeline is being checked. */
  untrained: boolean;
  bytes: number | null;
  sha256: string | null;
}

export interface Manifest {
  models: ModelEntry[];
}

function field<T>(
  obj: Record<string, unknown>,
  key: string,
  check: (v: unknown) => v is T,
  where: string,
): T {
  const v = obj[key];
  if (!check(v))
    throw new LensError('bad-manifest', `models.json: ${where} has a missing or invalid "${key}".`);
  return v;
}

const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const orNull =
  <T>(check: (v: unknown) => v is T) =>
  (v: unknown): v is T | null =>
    v === null || v === undefined || check(v);
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseManifest(text: string): Manifest {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new LensError('bad-manifest', `models.json is not valid JSON: ${(e as Error).message}`);
  }
  if (!isRecord(data) || !Array.isArray(data['models'])) {
    throw new LensError('bad-manifest', 'models.json must be an object with a "models" array.');
  }
  const ids = new Set<string>();
  const models = data['models'].map((raw, i): ModelEntry => {
    if (!isRecord(raw))
      throw new LensError('bad-manifest', `models.json: entry ${i} is not an object.`);
    const id = field(raw, 'id', isString, `entry ${i}`);
    if (ids.has(id)) throw new LensError('bad-manifest', `models.json: id "${id}" appears twice.`);
    ids.add(id);
    const where = `model "${id}"`;
    const preset = raw['preset'] ?? DEFAULT_PRESET;
    if (!isPresetId(preset))
      throw new LensError(
        'bad-manifest',
        `models.json: ${where} names an unknown preset ${JSON.stringify(preset)}.`,
      );
    const published = raw['published'];
    return {
      id,
      name: typeof raw['name'] === 'string' ? raw['name'] : id,
      file: field(raw, 'file', isString, where),
      architecture: typeof raw['architecture'] === 'string' ? raw['architecture'] : 'unknown',
      inputSize: isNumber(raw['inputSize']) ? raw['inputSize'] : 224,
      preset,
      numClasses: isNumber(raw['numClasses']) ? raw['numClasses'] : 1000,
      published: isRecord(published)
        ? {
            top1: field(published, 'top1', orNull(isNumber), where) ?? null,
            top5: field(published, 'top5', orNull(isNumber), where) ?? null,
          }
        : null,
      params: field(raw, 'params', orNull(isNumber), where) ?? null,
      gmacs: field(raw, 'gmacs', orNull(isNumber), where) ?? null,
      source: typeof raw['source'] === 'string' ? raw['source'] : '',
      untrained: raw['untrained'] === true,
      bytes: field(raw, 'bytes', orNull(isNumber), where) ?? null,
      sha256: field(raw, 'sha256', orNull(isString), where) ?? null,
    };
  });
  return { models };
}

/** Where to fetch a manifest entry's file from, given the manifest's own URL. */
export function resolveModelUrl(entry: ModelEntry, manifestUrl: string): string {
  return new URL(entry.file, manifestUrl).href;
}

/** True when every model on offer is a seeded test model, so the page should explain how to get real weights. */
export function onlyUntrained(manifest: Manifest): boolean {
  return manifest.models.every((m) => m.untrained);
}
