/**
 * A seeded (untrained) GhostNet state dict in RepOptimizers' 'rep' form (the zoo's layout), at any
 * width, for the bundled demo model, benchmarks and tests that need a full-size GhostNet without
 * Python. Channels follow the published stage table scaled by the width and rounded to multiples
 * of 4 (never more than 10 % down), as both official codebases build them.
 */
import type { TensorLike } from '../types';

/** [kernel, expansion, out, SE, stride] per bottleneck, grouped in stages: the 1.0x table. */
export const GHOSTNET_TABLE: readonly (readonly (readonly [
  number,
  number,
  number,
  boolean,
  1 | 2,
])[])[] = [
  [[3, 8, 16, false, 1]],
  [[3, 24, 24, false, 2]],
  [[3, 36, 24, false, 1]],
  [[5, 36, 40, true, 2]],
  [[5, 60, 40, true, 1]],
  [[3, 120, 80, false, 2]],
  [
    [3, 100, 80, false, 1],
    [3, 120, 80, false, 1],
    [3, 120, 80, false, 1],
    [3, 240, 112, true, 1],
    [3, 336, 112, true, 1],
  ],
  [[5, 336, 160, true, 2]],
  [
    [5, 480, 160, false, 1],
    [5, 480, 160, true, 1],
    [5, 480, 160, false, 1],
    [5, 480, 160, true, 1],
  ],
];

export function divisible(v: number, divisor = 4): number {
  const out = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  return out < 0.9 * v ? out + divisor : out;
}

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

export function seededGhostNet(
  width = 0.5,
  numClasses = 1000,
  seed = 0,
  head = 1280,
): Map<string, TensorLike> {
  const rand = rng(seed + 0x9e37);
  const normal = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const sd = new Map<string, TensorLike>();
  const fill = (key: string, shape: number[], f: () => number) => {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = f();
    sd.set(key, { shape, data });
  };
  const conv = (key: string, shape: [number, number, number, number], gain = 1) => {
    const std = Math.sqrt(gain / (shape[1] * shape[2] * shape[3]));
    fill(key, shape, () => normal() * std);
  };
  const bn = (name: string, c: number, gamma = 1) => {
    fill(`${name}.weight`, [c], () => gamma * (0.5 + 0.5 * rand()));
    fill(`${name}.bias`, [c], () => normal() * 0.1);
    fill(`${name}.running_mean`, [c], () => normal() * 0.1);
    fill(`${name}.running_var`, [c], () => 0.5 + rand());
    sd.set(`${name}.num_batches_tracked`, { shape: [], data: BigInt64Array.of(0n) });
  };
  const ghost = (p: string, cin: number, cout: number, gain: number) => {
    conv(`${p}.primary_conv.0.weight`, [cout, cin, 1, 1], 2);
    bn(`${p}.primary_conv.1`, cout);
    conv(`${p}.cheap_operation.0.weight`, [cout, 1, 3, 3], 1);
    bn(`${p}.cheap_operation.1`, cout, gain);
    bn(`${p}.fusion_bn`, cout, gain);
  };
  let c = divisible(16 * width);
  conv('conv_stem.weight', [c, 3, 3, 3], 2);
  bn('bn1', c);
  GHOSTNET_TABLE.forEach((stage, s) => {
    stage.forEach(([k, exp, out, se, stride], j) => {
      const p = `blocks.${s}.${j}`;
      const mid = divisible(exp * width);
      const cout = divisible(out * width);
      ghost(`${p}.ghost1`, c, mid, 0.7);
      if (stride > 1) {
        conv(`${p}.conv_dw.weight`, [mid, 1, k, k], 1);
        bn(`${p}.bn_dw`, mid);
      }
      if (se) {
        const r = divisible(mid * 0.25);
        conv(`${p}.se.conv_reduce.weight`, [r, mid, 1, 1], 2);
        fill(`${p}.se.conv_reduce.bias`, [r], () => normal() * 0.1);
        conv(`${p}.se.conv_expand.weight`, [mid, r, 1, 1], 1);
        fill(`${p}.se.conv_expand.bias`, [mid], () => 1 + normal() * 0.5);
      }
      // The residual branch adds to the shortcut: keep it smaller so depth does not blow up.
      ghost(`${p}.ghost2`, mid, cout, 0.35);
      if (c !== cout || stride !== 1) {
        conv(`${p}.shortcut.0.weight`, [c, 1, k, k], 1);
        bn(`${p}.shortcut.1`, c);
        conv(`${p}.shortcut.2.weight`, [cout, c, 1, 1], 1);
        bn(`${p}.shortcut.3`, cout);
      }
      c = cout;
    });
  });
  const last = divisible(480 * width * 2);
  const L = GHOSTNET_TABLE.length;
  conv(`blocks.${L}.0.conv.weight`, [last, c, 1, 1], 2);
  bn(`blocks.${L}.0.bn1`, last);
  conv('conv_head.weight', [head, last, 1, 1], 2);
  fill('conv_head.bias', [head], () => normal() * 0.1);
  fill('classifier.weight', [numClasses, head], () => normal() * Math.sqrt(1 / head));
  fill('classifier.bias', [numClasses], () => 0);
  return sd;
}
