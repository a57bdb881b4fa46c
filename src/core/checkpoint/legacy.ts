/**
 * The pre-1.6 format (`torch.save(..., _use_new_zipfile_serialization=False)`), as torch 1.13's
 * `_legacy_save` writes and `_legacy_load` reads it: five things back to back,
 *   pickle  MAGIC_NUMBER (0x1950a86a20f9469cfc6c)
 *   pickle  PROTOCOL_VERSION (1001)
 *   pickle  sys_info ({'protocol_version', 'little_endian', 'type_sizes'})
 *   pickle  the object, its storages as persistent ids
 *   pickle  the storage keys, sorted
 * then for each key: int64 element count, then the elements. Both are little-endian whatever the
 * saving machine was (`THPStorage_writeFileRaw` converts), so sys_info's byte order is not used.
 */
import { isLensError } from '../errors';
import { corrupt, notCheckpoint, unsupported } from './fail';
import { storageLoader } from './persistent';
import { unpickle, type PickleLimits } from './pickle';
import type { StorageRef } from './values';

const MAGIC = 0x1950a86a20f9469cfc6cn;
const PROTOCOL_VERSION = 1001;

/**
 * Whether a pickle file starts with torch's magic number. The first pickle is read with the same
 * safe VM (for any other pickle it is the whole file), so a booby-trapped one is still refused.
 */
export function startsWithMagic(bytes: Uint8Array, limits: Partial<PickleLimits>): boolean {
  try {
    return unpickle(bytes, { limits, label: 'header' }).value === MAGIC;
  } catch (e) {
    if (isLensError(e) && e.code === 'unsafe-checkpoint') throw e;
    return false;
  }
}

export interface LegacyContents {
  root: unknown;
  storages: Map<string, StorageRef>;
  /** The bytes of each storage record, by key (views into the file). */
  data: Map<string, Uint8Array>;
}

export function readLegacy(bytes: Uint8Array, limits: Partial<PickleLimits>): LegacyContents {
  const header = { limits, label: 'header' };
  const magic = unpickle(bytes, header);
  if (magic.value !== MAGIC) {
    throw notCheckpoint('it is a Python pickle, but not one written by torch.save');
  }
  const version = unpickle(bytes, { ...header, start: magic.end });
  if (version.value !== PROTOCOL_VERSION) {
    throw unsupported(
      `it uses legacy serialization version ${String(version.value)}`,
      'load and re-save it with a newer PyTorch',
    );
  }
  const sysInfo = unpickle(bytes, { ...header, start: version.end });
  if (!(sysInfo.value instanceof Map)) throw corrupt('its header is not a torch.save header');

  const storages = new Map<string, StorageRef>();
  const main = unpickle(bytes, {
    start: sysInfo.end,
    limits,
    label: 'pickle',
    persistentLoad: storageLoader(storages),
  });
  const keys = unpickle(bytes, { ...header, label: 'storage list', start: main.end });
  if (!Array.isArray(keys.value) || !keys.value.every((k) => typeof k === 'string')) {
    throw corrupt('its list of storages is not a list of names');
  }
  return {
    root: main.value,
    storages,
    data: records(bytes, keys.end, keys.value, storages),
  };
}

function records(
  bytes: Uint8Array,
  start: number,
  keys: string[],
  storages: Map<string, StorageRef>,
): Map<string, Uint8Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const data = new Map<string, Uint8Array>();
  let at = start;
  for (const key of keys) {
    const ref = storages.get(key);
    if (!ref) throw corrupt(`storage '${key}' is listed but no tensor uses it`);
    if (at + 8 > bytes.length) throw corrupt(`the file ends before storage '${key}'`);
    const count = view.getBigInt64(at, true);
    if (count !== BigInt(ref.numel)) {
      throw corrupt(
        `storage '${key}' holds ${count} values, but the checkpoint declares ${ref.numel}`,
      );
    }
    at += 8;
    const length = ref.numel * ref.type.itemSize;
    if (length > bytes.length - at) {
      throw corrupt(
        `storage '${key}' needs ${length} bytes, but the file ends after ${bytes.length - at}`,
      );
    }
    if (!data.has(key)) data.set(key, bytes.subarray(at, at + length));
    at += length;
  }
  return data;
}
