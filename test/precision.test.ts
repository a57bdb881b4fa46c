/**
 * The precision check on seeded faults (tools/make_precision_fixtures.py, PyTorch-made ONNX files):
 * the broken layer and channel must come first in the ranking that should catch them, and the
 * healthy control must show no fault.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCheckpoint, toFloat32 } from '../src/core/checkpoint/torch';
import {
  batchNormsOfOnnx,
  batchNormsOfStateDict,
  bnReport,
  checkPrecision,
  fp16Simulation,
  roundFp16,
  type PrecisionReport,
} from '../src/core/precision';
import { PRESETS, preprocess } from '../src/core/preprocess/preprocess';
import type { CalibrationImage } from '../src/core/quantize';
import { createNodeEngine, modelFile } from '../src/node/engine';
import { nodeQuantRunner } from '../src/node/quantize-node';
import * as ort from 'onnxruntime-node';
import { fixturePixels, ROOT } from './helpers/fixtures';

const DIR = resolve(ROOT, 'test/data/precision');
const expected = JSON.parse(readFileSync(resolve(DIR, 'expected.json'), 'utf8')) as {
  bn: { layerIndex: number; channel: number; stateDictName: string; hogMeanOverStd: number };
  weight: { layerIndex: number; channel: number };
};
const PHOTOS = ['chelsea.png', 'astronaut.png', 'coffee.png', 'rocket.jpg'];

let tensors: CalibrationImage[] | null = null;
async function images(): Promise<CalibrationImage[]> {
  tensors ??= await Promise.all(
    PHOTOS.map(async (name) => ({
      name,
      tensor: preprocess(await fixturePixels(name), PRESETS['torchvision-256-224']).tensor,
    })),
  );
  return tensors;
}

async function check(file: string): Promise<PrecisionReport> {
  const list = await images();
  return checkPrecision(readFileSync(resolve(DIR, file)), {
    images: async function* () {
      for (const img of list) yield await Promise.resolve(img);
    },
    imageCount: list.length,
    size: 224,
    createRunner: nodeQuantRunner(1),
  });
}

const layerName = (r: PrecisionReport, i: number) => r.layers[i]!.name;

describe('precision check: seeded faults come first', () => {
  it('healthy control: nothing lost in fp16, no sharp drop in either precision', async () => {
    const r = await check('healthy.onnx');
    expect(r.layers).toHaveLength(5);
    expect(r.fp16.firstBreak).toBeNull();
    expect(r.fp16.ranking[0]!.tier).toBeLessThan(2);
    expect(r.int8.firstBreak).toBeNull();
    for (const l of r.layers) {
      expect(l.fp16.nonFinite).toBe(0);
      expect(l.fp16.channelSqnrDb, l.name).toBeGreaterThan(50);
      expect(l.int8.channelSqnrDb, l.name).toBeGreaterThan(15);
    }
    expect(r.fp16.agreement.top1Agreement).toBe(1);
    expect(r.batchNorm).toBeNull();
    expect(r.batchNormNote).toMatch(/folded/);
  }, 60_000);

  it('a folded BatchNorm with mean -2000 over var 1e-10: fp16 ranks its bias channel first', async () => {
    const r = await check('bn-overflow.onnx');
    const top = r.fp16.ranking[0]!;
    expect(top.layer).toBe(layerName(r, expected.bn.layerIndex));
    expect(top.channel).toBe(expected.bn.channel);
    expect(top.kind).toBe('bias-overflow');
    expect(r.fp16.firstBreak).toBe(top.layer);
    const l = r.layers[expected.bn.layerIndex]!;
    expect(l.activations.maxAbs).toBeGreaterThan(65504);
    expect(l.fp16.nonFinite).toBeGreaterThan(0);
    // Layers before it are untouched; the ones after inherit Infinity/NaN and rank below it.
    for (const before of r.layers.slice(0, expected.bn.layerIndex))
      expect(before.fp16.nonFinite).toBe(0);
    expect(r.int8.ranking[0]!.layer).toBe(top.layer);
    expect(r.int8.ranking[0]!.channel).toBe(expected.bn.channel);
  }, 60_000);

  it('the same fault kept under fp16 range (bias 2e4): int8 ranks the channel holding the range first', async () => {
    const r = await check('bn-hog.onnx');
    const top = r.int8.ranking[0]!;
    expect(top.layer).toBe(layerName(r, expected.bn.layerIndex));
    expect(top.channel).toBe(expected.bn.channel);
    expect(top.kind).toBe('range-hog');
    expect(r.int8.firstBreak).toBe(top.layer);
    const l = r.layers[expected.bn.layerIndex]!;
    expect(l.int8.rangeShare).toBeGreaterThan(100);
    // The whole-tensor SQNR looks fine (the big channel dominates it); the median channel does not.
    expect(l.int8.sqnrDb).toBeGreaterThan(l.int8.channelSqnrDb + 20);
    expect(l.fp16.nonFinite).toBe(0);
  }, 60_000);

  it('a weight of 1e5: fp16 ranks that layer and output channel first', async () => {
    const r = await check('weight-overflow.onnx');
    const top = r.fp16.ranking[0]!;
    expect(top.layer).toBe(layerName(r, expected.weight.layerIndex));
    expect(top.channel).toBe(expected.weight.channel);
    expect(top.kind).toBe('weight-overflow');
    expect(top.value).toBe(1e5);
    expect(r.fp16.firstBreak).toBe(top.layer);
  }, 60_000);
});

describe('static BatchNorm checks', () => {
  it('from the checkpoint: the broken channel first, with PyTorch-side mean/std', async () => {
    const ckpt = await readCheckpoint(readFileSync(resolve(DIR, 'bn-hog.pth')));
    const dict = new Map([...ckpt.stateDict].map(([k, t]) => [k, toFloat32(t)]));
    const r = bnReport('checkpoint', batchNormsOfStateDict(dict))!;
    expect(r.batchNorms).toBe(4);
    expect(r.ranking[0]).toMatchObject({
      bn: expected.bn.stateDictName,
      channel: expected.bn.channel,
    });
    expect(r.ranking[0]!.meanOverStd / expected.bn.hogMeanOverStd).toBeCloseTo(1, 5);
    expect(r.flagged).toBe(1);
  });

  it('from BatchNormalization nodes of an unfolded ONNX, inside the precision report', async () => {
    const bytes = readFileSync(resolve(DIR, 'bn-hog-unfolded.onnx'));
    expect(batchNormsOfOnnx(bytes)).toHaveLength(4);
    const r = await check('bn-hog-unfolded.onnx');
    expect(r.batchNorm!.source).toBe('onnx');
    expect(r.batchNorm!.ranking[0]).toMatchObject({ bn: 'bn2', channel: expected.bn.channel });
  }, 60_000);
});

describe('the fp16 simulation model', () => {
  it("rounds like onnxruntime's Cast to float16: overflow, subnormals, ties", async () => {
    const values = new Float32Array([
      1,
      65504,
      65519,
      65520,
      -70000,
      2 ** -14,
      2 ** -24,
      2 ** -25,
      3 * 2 ** -26,
      1 + 2 ** -11,
      0.1,
    ]);
    const s = await ort.InferenceSession.create(castModel());
    const out = await s.run({ x: new ort.Tensor('float32', values, [values.length]) });
    const got = Array.from(out['y']!.data as Float32Array);
    expect(got).toEqual(Array.from(values, roundFp16));
    expect(got.slice(2, 5)).toEqual([65504, Infinity, -Infinity]);
    expect(got[7]).toBe(0);
  });

  it('keeps the model running and rounds every Conv output', () => {
    const sim = fp16Simulation(readFileSync(resolve(DIR, 'healthy.onnx')));
    expect(sim.roundedTensors).toBeGreaterThanOrEqual(9);
    expect(sim.rounded.get('input')).toBeDefined();
  });
});

/** y = Identity(x) through the fp16 simulation: y = Cast(Cast(x, FLOAT16), FLOAT). */
function castModel(): Uint8Array {
  return fp16Simulation(readFileSync(resolve(DIR, 'identity.onnx'))).bytes;
}

describe('Engine.precision (what the page worker runs)', () => {
  it('decodes the photos, skips the unreadable, and finds the seeded weight', async () => {
    const engine = createNodeEngine();
    const phases = new Set<string>();
    const blob = (name: string) =>
      new Blob([readFileSync(resolve(ROOT, 'e2e/fixtures/images', name))]);
    const out = await engine.precision({
      source: modelFile(resolve(DIR, 'weight-overflow.onnx')),
      images: [
        ...['chelsea.png', 'coffee.png'].map((name) => ({ name, file: blob(name) })),
        { name: 'broken.jpg', file: new Blob(['not a jpeg']) },
      ],
      preset: 'torchvision-256-224',
      onProgress: (p) => phases.add(p.phase),
    });
    await engine.dispose();
    expect(out.skipped.map((s) => s.name)).toEqual(['broken.jpg']);
    expect([...phases]).toEqual(['calibrate', 'measure']);
    expect(out.report.images).toBe(2);
    expect(out.report.fp16.ranking[0]).toMatchObject({
      layer: out.report.layers[expected.weight.layerIndex]!.name,
      channel: expected.weight.channel,
      kind: 'weight-overflow',
    });
  }, 60_000);
});
