/**
 * The non-weight entries of a checkpoint (epoch, config, optimizer state) as JSON-like data that
 * can be shown, logged, posted to a worker or JSON.stringify'd: no cycles, no bigints, bounded
 * depth and size. Tensors are described, not read.
 */
import {
  LazyTensor,
  PyGlobal,
  PyObject,
  StorageRef,
  StorageType,
  TorchDType,
  typeName,
} from './values';

const MAX_DEPTH = 24;
const MAX_NODES = 20_000;
const MAX_STRING = 10_000;
const ELIDED = '…';

export function toPlainRecord(entries: Map<string, unknown>): Record<string, unknown> {
  const walk = { nodes: 0, path: new Set<object>() };
  return Object.fromEntries([...entries].map(([k, v]) => [k, plain(v, 0, walk)]));
}

interface Walk {
  nodes: number;
  /** Objects on the current path: a reference back to one is a cycle. */
  path: Set<object>;
}

function plain(v: unknown, depth: number, walk: Walk): unknown {
  if (++walk.nodes > MAX_NODES) return ELIDED;
  if (v === null || typeof v === 'boolean' || typeof v === 'number') return v;
  if (typeof v === 'string') return v.length > MAX_STRING ? v.slice(0, MAX_STRING) + ELIDED : v;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v !== 'object') return null; // undefined: never produced, but keep JSON-safe
  if (v instanceof Uint8Array) return { __bytes__: v.length };
  if (v instanceof LazyTensor) return { __tensor__: v.type.name, shape: [...v.shape] };
  if (v instanceof TorchDType) return `torch.${v.type.name}`;
  if (v instanceof StorageRef) return { __storage__: v.type.name, size: v.numel };
  if (v instanceof StorageType || v instanceof PyGlobal) return { __global__: v.qualname };
  if (depth >= MAX_DEPTH) return ELIDED;
  if (walk.path.has(v)) return '[cycle]';
  walk.path.add(v);
  try {
    const inner = (x: unknown) => plain(x, depth + 1, walk);
    if (Array.isArray(v)) return (v as unknown[]).map(inner);
    if (v instanceof Set) return { __set__: [...(v as Set<unknown>)].map(inner) };
    if (v instanceof Map) return record(v as Map<unknown, unknown>, inner);
    if (v instanceof PyObject) {
      const out: Record<string, unknown> = {
        __global__: v.__global__,
        args: v.args.map(inner),
        state: inner(v.state),
      };
      if (v.items) out.items = record(v.items, inner);
      if (v.list) out.list = v.list.map(inner);
      return out;
    }
    return typeName(v);
  } finally {
    walk.path.delete(v);
  }
}

/** Dicts become objects; non-string keys are written as strings (optimizer state uses ints). */
function record(m: Map<unknown, unknown>, inner: (x: unknown) => unknown): Record<string, unknown> {
  return Object.fromEntries(
    [...m].map(([k, v]) => [typeof k === 'string' ? k : keyString(k), inner(v)]),
  );
}

/** Python's repr of a key, shortened: tuple keys can nest and share parts, so bound the work. */
function keyString(k: unknown, depth = 0): string {
  if (Array.isArray(k)) {
    if (depth >= 3) return '(…)';
    const items = (k as unknown[]).slice(0, 8).map((x) => keyString(x, depth + 1));
    return `(${items.join(', ')}${k.length > 8 ? ', …' : ''})`;
  }
  if (k === null) return 'None';
  if (typeof k === 'boolean') return k ? 'True' : 'False';
  if (typeof k === 'string' || typeof k === 'number' || typeof k === 'bigint') return String(k);
  return typeName(k);
}
