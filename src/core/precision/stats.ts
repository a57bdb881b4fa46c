/**
 * Per-channel accumulators over many images: the float tensor's range against fp16's limits, and
 * the noise of a simulated tensor against the float one. Channels are axis 1 of an NCHW or [N, C]
 * tensor (one channel for anything of rank 1).
 */
import { FP16_MIN_NORMAL, FP16_OVERFLOW, FP16_UNDERFLOW } from './fp16';
import { SQNR_CAP_DB, sqnrDb } from '../quantize/measure';

const layout = (length: number, dims: readonly number[]) => {
  const channels = dims.length >= 2 ? dims[1]! : 1;
  const inner = dims.length >= 2 ? dims.slice(2).reduce((a, b) => a * b, 1) : length;
  return { channels, inner };
};

/** max |x| per channel and the share of values fp16 cannot hold as they are. */
export class RangeStats {
  maxAbs: Float64Array = new Float64Array(0);
  values = 0;
  nonZero = 0;
  /** 0 < |x| < 2^-14: stored as fp16 subnormals, with fewer significant bits. */
  subnormal = 0;
  /** 0 < |x| ≤ 2^-25: rounded to zero in fp16. */
  toZero = 0;
  /** |x| ≥ 65520: Infinity in fp16. */
  overflow = 0;
  /** NaN or ±Infinity already in float32. */
  nonFinite = 0;

  add(x: ArrayLike<number>, dims: readonly number[]): void {
    const { channels, inner } = layout(x.length, dims);
    if (this.maxAbs.length !== channels) this.maxAbs = new Float64Array(channels);
    const m = this.maxAbs;
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      const a = v < 0 ? -v : v;
      if (!(a < Infinity)) {
        this.nonFinite++;
        m[Math.floor(i / inner) % channels] = Infinity;
        continue;
      }
      const c = Math.floor(i / inner) % channels;
      if (a > m[c]!) m[c] = a;
      if (a === 0) continue;
      this.nonZero++;
      if (a < FP16_MIN_NORMAL) {
        this.subnormal++;
        if (a <= FP16_UNDERFLOW) this.toZero++;
      } else if (a >= FP16_OVERFLOW) this.overflow++;
    }
    this.values += x.length;
  }
}

/** Σ f², Σ (f − q)² and the non-finite q values, per channel. */
export class ChannelNoise {
  signal: Float64Array = new Float64Array(0);
  noise: Float64Array = new Float64Array(0);
  nonFinite: Float64Array = new Float64Array(0);

  add(f: ArrayLike<number>, q: ArrayLike<number>, dims: readonly number[]): void {
    if (f.length !== q.length)
      throw new Error(`tensor sizes differ (${f.length} float vs ${q.length} simulated)`);
    const { channels, inner } = layout(f.length, dims);
    if (this.signal.length !== channels) {
      this.signal = new Float64Array(channels);
      this.noise = new Float64Array(channels);
      this.nonFinite = new Float64Array(channels);
    }
    for (let i = 0; i < f.length; i++) {
      const c = Math.floor(i / inner) % channels;
      const a = f[i]!;
      const b = q[i]!;
      if (!Number.isFinite(b) || !Number.isFinite(a)) {
        if (!Number.isFinite(b)) this.nonFinite[c]!++;
        continue;
      }
      const d = a - b;
      this.signal[c]! += a * a;
      this.noise[c]! += d * d;
    }
  }

  /** Per channel SQNR in dB; −200 for a channel with any non-finite value. */
  channelDb(): number[] {
    return Array.from(this.signal, (s, c) =>
      this.nonFinite[c]! > 0 ? -SQNR_CAP_DB : sqnrDb(s, this.noise[c]!),
    );
  }

  /** Whole-tensor SQNR; −200 when any value is non-finite. */
  get db(): number {
    if (this.nonFinite.some((n) => n > 0)) return -SQNR_CAP_DB;
    let s = 0;
    let n = 0;
    this.signal.forEach((v, c) => {
      s += v;
      n += this.noise[c]!;
    });
    return sqnrDb(s, n);
  }

  /**
   * The median channel's SQNR, among channels that carry signal (or hold non-finite values): one
   * huge channel cannot hide that the others lost their resolution, as it does in the whole-tensor
   * figure.
   */
  get medianDb(): number {
    const dbs = this.channelDb().filter((_, c) => this.signal[c]! > 0 || this.nonFinite[c]! > 0);
    if (dbs.length === 0) return SQNR_CAP_DB;
    dbs.sort((a, b) => a - b);
    const mid = dbs.length >> 1;
    return dbs.length % 2 ? dbs[mid]! : (dbs[mid - 1]! + dbs[mid]!) / 2;
  }

  get nonFiniteCount(): number {
    return this.nonFinite.reduce((a, b) => a + b, 0);
  }
}

/** The median of an array of numbers (0 for none). */
export function median(values: ArrayLike<number>): number {
  const v = Array.from(values).sort((a, b) => a - b);
  if (v.length === 0) return 0;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}
