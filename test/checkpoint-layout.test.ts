import { describe, expect, it } from 'vitest';
import { storageElementType } from '../src/core/checkpoint/dtypes';
import { findWeights } from '../src/core/checkpoint/layout';
import { LazyTensor, PyObject, StorageRef } from '../src/core/checkpoint/values';
import { isLensError } from '../src/core/errors';

const float32 = storageElementType('FloatStorage')!;
const tensor = () => new LazyTensor(new StorageRef('0', float32, 1), float32, 0, [1], [1]);
const sd = (...names: string[]) => new Map<unknown, unknown>(names.map((n) => [n, tensor()]));
const dict = (entries: Record<string, unknown>) =>
  new Map<unknown, unknown>(Object.entries(entries));

function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (isLensError(e)) return `${e.code}: ${e.message}`;
    throw e;
  }
  throw new Error('expected a LensError');
}

describe('findWeights', () => {
  it("prefers 'model' to an EMA copy, and otherwise the dict with most tensors", () => {
    const both = findWeights(dict({ model_ema: sd('a', 'b', 'c'), model: sd('a', 'b'), epoch: 1 }));
    expect([both.layout, both.key, both.rest.size]).toEqual(['model', 'model', 2]);
    const other = findWeights(dict({ small: sd('a'), big: sd('a', 'b'), step: 5 }));
    expect([other.layout, other.key, [...other.tensors.keys()]]).toEqual([
      'other_key',
      'big',
      ['a', 'b'],
    ]);
  });

  it("strips 'module.' and torch.compile's '_orig_mod.' only when every key has them", () => {
    const found = findWeights(sd('module._orig_mod.conv.weight', 'module._orig_mod.fc.bias'));
    expect([found.stripped, [...found.tensors.keys()]]).toEqual([
      'module._orig_mod.',
      ['conv.weight', 'fc.bias'],
    ]);
    expect(findWeights(sd('module.a', 'b')).stripped).toBeNull();
  });

  it('keeps non-tensor entries of a bare state_dict as skipped extras', () => {
    const found = findWeights(new Map<unknown, unknown>([...sd('a'), ['note', 'hello']]));
    expect([found.layout, found.skipped, found.rest.get('note')]).toEqual([
      'state_dict',
      ['note'],
      'hello',
    ]);
  });

  it('treats keys that are JavaScript internals as ordinary keys', () => {
    const found = findWeights(
      new Map<unknown, unknown>([
        ['constructor', sd('a')],
        ['__proto__', 1],
      ]),
    );
    expect([found.layout, found.key, found.rest.get('__proto__')]).toEqual([
      'other_key',
      'constructor',
      1,
    ]);
  });

  it('walks a pickled nn.Module in state_dict order, skipping non-persistent buffers', () => {
    const module = (
      params: Record<string, unknown>,
      buffers: Record<string, unknown>,
      children: Record<string, unknown>,
      skip: string[] = [],
    ) => {
      const m = new PyObject('torch.nn.modules.module.Module', []);
      m.state = dict({
        _parameters: dict(params),
        _buffers: dict(buffers),
        _non_persistent_buffers_set: new Set(skip),
        _modules: dict(children),
      });
      return m;
    };
    const bn = module({ weight: tensor() }, { running_mean: tensor(), scratch: tensor() }, {}, [
      'scratch',
    ]);
    const root = module({ scale: tensor(), bias: null }, {}, { bn, act: module({}, {}, {}) });
    const found = findWeights(root);
    expect([found.layout, [...found.tensors.keys()]]).toEqual([
      'pickled_module',
      ['scale', 'bn.weight', 'bn.running_mean'],
    ]);
  });

  it('refuses a module that contains itself', () => {
    const m = new PyObject('Loop', []);
    m.state = dict({ _parameters: sd('w'), _buffers: new Map(), _modules: new Map([['self', m]]) });
    expect(messageOf(() => findWeights(m))).toMatch(
      /^unsupported-checkpoint: .*nests more than 100 levels/,
    );
  });

  it.each([
    [
      new Map(),
      'not-a-checkpoint: This file is not a PyTorch checkpoint: it holds a dict without tensors (keys: none).',
    ],
    [
      dict({ epoch: 3, arch: 'x' }),
      "not-a-checkpoint: This file is not a PyTorch checkpoint: it holds a dict without tensors (keys: 'epoch', 'arch').",
    ],
    [
      [1, 2],
      'not-a-checkpoint: This file is not a PyTorch checkpoint: it holds a list, not a dict of tensors.',
    ],
  ])('explains a file without weights (%#)', (root, message) => {
    expect(messageOf(() => findWeights(root))).toBe(message);
  });
});
