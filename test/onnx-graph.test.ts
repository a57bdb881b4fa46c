/**
 * Graph analysis against independent counts: PyTorch's MAC count and layout for the converter
 * fixtures (tools/make_convert_fixtures.py), and the tiny model's manifest entry
 * (tools/make_test_model.py).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convertStateDict } from '../src/core/convert';
import { analyzeGraph, decodeGraph, initializerFloats } from '../src/core/onnx/graph';
import { FIXTURES, loadFixture } from './convert-fixtures';
import { ROOT, TINY_MODEL } from './helpers/fixtures';

describe('ONNX graph analysis', () => {
  it('counts the tiny model as PyTorch did and finds its RepOpt layout', () => {
    const manifest = JSON.parse(readFileSync(resolve(ROOT, 'models/models.json'), 'utf8')) as {
      models: { id: string; gmacs: number; params: number }[];
    };
    const tiny = manifest.models.find((m) => m.id === 'repopt-tiny-seeded')!;
    const a = analyzeGraph(decodeGraph(new Uint8Array(readFileSync(TINY_MODEL))));
    expect(a.macs! / 1e9).toBeCloseTo(tiny.gmacs, 6);
    expect(a.repopt).toEqual({
      blocks: [1, 1, 2, 1],
      widths: [0.125, 0.125, 0.125, 0.25],
      numClasses: 1000,
      se: false,
      name: null,
      checkpointParams: tiny.params, // PyTorch's count, from tools/make_test_model.py
    });
    expect(a.unknownOps).toEqual([]);
  });

  for (const name of FIXTURES) {
    it(`${name}: MACs and layout equal PyTorch's, fp32 and fp16, and the classifier weights read back`, () => {
      const { sd, expected } = loadFixture(name);
      for (const fp16 of [false, true]) {
        const { onnx } = convertStateDict(sd, {
          inputSize: expected.inputSize,
          features: true,
          fp16,
        });
        const graph = decodeGraph(onnx);
        const a = analyzeGraph(graph);
        expect(a.inputSize).toBe(expected.inputSize);
        expect(a.macs).toBe(expected.macs);
        expect(a.repopt?.blocks).toEqual(expected.arch.blocks);
        expect(a.repopt?.se).toBe(expected.arch.se);
        expect(a.repopt?.numClasses).toBe(expected.arch.numClasses);
        if (expected.arch.mode === 'target')
          expect(a.repopt?.checkpointParams).toBe(expected.params);
        const w = initializerFloats(graph, a.classifier!.weight)!;
        const linear = sd.get('linear.weight')!;
        expect(w.dims).toEqual(
          a.classifier!.transposed ? linear.shape : [...linear.shape].reverse(),
        );
        if (a.classifier!.transposed)
          expect(Array.from(w.data)).toEqual(Array.from(linear.data as Float32Array));
      }
    });
  }
});
