import { runOnnx } from './helpers/onnx-run';
import { describe, expect, it } from 'vitest';
import { convertStateDict, countParams, detectArch } from '../src/core/convert';
import { seededStateDict } from '../src/core/convert/seeded';
import type { TensorLike } from '../src/core/convert/types';

describe('seeded state dicts (benchmark models without Python)', () => {
  it('are RepOpt-VGG target-mode checkpoints the converter accepts, deterministic by seed', async () => {
    const sd = seededStateDict([1, 2, 2, 1], [0.25, 0.25, 0.25, 0.5], 1000, 3);
    expect(detectArch(sd)).toMatchObject({
      mode: 'target',
      blocks: [1, 2, 2, 1],
      numClasses: 1000,
      se: false,
    });
    // 3->16, 16->16, 16->32, 32->32, 32->64, 64->64, 64->256: conv + BN weight/bias, then linear.
    const convs = [
      [3, 16],
      [16, 16],
      [16, 32],
      [32, 32],
      [32, 64],
      [64, 64],
      [64, 256],
    ] as const;
    expect(countParams(sd)).toBe(
      convs.reduce((n, [i, o]) => n + i * o * 9 + 2 * o, 0) + 256 * 1000 + 1000,
    );
    expect(
      seededStateDict([1, 2, 2, 1], [0.25, 0.25, 0.25, 0.5], 1000, 3).get('stage2.1.conv.weight')!
        .data,
    ).toEqual(sd.get('stage2.1.conv.weight')!.data);
    const input = new Float32Array(3 * 224 * 224).map((_, i) => Math.sin(i));
    const out = await runOnnx(convertStateDict(sd).onnx, {
      input: { data: input, dims: [1, 3, 224, 224] },
    });
    const logits = out['logits']!.data;
    // The converted model computes what the state dict says: the same network in float64, here.
    const want = forward64(sd, input, 224);
    const scale = Math.max(...want.map(Math.abs));
    let worst = 0;
    want.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - logits[i]!))));
    console.log(
      `seeded model vs float64: max |dlogit| ${(worst / scale).toExponential(2)} of the largest`,
    );
    // Measured 5.2e-7 of the largest logit (float32 against float64); the bound leaves room.
    expect(worst / scale).toBeLessThan(1e-5);
    // He-scaled weights: the logits keep a useful spread through the depth.
    const std = Math.sqrt(logits.reduce((a, v) => a + v * v, 0) / logits.length);
    expect(std).toBeGreaterThan(0.01);
    expect(std).toBeLessThan(100);
  });
});

/**
 * Target-mode RepOpt-VGG in float64, straight from the state dict: each block a 3x3 conv (stride 2
 * for the first block of each stage and for stage0, padding 1), BatchNorm (eps 1e-5) and ReLU, then
 * global average pooling and the Linear layer. Independent of the converter's fusing.
 */
function forward64(sd: Map<string, TensorLike>, input: Float32Array, size: number): number[] {
  let x = Float64Array.from(input);
  let [c, h] = [3, size];
  const names = [...sd.keys()]
    .filter((k) => k.endsWith('.conv.weight'))
    .map((k) => k.slice(0, -12));
  for (const prefix of names) {
    const w = sd.get(`${prefix}.conv.weight`)!;
    const [k] = w.shape as [number];
    const stride = prefix === 'stage0' || prefix.endsWith('.0') ? 2 : 1;
    const oh = Math.floor((h + 2 - 3) / stride) + 1;
    const out = new Float64Array(k * oh * oh);
    const bn = (p: string) => sd.get(`${prefix}.bn.${p}`)!.data as Float32Array;
    const [gamma, beta, mean, variance] = [
      bn('weight'),
      bn('bias'),
      bn('running_mean'),
      bn('running_var'),
    ];
    const wd = w.data as Float32Array;
    for (let o = 0; o < k; o++)
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < oh; j++) {
          let sum = 0;
          for (let ci = 0; ci < c; ci++)
            for (let r = 0; r < 3; r++) {
              const y = i * stride + r - 1;
              if (y < 0 || y >= h) continue;
              for (let t = 0; t < 3; t++) {
                const z = j * stride + t - 1;
                if (z < 0 || z >= h) continue;
                sum += wd[((o * c + ci) * 3 + r) * 3 + t]! * x[(ci * h + y) * h + z]!;
              }
            }
          const v = (gamma[o]! * (sum - mean[o]!)) / Math.sqrt(variance[o]! + 1e-5) + beta[o]!;
          out[(o * oh + i) * oh + j] = Math.max(0, v);
        }
    [x, c, h] = [out, k, oh];
  }
  const pooled = Array.from({ length: c }, (_, ci) => {
    let sum = 0;
    for (let i = 0; i < h * h; i++) sum += x[ci * h * h + i]!;
    return sum / (h * h);
  });
  const lw = sd.get('linear.weight')!.data as Float32Array;
  const lb = sd.get('linear.bias')!.data as Float32Array;
  return Array.from(lb, (b, n) => pooled.reduce((a, p, ci) => a + lw[n * c + ci]! * p, b));
}
