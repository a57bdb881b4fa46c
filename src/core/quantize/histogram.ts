/**
 * Calibration statistics of one activation tensor with bounded memory: the exact minimum and
 * maximum, and a 2048-bin histogram of |x| over [0, 2048·width) (width = the first batch's max |x| / 2047). When a batch holds a larger |x|
 * the width doubles (k times) and neighbouring bins are added in pairs: exact, no interpolation,
 * and the same 2048 counts however many images are added.
 */
export const HISTOGRAM_BINS = 2048;

export class AbsHistogram {
  readonly bins = new Float64Array(HISTOGRAM_BINS);
  /** Bin width; 0 while every value seen was 0 (they are counted in bin 0). */
  width = 0;
  min = Infinity;
  max = -Infinity;
  count = 0;

  add(values: ArrayLike<number>): void {
    let absMax = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (Number.isNaN(v)) continue;
      if (v < this.min) this.min = v;
      if (v > this.max) this.max = v;
      const a = Math.abs(v);
      if (a > absMax) absMax = a;
    }
    if (!Number.isFinite(absMax)) absMax = Math.max(Math.abs(this.min), Math.abs(this.max));
    this.cover(absMax);
    const n = HISTOGRAM_BINS;
    const inv = this.width > 0 ? 1 / this.width : 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (Number.isNaN(v)) continue;
      const b = Math.floor(Math.abs(v) * inv);
      this.bins[b < n ? b : n - 1]!++;
      this.count++;
    }
  }

  /** Widens the histogram (by doubling the bin width) until it covers |x| <= absMax. */
  private cover(absMax: number): void {
    if (absMax === 0 || !Number.isFinite(absMax)) return;
    if (this.width === 0) {
      // The largest value lands inside the last bin, not on its upper edge: a value clamped into
      // the last bin would land one bin too low once the bins are paired.
      this.width = absMax / (HISTOGRAM_BINS - 1);
      return;
    }
    while (absMax > this.width * HISTOGRAM_BINS) {
      for (let j = 0; j < HISTOGRAM_BINS / 2; j++)
        this.bins[j] = this.bins[2 * j]! + this.bins[2 * j + 1]!;
      this.bins.fill(0, HISTOGRAM_BINS / 2);
      this.width *= 2;
    }
  }
}
