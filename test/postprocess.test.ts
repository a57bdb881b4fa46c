import { describe, expect, it } from 'vitest';
import { smoothProbabilities, softmax, topK } from '../src/core/inference/postprocess';
import { thumbnailRgba } from '../src/core/image/thumbnail';

describe('softmax', () => {
  it('matches hand-computed values', () => {
    // e^0, e^1, e^2 over their sum: 1/(1+e+e^2), ...
    const s = 1 + Math.E + Math.E ** 2;
    const p = softmax([0, 1, 2]);
    expect(p[0]).toBeCloseTo(1 / s, 15);
    expect(p[1]).toBeCloseTo(Math.E / s, 15);
    expect(p[2]).toBeCloseTo(Math.E ** 2 / s, 15);
  });

  it('stays finite for huge logits (stable: subtracts the max)', () => {
    const p = softmax([1000, 1000, 999]);
    const s = 2 + Math.exp(-1);
    expect(p[0]).toBeCloseTo(1 / s, 15);
    expect(p[2]).toBeCloseTo(Math.exp(-1) / s, 15);
    expect(softmax([-1e30, 0])[1]).toBe(1);
  });

  it('sums to one', () => {
    const p = softmax(Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 7));
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });
});

describe('topK', () => {
  it('returns the k largest, largest first', () => {
    expect(topK([0.1, 0.5, 0.2, 0.9, 0.3, 0.05], 3)).toEqual([
      { index: 3, probability: 0.9 },
      { index: 1, probability: 0.5 },
      { index: 4, probability: 0.3 },
    ]);
  });

  it('keeps the lower index first on ties and skips NaN', () => {
    expect(topK([NaN, 0.2, 0.2, 0.1], 2).map((r) => r.index)).toEqual([1, 2]);
  });

  it('returns fewer than k when there are fewer values', () => {
    expect(topK([0.4, 0.6], 5).map((r) => r.index)).toEqual([1, 0]);
  });

  it('agrees with a full sort on random data', () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const values = Array.from({ length: 1000 }, rand);
    const sorted = values
      .map((p, index) => ({ index, probability: p }))
      .sort((a, b) => b.probability - a.probability);
    expect(topK(values, 5)).toEqual(sorted.slice(0, 5));
  });
});

describe('smoothProbabilities', () => {
  it('is off at 0 and mixes by hand-computed weights otherwise', () => {
    const a = Float64Array.from([1, 0]);
    const b = Float64Array.from([0, 1]);
    expect(smoothProbabilities(a, b, 0)).toBe(b);
    expect(Array.from(smoothProbabilities(a, b, 0.75))).toEqual([0.75, 0.25]);
    expect(smoothProbabilities(null, b, 0.5)).toBe(b);
  });
});

describe('thumbnailRgba', () => {
  it('averages areas by hand: 4x2 -> 2x1', () => {
    const img = {
      width: 4,
      height: 2,
      data: Uint8Array.from([
        0, 0, 0, 10, 10, 10, 100, 0, 0, 200, 0, 0, 20, 20, 20, 30, 30, 30, 0, 50, 0, 0, 150, 0,
      ]),
    };
    const t = thumbnailRgba(img, 2);
    expect([t.width, t.height]).toEqual([2, 1]);
    expect(Array.from(t.data)).toEqual([15, 15, 15, 255, 75, 50, 0, 255]);
  });
  it('keeps small images as they are', () => {
    const t = thumbnailRgba({ width: 1, height: 1, data: Uint8Array.from([1, 2, 3]) }, 240);
    expect(Array.from(t.data)).toEqual([1, 2, 3, 255]);
  });
});
