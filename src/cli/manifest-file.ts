/** Adding a model to `models/models.json` from the command line, as tools/export_onnx.py does. */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { LensError } from '../core/errors';
import { parseManifest } from '../core/model/manifest';

/** One entry as written to the file (the schema parseManifest reads). */
export interface ManifestEntryJson {
  id: string;
  name: string;
  file: string;
  architecture: string;
  inputSize: number;
  preset: string;
  numClasses: number;
  published: { top1: number | null; top5: number | null; source: string } | null;
  params: number;
  gmacs: number;
  source: string;
  untrained: boolean;
  bytes: number;
  sha256: string;
}

type ManifestJson = { models: unknown[] } & Record<string, unknown>;

/** The manifest as it is on disk (empty when there is none); throws when it is not a valid one. */
export function readManifestFile(path: string): ManifestJson {
  if (!existsSync(path)) return { models: [] };
  const text = readFileSync(path, 'utf8');
  try {
    parseManifest(text);
  } catch (e) {
    throw new LensError(
      'bad-manifest',
      `${path} is not a valid manifest, so it was left alone: ${(e as Error).message}`,
    );
  }
  return JSON.parse(text) as ManifestJson;
}

/**
 * Adds `entry`, or replaces the entry with its id, keeping the others as they are (unknown fields
 * included). The file is written next to itself and renamed over, so a reader (the dev server, a
 * second command) sees the old manifest or the new one, never half of one.
 */
export function upsertManifest(path: string, entry: ManifestEntryJson): 'added' | 'replaced' {
  const data = readManifestFile(path);
  const at = data.models.findIndex(
    (m) => typeof m === 'object' && m !== null && (m as { id?: unknown }).id === entry.id,
  );
  if (at >= 0) data.models[at] = entry;
  else data.models.push(entry);
  const text = JSON.stringify(data, null, 2) + '\n';
  parseManifest(text);

  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
  return at >= 0 ? 'replaced' : 'added';
}
