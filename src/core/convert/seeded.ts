/**
 * A seeded (untrained) target-mode RepOpt-VGG state dict, for benchmarks and tests that need a
 * full-size model without downloading or Python. Weights are He-scaled so activations neither
 * vanish nor explode through the depth; BatchNorm statistics are non-trivial.
 */
import type { TensorLike } from './types';

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

export function seededStateDict(
  blocks: readonly number[],
  widths: readonly number[],
  numClasses = 1000,
  seed = 0,
): Map<string, TensorLike> {
  const rand = rng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const sd = new Map<string, TensorLike>();
  const fill = (shape: number[], f: () => number) => {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = f();
    return { shape, data };
  };
  const block = (prefix: string, cin: number, cout: number) => {
    const std = Math.sqrt(2 / (cin * 9));
    sd.set(
      `${prefix}.conv.weight`,
      fill([cout, cin, 3, 3], () => normal() * std),
    );
    sd.set(
      `${prefix}.bn.weight`,
      fill([cout], () => 0.5 + rand()),
    );
    sd.set(
      `${prefix}.bn.bias`,
      fill([cout], () => normal() * 0.1),
    );
    sd.set(
      `${prefix}.bn.running_mean`,
      fill([cout], () => normal() * 0.1),
    );
    sd.set(
      `${prefix}.bn.running_var`,
      fill([cout], () => 0.5 + 1.5 * rand()),
    );
  };
  const base = [64, 128, 256, 512];
  const stage0 = Math.min(64, Math.trunc(64 * widths[0]!));
  block('stage0', 3, stage0);
  let cin = stage0;
  for (let s = 0; s < 4; s++) {
    const cout = Math.trunc(base[s]! * widths[s]!);
    for (let b = 0; b < blocks[s]!; b++) {
      block(`stage${s + 1}.${b}`, cin, cout);
      cin = cout;
    }
  }
  sd.set(
    'linear.weight',
    fill([numClasses, cin], () => normal() * Math.sqrt(1 / cin)),
  );
  sd.set(
    'linear.bias',
    fill([numClasses], () => 0),
  );
  return sd;
}
