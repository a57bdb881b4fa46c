import { describe, expect, it } from 'vitest';
import { formatRate, RateMeter } from '../src/app/live-rate';

/** Feeds events at the given times and returns the rate after the last one. */
const after = (times: number[], meter = new RateMeter()) => {
  let r = 0;
  for (const t of times) r = meter.add(t);
  return r;
};
const every = (ms: number, count: number, from = 0) =>
  Array.from({ length: count }, (_, i) => from + i * ms);

describe('RateMeter', () => {
  it('reads a slow model at its own pace: 12 answers in 15 s are 0.8 per second, not 0', () => {
    // The B1 case: an answer every 1250 ms. A 2 s window held one or two of them.
    const r = after(every(1250, 12));
    expect(r).toBeCloseTo(0.8, 6);
  });

  it('reads a fast camera over two seconds: 30 frames/s, then 10 frames/s after a change', () => {
    const meter = new RateMeter();
    expect(after(every(1000 / 30, 150), meter)).toBeCloseTo(30, 6);
    // The camera drops to 10 frames/s: two seconds later the old pace is gone from the figure.
    const start = 149 * (1000 / 30);
    expect(after(every(100, 21, start + 100), meter)).toBeCloseTo(10, 6);
  });

  it('falls when events stop, and reads 0 once they are older than the limit', () => {
    const meter = new RateMeter();
    after(every(500, 10), meter); // 2 per second, last event at 4500 ms
    expect(meter.rate(4500)).toBeCloseTo(2, 6);
    // Ten seconds without an event: the figure is no longer 2.
    expect(meter.rate(14_500)).toBeLessThan(0.6);
    expect(meter.rate(4500 + 31_000)).toBe(0);
  });

  it('needs two events and forgets everything on reset', () => {
    const meter = new RateMeter();
    expect(meter.add(100)).toBe(0);
    expect(meter.add(600)).toBeCloseTo(2, 6);
    meter.reset();
    expect(meter.add(700)).toBe(0);
  });

  it('keeps its list short at 60 frames/s for minutes', () => {
    const meter = new RateMeter();
    expect(after(every(1000 / 60, 60 * 120), meter)).toBeCloseTo(60, 4);
    expect((meter as unknown as { stamps: number[] }).stamps.length).toBeLessThan(200);
  });
});

describe('formatRate', () => {
  it('shows two decimals below 1 per second and one above', () => {
    expect(formatRate(0.8)).toBe('0.80');
    expect(formatRate(0.25)).toBe('0.25');
    expect(formatRate(12.06)).toBe('12.1');
    expect(formatRate(0)).toBe('0');
    expect(formatRate(Number.NaN)).toBe('0');
  });
});
