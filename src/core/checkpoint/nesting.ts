/**
 * A pickle can build a list nested a million deep without a deep stack (memo + BINGET), so the
 * VM's MARK depth alone does not bound the result. Code that later walks it recursively would
 * overflow the call stack; this refuses such results first. Iterative, each object once.
 */
import { unsafe } from './fail';
import { PyObject } from './values';

export function checkNesting(root: unknown, limit: number): void {
  const seen = new Set<object>();
  const todo: [unknown, number][] = [[root, 0]];
  for (let next = todo.pop(); next; next = todo.pop()) {
    const [v, depth] = next;
    if (typeof v !== 'object' || v === null || seen.has(v)) continue;
    seen.add(v);
    if (depth > limit) throw tooDeep(limit);
    for (const child of children(v)) todo.push([child, depth + 1]);
  }
}

export function tooDeep(limit: number): Error {
  return unsafe(
    `the checkpoint nests containers more than ${limit} levels deep`,
    'no real checkpoint does (this is how a pickle bomb crashes readers)',
  );
}

/** What code walking the result would descend into. */
function children(v: object): Iterable<unknown> {
  if (Array.isArray(v)) return v as unknown[];
  if (v instanceof Map) {
    const m = v as Map<unknown, unknown>;
    return [...m.keys(), ...m.values()];
  }
  if (v instanceof Set) return v as Set<unknown>;
  if (v instanceof PyObject) return [v.args, v.state, v.items, v.list];
  return [];
}
