/**
 * readCheckpoint: the weights of a PyTorch checkpoint (.pth) as plain typed arrays, without
 * executing anything in it. Both torch.save formats are read: the zip archive (torch >= 1.6) and
 * the legacy stream. Runs the same in a Web Worker and in Node: bytes in, data out.
 *
 * Memory: zip entries and legacy records are views into `bytes`; each tensor the caller gets is
 * the one copy made of its values (DEFLATE-compressed storages are inflated first, then released).
 */
import { LensError, isLensError } from '../errors';
import { corrupt, notCheckpoint, unsupported } from './fail';
import { findWeights } from './layout';
import { readLegacy, startsWithMagic } from './legacy';
import { storageLoader } from './persistent';
import { unpickle } from './pickle';
import { toPlainRecord } from './plain';
import { materialize, outputBytes } from './tensor';
import type { Checkpoint, ReadCheckpointOptions, StateDict } from './types';
import type { LazyTensor, StorageRef } from './values';
import { openZip, type ZipArchive } from './zip';

export { toFloat32 } from './tensor';
export type { Checkpoint, CheckpointLayout, ReadCheckpointOptions } from './types';

const DEFAULT_MAX_BYTES = 4 * 1024 ** 3;

/** What either format yields: the unpickled object and a way to fetch a storage's bytes. */
interface Contents {
  format: 'zip' | 'legacy';
  root: unknown;
  bigEndian: boolean;
  storage(ref: StorageRef): Promise<Uint8Array>;
  /** Called once a storage's last tensor is materialised, to release inflated copies. */
  release(ref: StorageRef): void;
}

export async function readCheckpoint(
  bytes: Uint8Array,
  options: ReadCheckpointOptions = {},
): Promise<Checkpoint> {
  try {
    return await read(bytes, options);
  } catch (e) {
    if (isLensError(e)) throw e;
    // A bug, not the file's fault; still a LensError so callers need one catch.
    const detail = e instanceof Error ? e.message : String(e);
    throw new LensError('internal', `Reading the checkpoint failed unexpectedly: ${detail}`, {
      cause: e,
    });
  }
}

async function read(bytes: Uint8Array, options: ReadCheckpointOptions): Promise<Checkpoint> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const contents =
    sniff(bytes) === 'zip' ? await openZipCheckpoint(bytes, options, maxBytes) : openPickle(bytes);
  const found = findWeights(contents.root);

  const select = options.select ?? (() => true);
  const shapes = new Map<string, number[]>();
  const chosen: [string, LazyTensor][] = [];
  let total = 0;
  const uses = new Map<StorageRef, number>();
  for (const [name, t] of found.tensors) {
    shapes.set(name, [...t.shape]);
    if (!select(name, t.shape)) continue;
    chosen.push([name, t]);
    total += outputBytes(t);
    uses.set(t.storage, (uses.get(t.storage) ?? 0) + 1);
  }
  if (total > maxBytes) {
    throw unsupported(
      `its weights take ${total.toLocaleString('en-US')} bytes once read, more than the limit of ${maxBytes.toLocaleString('en-US')}`,
      'raise the limit if this machine has the memory',
    );
  }

  const stateDict: StateDict = new Map();
  for (const [name, t] of chosen) {
    if (options.signal?.aborted)
      throw new LensError('aborted', 'Reading the checkpoint was cancelled.');
    const storage = await contents.storage(t.storage);
    stateDict.set(name, materialize(t, storage, contents.bigEndian, name));
    const left = uses.get(t.storage)! - 1;
    uses.set(t.storage, left);
    if (left === 0) contents.release(t.storage);
  }
  return {
    stateDict,
    shapes,
    layout: found.layout,
    key: found.key,
    stripped: found.stripped,
    format: contents.format,
    extras: toPlainRecord(found.rest),
    skipped: found.skipped,
  };
}

/** The container format, or an error that says what the file is instead. */
function sniff(b: Uint8Array): 'zip' | 'pickle' {
  if (b.length === 0) throw notCheckpoint('the file is empty');
  if (b[0] === 0x50 && b[1] === 0x4b && (b[2] === 3 || b[2] === 5)) return 'zip';
  if (b[0] === 0x80 && b[1]! >= 2 && b[1]! <= 5) return 'pickle';
  const ascii = (from: number, to: number) => String.fromCharCode(...b.subarray(from, to));
  if (ascii(257, 262) === 'ustar') {
    throw notCheckpoint(
      'it is a tar archive (PyTorch 0.3 and older saved checkpoints as tar files: load and re-save such a file with a current PyTorch)',
    );
  }
  if (b[0] === 0x08 && b[1]! < 0x20 && [0x12, 0x1a, 0x22, 0x2a, 0x3a, 0x42].includes(b[2]!)) {
    throw notCheckpoint('it looks like an ONNX model: open it as a model instead');
  }
  if (b[0] === 0x1f && b[1] === 0x8b)
    throw notCheckpoint('it is gzip-compressed: decompress it first');
  if (b.length > 9 && b[8] === 0x7b && b[9] === 0x22) {
    throw unsupported(
      'it is a safetensors file',
      'save it as .pth with torch.save(safetensors.torch.load_file(path), "model.pth")',
    );
  }
  if (b.subarray(0, 512).every((c) => c >= 0x20 || c === 0x09 || c === 0x0a || c === 0x0d)) {
    throw notCheckpoint('it is a text file');
  }
  throw notCheckpoint(
    'it is neither a zip archive nor a pickle, the two formats torch.save writes',
  );
}

function openPickle(bytes: Uint8Array): Contents {
  if (!startsWithMagic(bytes, {})) {
    throw notCheckpoint('it is a Python pickle, but not one written by torch.save');
  }
  const { root, data } = readLegacy(bytes, {});
  return {
    format: 'legacy',
    root,
    bigEndian: false,
    storage: (ref) => {
      const found = data.get(ref.key);
      if (!found) return Promise.reject(corrupt(`storage '${ref.key}' is missing from the file`));
      return Promise.resolve(found);
    },
    release: () => undefined,
  };
}

async function openZipCheckpoint(
  bytes: Uint8Array,
  options: ReadCheckpointOptions,
  maxBytes: number,
): Promise<Contents> {
  const zip = openZip(bytes, { maxTotalSize: maxBytes, verifyCrc: options.verifyCrc ?? true });
  const prefix = archivePrefix(zip);
  const byteorder = zip.entries.get(`${prefix}byteorder`);
  let bigEndian = false;
  if (byteorder) {
    const order = new TextDecoder().decode(await zip.read(byteorder)).trim();
    if (order !== 'little' && order !== 'big')
      throw corrupt(`its byteorder record says '${order.slice(0, 20)}'`);
    bigEndian = order === 'big';
  }
  const storages = new Map<string, StorageRef>();
  const pickle = await zip.read(zip.entries.get(`${prefix}data.pkl`)!);
  const { value } = unpickle(pickle, {
    label: 'data.pkl',
    persistentLoad: storageLoader(storages),
  });
  const cache = new Map<StorageRef, Promise<Uint8Array>>();
  return {
    format: 'zip',
    root: value,
    bigEndian,
    storage: (ref) => {
      let data = cache.get(ref);
      if (!data) {
        data = zipStorage(zip, `${prefix}data/${ref.key}`, ref);
        cache.set(ref, data);
      }
      return data;
    },
    release: (ref) => cache.delete(ref),
  };
}

/** torch names entries `<archive>/data.pkl`, `<archive>/data/<key>`; <archive> is the file's stem. */
function archivePrefix(zip: ZipArchive): string {
  const names = [...zip.entries.keys()];
  const pickles = names.filter((n) => /^([^/]+\/)?data\.pkl$/.test(n));
  if (pickles.length === 0) {
    const shown = names.slice(0, 4).join(', ') + (names.length > 4 ? ', …' : '');
    throw notCheckpoint(`it is a zip archive without data.pkl (it holds ${shown || 'nothing'})`);
  }
  // Like torch, prefer the folder of the first entry.
  const first = names[0]!.split('/')[0]!;
  const chosen = pickles.find((n) => n === `${first}/data.pkl`) ?? pickles[0]!;
  const prefix = chosen.slice(0, -'data.pkl'.length);
  if (
    zip.entries.has(`${prefix}constants.pkl`) ||
    names.some((n) => n.startsWith(`${prefix}code/`))
  ) {
    throw unsupported(
      'it is a TorchScript archive (torch.jit.save)',
      'load it with torch.jit.load and save model.state_dict() with torch.save',
    );
  }
  return prefix;
}

async function zipStorage(zip: ZipArchive, name: string, ref: StorageRef): Promise<Uint8Array> {
  const entry = zip.entries.get(name);
  if (!entry) throw corrupt(`storage '${ref.key}' is missing from the archive`);
  if (entry.size !== ref.byteLength) {
    throw corrupt(
      `the zip entry '${name}' holds ${entry.size.toLocaleString('en-US')} bytes, but the checkpoint declares ${ref.numel.toLocaleString('en-US')} ${ref.type.name} values (${ref.byteLength.toLocaleString('en-US')} bytes)`,
    );
  }
  return zip.read(entry);
}
