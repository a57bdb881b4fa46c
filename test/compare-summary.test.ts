import { describe, expect, it } from 'vitest';
import { compareTop5 } from '../src/app/compare-summary';

const top = (...pairs: [number, number][]) =>
  pairs.map(([index, probability]) => ({ index, probability }));

describe('compareTop5', () => {
  it('measures the largest difference on the shared classes only', () => {
    const a = top([1, 0.5], [2, 0.2], [3, 0.1], [4, 0.05], [5, 0.01]);
    const b = top([1, 0.4], [9, 0.3], [3, 0.25], [8, 0.02], [7, 0.01]);
    const r = compareTop5(a, b);
    expect(r.sameTop1).toBe(true);
    expect(r.shared).toBe(2);
    // |0.1 - 0.25| on class 3 beats |0.5 - 0.4| on class 1.
    expect(r.maxDiff).toBeCloseTo(0.15, 12);
  });

  it('says there is no difference to report when no class is shared (not 0)', () => {
    const a = top([1, 0.5], [2, 0.2], [3, 0.1], [4, 0.05], [5, 0.01]);
    const b = top([6, 0.5], [7, 0.2], [8, 0.1], [9, 0.05], [10, 0.01]);
    expect(compareTop5(a, b)).toEqual({ sameTop1: false, shared: 0, maxDiff: null });
  });
});
