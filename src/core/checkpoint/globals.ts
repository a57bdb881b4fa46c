/**
 * What a pickle's GLOBAL opcodes may name. torch.load imports each global and calls it; this reader
 * never does. A short allow-list has JavaScript stand-ins that build plain data (OrderedDict, set,
 * torch's tensor rebuilders). Names from modules that run commands, load code or touch files are
 * refused outright, so a booby-trapped checkpoint is reported as such. Everything else becomes an
 * inert record (PyGlobal / PyObject): a yacs CfgNode or argparse.Namespace next to the weights
 * must not stop the weights from loading.
 */
import { isDangerous } from './denylist';
import { dtypeElementType, storageElementType } from './dtypes';
import { corrupt, unsafe } from './fail';
import {
  LazyTensor,
  PyGlobal,
  PyObject,
  StorageRef,
  StorageType,
  TorchDType,
  asInt,
  isTuple,
  tuple,
  typeName,
  type PyTuple,
} from './values';

/** A global with a harmless JavaScript stand-in. */
export class SafeCallable {
  constructor(
    readonly qualname: string,
    readonly call: (args: PyTuple) => unknown,
  ) {}
}

/** Python 2 names that protocol 0-2 pickles use for Python 3 modules. (Maps, not object
 * literals, wherever a file's strings are looked up: 'constructor' must not find anything.) */
const PY3_MODULE = new Map([
  ['__builtin__', 'builtins'],
  ['copy_reg', 'copyreg'],
]);

/** What a user recognises: `os.system` rather than `posix.system`. */
function displayName(module: string, name: string): string {
  const shown = module === 'posix' || module === 'nt' ? 'os' : module;
  return `${shown}.${name}`;
}

/** GLOBAL / STACK_GLOBAL / INST: the stand-in, or an inert name; throws for dangerous names. */
export function resolveGlobal(rawModule: string, name: string): unknown {
  const module = PY3_MODULE.get(rawModule) ?? rawModule;
  if (isDangerous(module, name)) {
    throw unsafe(
      `the checkpoint would call ${displayName(module, name)}(...) when loaded with torch.load`,
    );
  }
  const qualname = `${module}.${name}`;
  const safe = SAFE.get(qualname);
  if (safe) return safe;
  if (module === 'torch' || module === 'torch.cuda' || module === 'torch.storage') {
    const storage = name.endsWith('Storage') ? storageElementType(name) : undefined;
    if (storage) return new StorageType(qualname, storage);
    const dtype = module === 'torch' ? dtypeElementType(name) : undefined;
    if (dtype) return new TorchDType(dtype);
  }
  return new PyGlobal(module, name);
}

/** REDUCE: `callable(*args)`. Unknown callables give an inert PyObject. */
export function callGlobal(fn: unknown, args: unknown): unknown {
  if (!isTuple(args)) throw corrupt(`a call's arguments are a ${typeName(args)}, not a tuple`);
  if (fn instanceof SafeCallable) return fn.call(args);
  if (fn instanceof PyGlobal) return new PyObject(fn.qualname, args);
  if (fn instanceof PyObject) return new PyObject(fn.__global__, args);
  throw corrupt(`it calls a ${typeName(fn)}, which is not callable`);
}

/** copyreg._reconstructor / protocol 0-1 objects: an instance of `cls`, a dict or list subclass
 * carrying its items in `state`. */
function reconstruct(args: PyTuple): unknown {
  const obj = callGlobal(args[0], tuple([]));
  if (obj instanceof PyObject) {
    const state = args[2];
    if (state instanceof Map) obj.items = state;
    else if (Array.isArray(state)) obj.list = [...(state as unknown[])];
  }
  return obj;
}

function pairsToMap(v: unknown): Map<unknown, unknown> {
  if (v === undefined) return new Map();
  if (v instanceof Map) return new Map(v);
  if (!Array.isArray(v)) throw corrupt(`a dict is built from a ${typeName(v)}`);
  const out = new Map<unknown, unknown>();
  for (const pair of v as unknown[]) {
    if (!Array.isArray(pair) || pair.length !== 2) throw corrupt('a dict is built from non-pairs');
    out.set(pair[0], pair[1]);
  }
  return out;
}

function items(v: unknown): unknown[] {
  if (v === undefined) return [];
  if (Array.isArray(v)) return [...(v as unknown[])];
  if (v instanceof Set) return [...(v as Set<unknown>)];
  if (v instanceof Map) return [...(v as Map<unknown, unknown>).keys()];
  throw corrupt(`a container is built from a ${typeName(v)}`);
}

/** `bytes(...)` / `bytearray(...)`: empty, a copy of bytes, or encoded text as below. */
function bytesOf(args: PyTuple): Uint8Array {
  if (args.length === 0) return new Uint8Array(0);
  return args[0] instanceof Uint8Array ? args[0].slice() : encode(args);
}

/** `_codecs.encode(text, encoding)`: how protocols 0-2 store bytes. */
function encode(args: PyTuple): Uint8Array {
  const [text, encoding = 'utf-8'] = args;
  if (typeof text !== 'string' || typeof encoding !== 'string') {
    throw corrupt('bytes are encoded from a non-string');
  }
  if (/^(latin-?1|iso-?8859-?1|ascii)$/i.test(encoding)) {
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
    return out;
  }
  return new TextEncoder().encode(text);
}

function int(v: unknown, what: string): number {
  const n = asInt(v);
  if (n === null || n < 0) throw corrupt(`a tensor's ${what} is ${typeName(v)} ${String(v)}`);
  return n;
}

function ints(v: unknown, what: string): number[] {
  if (!Array.isArray(v) || v.length > 64) throw corrupt(`a tensor's ${what} is not a short tuple`);
  return (v as unknown[]).map((x) => int(x, what));
}

/** `_rebuild_tensor(storage, storage_offset, size, stride)`, v2 and v3 alike. */
function rebuildTensor(args: PyTuple, dtype?: unknown): LazyTensor {
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof StorageRef)) {
    throw corrupt(`a tensor is built on a ${typeName(storage)} instead of a storage`);
  }
  let type = storage.type;
  if (dtype !== undefined) {
    if (!(dtype instanceof TorchDType)) throw corrupt(`a tensor's dtype is a ${typeName(dtype)}`);
    type = dtype.type;
  }
  const shape = ints(size, 'shape');
  const strides = ints(stride, 'strides');
  if (strides.length !== shape.length) throw corrupt("a tensor's strides do not match its shape");
  return new LazyTensor(storage, type, int(offset, 'storage offset'), shape, strides);
}

/** `_rebuild_parameter(data, ...)`: a Parameter is its data tensor. */
function parameter(args: PyTuple): unknown {
  return args[0];
}

/** `_rebuild_from_type(func, type, args, dict)`: tensor subclasses; the subclass is dropped. */
function fromType(args: PyTuple): unknown {
  const [fn, , fnArgs] = args;
  return fn instanceof SafeCallable ? callGlobal(fn, fnArgs) : new PyObject('torch.Tensor', args);
}

const SAFE = new Map<string, SafeCallable>(
  (
    [
      ['collections.OrderedDict', (a) => pairsToMap(a[0])],
      ['builtins.dict', (a) => pairsToMap(a[0])],
      ['builtins.list', (a) => items(a[0])],
      ['builtins.tuple', (a) => tuple(items(a[0]))],
      ['builtins.set', (a) => new Set(items(a[0]))],
      ['builtins.frozenset', (a) => new Set(items(a[0]))],
      ['builtins.bytes', bytesOf],
      ['builtins.bytearray', bytesOf],
      ['_codecs.encode', encode],
      ['copyreg._reconstructor', reconstruct],
      ['copyreg.__newobj__', (a) => callGlobal(a[0], tuple(a.slice(1)))],
      ['torch.Size', (a) => tuple(items(a[0]))],
      ['torch._utils._rebuild_tensor', (a) => rebuildTensor(a)],
      ['torch._utils._rebuild_tensor_v2', (a) => rebuildTensor(a)],
      ['torch._utils._rebuild_tensor_v3', (a) => rebuildTensor(a, a[6])],
      ['torch._utils._rebuild_parameter', parameter],
      ['torch._utils._rebuild_parameter_with_state', parameter],
      ['torch._tensor._rebuild_from_type', fromType],
      ['torch._tensor._rebuild_from_type_v2', fromType],
    ] as const satisfies readonly (readonly [string, (args: PyTuple) => unknown])[]
  ).map(([name, fn]) => [name, new SafeCallable(name, fn)]),
);
