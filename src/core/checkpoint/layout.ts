/**
 * Where the weights are in what torch.load would return. Training scripts wrap the state_dict
 * ({'model': sd, 'optimizer': ..., 'epoch': ...}; {'state_dict': sd, ...}), DataParallel prefixes
 * every key with 'module.', torch.compile with '_orig_mod.', and torch.save(model) pickles the
 * whole nn.Module. This finds the one dict of tensors meant, and says how it found it.
 */
import { notCheckpoint, unsupported } from './fail';
import type { CheckpointLayout } from './types';
import { LazyTensor, PyObject, typeName } from './values';

export interface FoundWeights {
  tensors: Map<string, LazyTensor>;
  layout: CheckpointLayout;
  /** The top-level key holding the weights; null when the file is the weights. */
  key: string | null;
  stripped: string | null;
  /** Keys of the chosen dict whose values are not tensors. */
  skipped: string[];
  /** Top-level entries other than the weights (and the skipped ones of a bare state_dict). */
  rest: Map<string, unknown>;
}

/** Keys training scripts store the weights under, most conventional first. */
const PREFERRED_KEYS = [
  'model state_dict model_state_dict net network module weights params',
  'model_ema ema state_dict_ema',
].flatMap((group) => group.split(' '));
const LAYOUT_OF_KEY = new Map<string, CheckpointLayout>([
  ['model', 'model'],
  ['state_dict', 'state_dict_key'],
]);
const STRIPPABLE = ['module.', '_orig_mod.'];
/** nn.Modules nest a few levels; deeper is a crafted file (and would recurse without end). */
const MAX_MODULE_DEPTH = 100;
/** Modules visited; a shared submodule is visited once per path, so a crafted DAG could explode. */
const MAX_MODULE_VISITS = 100_000;

export function findWeights(root: unknown): FoundWeights {
  if (root instanceof Map) {
    const top = stringKeyed(root);
    if (top && top.size > 0 && countTensors(top) === top.size)
      return finish(top, 'state_dict', null, new Map());
    if (top) {
      const candidate = pickChild(top);
      if (candidate) {
        const [key, tensors] = candidate;
        const rest = new Map([...top].filter(([k]) => k !== key));
        return finish(tensors, LAYOUT_OF_KEY.get(key) ?? 'other_key', key, rest);
      }
      if (countTensors(top) > 0) return finish(top, 'state_dict', null, new Map());
    }
    const keys = [...root.keys()]
      .slice(0, 8)
      .map((k) => (typeof k === 'string' ? `'${k.slice(0, 40)}'` : typeName(k)));
    throw notCheckpoint(`it holds a dict without tensors (keys: ${keys.join(', ') || 'none'})`);
  }
  const module = moduleTensors(root);
  if (module) return finish(module, 'pickled_module', null, new Map());
  throw notCheckpoint(`it holds a ${typeName(root)}, not a dict of tensors`);
}

function stringKeyed(m: Map<unknown, unknown>): Map<string, unknown> | null {
  for (const k of m.keys()) if (typeof k !== 'string') return null;
  return m as Map<string, unknown>;
}

function countTensors(m: Map<string, unknown>): number {
  let n = 0;
  for (const v of m.values()) if (v instanceof LazyTensor) n++;
  return n;
}

/** The child dict (or pickled module) of tensors: a preferred key, else the one with most tensors. */
function pickChild(top: Map<string, unknown>): [string, Map<string, unknown>] | null {
  const candidates = new Map<string, Map<string, unknown>>();
  for (const [key, value] of top) {
    const inner = value instanceof Map ? stringKeyed(value) : moduleTensors(value);
    if (inner && countTensors(inner) > 0) candidates.set(key, inner);
  }
  for (const key of PREFERRED_KEYS) {
    const found = candidates.get(key);
    if (found) return [key, found];
  }
  let best: [string, Map<string, unknown>] | null = null;
  for (const [key, inner] of candidates) {
    if (!best || countTensors(inner) > countTensors(best[1])) best = [key, inner];
  }
  return best;
}

function finish(
  entries: Map<string, unknown>,
  layout: CheckpointLayout,
  key: string | null,
  rest: Map<string, unknown>,
): FoundWeights {
  const tensors = new Map<string, LazyTensor>();
  const skipped: string[] = [];
  for (const [name, value] of entries) {
    if (value instanceof LazyTensor) tensors.set(name, value);
    else {
      skipped.push(name);
      if (key === null) rest.set(name, value);
    }
  }
  const { map, stripped } = stripPrefixes(tensors);
  return { tensors: map, layout, key, stripped, skipped, rest };
}

/** Strips 'module.' (and torch.compile's '_orig_mod.') when every key has it, repeatedly. */
function stripPrefixes(tensors: Map<string, LazyTensor>): {
  map: Map<string, LazyTensor>;
  stripped: string | null;
} {
  let map = tensors;
  let stripped = '';
  for (let again = true; again && map.size > 0;) {
    again = false;
    for (const prefix of STRIPPABLE) {
      if ([...map.keys()].every((k) => k.startsWith(prefix) && k.length > prefix.length)) {
        map = new Map([...map].map(([k, v]) => [k.slice(prefix.length), v]));
        stripped += prefix;
        again = true;
      }
    }
  }
  return { map, stripped: stripped || null };
}

/**
 * torch.save(model): an nn.Module record whose state holds `_parameters`, `_buffers` and
 * `_modules`. Keys come out in state_dict() order: a module's parameters, its persistent buffers,
 * then each child's. Returns null for anything that is not a module.
 */
function moduleTensors(value: unknown): Map<string, unknown> | null {
  if (!isModule(value)) return null;
  const out = new Map<string, unknown>();
  collect(value, '', out, 0, { visits: 0 });
  return out;
}

function isModule(v: unknown): v is PyObject & { state: Map<unknown, unknown> } {
  return (
    v instanceof PyObject &&
    v.state instanceof Map &&
    v.state.get('_modules') instanceof Map &&
    v.state.get('_parameters') instanceof Map
  );
}

function collect(
  module: PyObject & { state: Map<unknown, unknown> },
  prefix: string,
  out: Map<string, unknown>,
  depth: number,
  walk: { visits: number },
): void {
  if (depth > MAX_MODULE_DEPTH || ++walk.visits > MAX_MODULE_VISITS) {
    throw unsupported(
      `its pickled nn.Module nests more than ${MAX_MODULE_DEPTH} levels deep or has more than ${MAX_MODULE_VISITS.toLocaleString('en-US')} submodules`,
    );
  }
  const state = module.state;
  const skip = state.get('_non_persistent_buffers_set');
  for (const field of ['_parameters', '_buffers']) {
    const entries = state.get(field);
    if (!(entries instanceof Map)) continue;
    for (const [name, tensor] of entries) {
      if (typeof name !== 'string' || tensor === null) continue;
      if (field === '_buffers' && skip instanceof Set && skip.has(name)) continue;
      out.set(prefix + name, tensor);
    }
  }
  const children = state.get('_modules');
  if (!(children instanceof Map)) return;
  for (const [name, child] of children) {
    if (typeof name === 'string' && isModule(child))
      collect(child, `${prefix}${name}.`, out, depth + 1, walk);
  }
}
