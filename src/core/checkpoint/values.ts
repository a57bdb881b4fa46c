/**
 * Python values as the pickle VM builds them. Everything is inert data: None is null, bool and str
 * are themselves, int is a number (a bigint beyond 2^53), float a number, bytes a Uint8Array, list
 * an array, tuple a frozen array, dict a Map, set a Set. What a file names but the reader does not
 * know stays a record of the name (PyGlobal) or of the call (PyObject); nothing is looked up or run.
 */
import type { ElementType } from './dtypes';

export type PyTuple = readonly unknown[];

export function tuple(items: unknown[]): PyTuple {
  return Object.freeze(items);
}

export function isTuple(v: unknown): v is PyTuple {
  return Array.isArray(v) && Object.isFrozen(v);
}

/** A module-level name the file refers to that is not on the allow-list. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}

  get qualname(): string {
    return `${this.module}.${this.name}`;
  }
}

/**
 * What calling or instantiating an unknown global would have produced under torch.load, as an inert
 * record: the callable's name, its arguments, the state BUILD would have set, and the items of a
 * dict or list subclass (a yacs CfgNode is a dict subclass).
 */
export class PyObject {
  state: unknown = null;
  items?: Map<unknown, unknown>;
  list?: unknown[];

  constructor(
    readonly __global__: string,
    readonly args: readonly unknown[],
  ) {}
}

/** `torch.float32` and friends. */
export class TorchDType {
  constructor(readonly type: ElementType) {}
}

/** `torch.FloatStorage` and friends: only ever used in persistent ids. */
export class StorageType {
  constructor(
    readonly qualname: string,
    readonly type: ElementType,
  ) {}
}

/** One storage record of the file (zip: `data/<key>`; legacy: the key's slot after the pickle). */
export class StorageRef {
  constructor(
    readonly key: string,
    readonly type: ElementType,
    /** Elements of `type` the file declares; the record must hold exactly numel * itemSize bytes. */
    readonly numel: number,
  ) {}

  get byteLength(): number {
    return this.numel * this.type.itemSize;
  }
}

/** A tensor as the pickle describes it; bytes are only read when it is materialised. */
export class LazyTensor {
  constructor(
    readonly storage: StorageRef,
    readonly type: ElementType,
    /** In elements of `type`. */
    readonly offset: number,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
  ) {}

  get numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }
}

/** A Python int as a JS number, when it is one that fits; null otherwise (floats, bools included). */
export function asInt(v: unknown): number | null {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : null;
  if (typeof v === 'bigint') {
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(v)
      : null;
  }
  return null;
}

/** Python's name for a value's type, for messages. */
export function typeName(v: unknown): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'string') return 'str';
  if (v instanceof Uint8Array) return 'bytes';
  if (Array.isArray(v)) return isTuple(v) ? 'tuple' : 'list';
  if (v instanceof Map) return 'dict';
  if (v instanceof Set) return 'set';
  if (v instanceof LazyTensor) return 'torch.Tensor';
  if (v instanceof PyObject) return v.__global__;
  if (v instanceof PyGlobal) return v.qualname;
  return 'object';
}
