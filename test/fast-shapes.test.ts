/**
 * src/core/fast/shapes.ts proves shapes or says unknown (issue 20, finding 1): hand-made graphs,
 * each result worked out by the ONNX broadcasting and pooling rules.
 */
import { describe, expect, it } from 'vitest';
import { propagateShapes, subgraphReads } from '../src/core/fast/shapes';
import { attrInt, attrInts, type EditGraph, type EditNode } from '../src/core/onnx/edit';
import { DataType } from '../src/core/onnx/proto';

const FLOAT = DataType['FLOAT']!;
const dim = (v: number | string) =>
  typeof v === 'number' ? { dimValue: v } : { dimParam: v, dimValue: 0 };

function graph(nodes: EditNode[], consts: Record<string, number[]> = {}): EditGraph {
  return {
    name: 'g',
    node: nodes,
    initializer: Object.entries(consts).map(([name, dims]) => ({ name, dims, dataType: FLOAT })),
    input: [
      {
        name: 'x',
        type: { tensorType: { elemType: FLOAT, shape: { dim: ['N', 8, 7, 7].map(dim) } } },
      },
    ],
    output: [],
    valueInfo: [],
  };
}
const node = (
  opType: string,
  input: string[],
  output: string,
  attribute = [] as EditNode['attribute'],
): EditNode => ({
  opType,
  input,
  output: [output],
  attribute,
});
const chw = (g: EditGraph, name: string) => propagateShapes(g, [224, 224]).get(name)?.chw ?? null;

describe('propagateShapes', () => {
  it('broadcasts with constants whose batch axis is 1, both ways', () => {
    const g = graph(
      [
        node('GlobalAveragePool', ['x'], 'gap'),
        node('Add', ['gap', 'c77'], 'a'), // [N,8,1,1] + [1,8,7,7]
        node('AveragePool', ['x'], 'col', [attrInts('kernel_shape', [1, 7])]), // [N,8,7,1]
        node('Mul', ['row', 'col'], 'm'), // [1,8,1,7] * [N,8,7,1], constant first
        node('Add', ['x', 'scalar'], 's'),
      ],
      { c77: [1, 8, 7, 7], row: [1, 8, 1, 7], scalar: [] },
    );
    expect(chw(g, 'gap')).toEqual([8, 1, 1]);
    expect(chw(g, 'a')).toEqual([8, 7, 7]);
    expect(chw(g, 'col')).toEqual([8, 7, 1]);
    expect(chw(g, 'm')).toEqual([8, 7, 7]);
    expect(chw(g, 's')).toEqual([8, 7, 7]);
  });
  it('unknown: a constant along the batch, an operand it cannot see, a mismatch', () => {
    const g = graph(
      [
        node('Add', ['x', 'batch2'], 'b'),
        node('Add', ['x', 'made_elsewhere'], 'u'),
        node('Add', ['x', 'c5'], 'bad'), // 7 against 5: the runtime would refuse it
        node('Reshape', ['x', 'shape'], 'r'),
      ],
      { batch2: [2, 8, 7, 7], c5: [1, 8, 5, 5], shape: [4] },
    );
    for (const name of ['b', 'u', 'bad', 'r']) expect(chw(g, name), name).toBeNull();
  });
  it('pooling: floor mode computed, ceil_mode unknown; conv by its weight', () => {
    const pool = (ceil: number) =>
      node('MaxPool', ['x'], `p${ceil}`, [
        attrInts('kernel_shape', [2, 2]),
        attrInts('strides', [2, 2]),
        attrInt('ceil_mode', ceil),
      ]);
    const g = graph(
      [
        pool(0),
        pool(1),
        node('Conv', ['x', 'w'], 'conv', [attrInts('pads', [1, 1, 1, 1])]),
        node('Conv', ['x', 'w4'], 'wrongc'), // weight for 4 channels, input has 8
      ],
      { w: [16, 8, 3, 3], w4: [16, 4, 3, 3] },
    );
    expect(chw(g, 'p0')).toEqual([8, 3, 3]);
    expect(chw(g, 'p1')).toBeNull();
    expect(chw(g, 'conv')).toEqual([16, 7, 7]);
    expect(chw(g, 'wrongc')).toBeNull();
  });
  it('element types follow Cast; Concat needs equal maps', () => {
    const g = graph([
      node('Cast', ['x'], 'h', [attrInt('to', DataType['FLOAT16']!)]),
      node('GlobalAveragePool', ['x'], 'gap'),
      node('Concat', ['x', 'x'], 'cat', [attrInt('axis', 1)]),
      node('Concat', ['x', 'gap'], 'mixed', [attrInt('axis', 1)]),
    ]);
    const shapes = propagateShapes(g, [224, 224]);
    expect(shapes.get('h')?.elemType).toBe(DataType['FLOAT16']);
    expect(shapes.get('cat')?.chw).toEqual([16, 7, 7]);
    expect(shapes.get('mixed')).toBeUndefined();
  });
  it('subgraphReads: names read inside If branches, at any depth', () => {
    const inner = graph([node('Relu', ['deep'], 'y')]);
    const branch = graph([
      node('Identity', ['outer'], 'z'),
      { ...node('If', ['c'], 'w'), attribute: [{ name: 'then_branch', g: inner } as never] },
    ]);
    const g = graph([
      { ...node('If', ['c'], 'o'), attribute: [{ name: 'else_branch', g: branch } as never] },
    ]);
    const reads = subgraphReads(g);
    expect(reads.has('outer')).toBe(true);
    expect(reads.has('deep')).toBe(true);
  });
});
