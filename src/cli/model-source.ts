/**
 * What a command's model path is, beyond its bytes: a PyTorch checkpoint (converted in memory by
 * the engine's own convert, the page's path: read safely, nothing in the file is executed), and
 * whether a models.json that lists it marks it untrained, which is how the page decides.
 */
import { closeSync, openSync, readFileSync, readSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isCheckpointName } from '../core/checkpoint/names';
import { parseManifest, type ModelEntry } from '../core/model/manifest';
import { sha256Hex } from './model-files';

/** The project's own manifest, which lists the bundled (seeded) models. */
export const PROJECT_MANIFEST = resolve(import.meta.dirname, '../../models/models.json');

/** The first bytes of a file (fewer when it is shorter); empty when it cannot be read. */
function head(path: string, n: number): Uint8Array {
  let fd: number | null = null;
  try {
    fd = openSync(path, 'r');
    const out = new Uint8Array(n);
    return out.subarray(0, readSync(fd, out, 0, n, 0));
  } catch {
    return new Uint8Array(0);
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/**
 * A PyTorch checkpoint rather than an ONNX model: a checkpoint's name (.pth, .pt, …), or a zip
 * (torch.save's format since 1.6) or a pickle (the legacy format) by its first bytes. An ONNX
 * file is a protobuf and starts otherwise (0x08, its ir_version).
 */
export function isCheckpointPath(path: string): boolean {
  if (isCheckpointName(path)) return true;
  const b = head(path, 4);
  return (b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04) || b[0] === 0x80;
}

function entries(manifest: string): ModelEntry[] {
  try {
    return parseManifest(readFileSync(manifest, 'utf8')).models;
  } catch {
    return []; // no manifest there, or a broken one: it says nothing about this model
  }
}

const real = (path: string): string | null => {
  try {
    return realpathSync(path);
  } catch {
    return null;
  }
};

/**
 * The untrained manifest entry that names this model file, as the page would pick it: the
 * models.json beside the file and the project's own. An entry matches by its path, or by its size
 * and sha256 (a copy of a bundled model elsewhere); only entries marked untrained are looked at,
 * so a trained model is never hashed.
 */
export function untrainedEntryFor(
  path: string,
  manifests: readonly string[] = [join(dirname(path), 'models.json'), PROJECT_MANIFEST],
): ModelEntry | null {
  const self = real(path);
  if (self === null) return null;
  const candidates = [...new Set(manifests.map((m) => real(m)).filter((m) => m !== null))].flatMap(
    (m) => entries(m).map((entry) => ({ entry, folder: dirname(m) })),
  );
  const untrained = candidates.filter((c) => c.entry.untrained && !/^[a-z]+:/i.test(c.entry.file));
  const byPath = untrained.find((c) => real(resolve(c.folder, c.entry.file)) === self);
  if (byPath) return byPath.entry;
  const size = statSync(self).size;
  const sameSize = untrained.filter((c) => c.entry.bytes === size && c.entry.sha256 !== null);
  if (sameSize.length === 0) return null;
  const sha256 = sha256Hex(readFileSync(self));
  return sameSize.find((c) => c.entry.sha256!.toLowerCase() === sha256)?.entry ?? null;
}
