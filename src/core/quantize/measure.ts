/**
 * What the report measures, as plain accumulators over images: signal-to-quantization-noise ratios
 * and the agreement of two classifiers' outputs (the same definitions as `compare`).
 */
import { softmax, topK } from '../inference/postprocess';

/** dB values are capped here: identical tensors (no noise at all) read as 200 dB, not Infinity. */
export const SQNR_CAP_DB = 200;

/** 10·log10(Σ f² / Σ (f − q)²), capped at SQNR_CAP_DB. */
export function sqnrDb(signal: number, noise: number): number {
  if (noise <= 0) return SQNR_CAP_DB;
  if (signal <= 0) return -SQNR_CAP_DB;
  return Math.min(SQNR_CAP_DB, 10 * Math.log10(signal / noise));
}

/**
 * Σ f² and Σ (f − q)² of one tensor over many images, in all and per channel (axis 1 of an NCHW or
 * [N, C] tensor). The per-channel figure stops one huge channel from hiding the noise in all the
 * others: an activation range stretched by one outlier channel quantizes the other channels
 * coarsely, which the whole-tensor SQNR (dominated by the outlier's power) barely shows.
 */
export class NoiseSum {
  signal = 0;
  noise = 0;
  private chSignal: Float64Array | null = null;
  private chNoise: Float64Array | null = null;

  add(f: ArrayLike<number>, q: ArrayLike<number>, dims: readonly number[] = [f.length]): void {
    if (f.length !== q.length)
      throw new Error(`tensor sizes differ (${f.length} float vs ${q.length} int8)`);
    const channels = dims.length >= 2 ? dims[1]! : 1;
    const inner = dims.slice(2).reduce((a, b) => a * b, 1);
    if (!this.chSignal || this.chSignal.length !== channels) {
      this.chSignal = new Float64Array(channels);
      this.chNoise = new Float64Array(channels);
    }
    const cs = this.chSignal;
    const cn = this.chNoise!;
    for (let i = 0; i < f.length; i++) {
      const a = f[i]!;
      const d = a - q[i]!;
      const c = Math.floor(i / inner) % channels;
      cs[c]! += a * a;
      cn[c]! += d * d;
      this.signal += a * a;
      this.noise += d * d;
    }
  }
  /** Whole-tensor SQNR. */
  get db(): number {
    return sqnrDb(this.signal, this.noise);
  }
  /**
   * Noise power relative to signal power of the median channel (among those that carry signal):
   * robust to near-dead ReLU channels, whose tiny signal would swamp a mean of ratios.
   */
  get channelRelative(): number {
    if (!this.chSignal) return 0;
    const ratios: number[] = [];
    this.chSignal.forEach((s, c) => {
      if (s > 0) ratios.push(this.chNoise![c]! / s);
    });
    if (ratios.length === 0) return 0;
    ratios.sort((a, b) => a - b);
    const mid = ratios.length >> 1;
    return ratios.length % 2 ? ratios[mid]! : (ratios[mid - 1]! + ratios[mid]!) / 2;
  }
  /** −10·log10 of channelRelative: the SQNR of the median channel. */
  get channelDb(): number {
    return sqnrDb(1, this.channelRelative);
  }
}

export interface Agreement {
  count: number;
  top1Agreement: number;
  top5Overlap: number;
  maxAbsProbabilityDiff: number;
  meanAbsProbabilityDiff: number;
  /** Per image: the logits' SQNR of the second model against the first. */
  logitsSqnrDb: { image: string; db: number }[];
  meanLogitsSqnrDb: number;
  worstLogitsSqnrDb: number;
  disagreements: { image: string; float: number; int8: number }[];
}

/** Top-1 agreement, top-5 overlap, |Δp| and logits SQNR of `b` against `a`, image by image. */
export class AgreementSum {
  private count = 0;
  private agree1 = 0;
  private overlap = 0;
  private maxDiff = 0;
  private sumDiff = 0;
  private values = 0;
  private readonly perImage: { image: string; db: number }[] = [];
  private readonly disagreements: Agreement['disagreements'] = [];

  add(image: string, a: ArrayLike<number>, b: ArrayLike<number>): void {
    const pa = softmax(a);
    const pb = softmax(b);
    const ta = topK(pa, 5).map((t) => t.index);
    const tb = topK(pb, 5).map((t) => t.index);
    if (ta[0] === tb[0]) this.agree1++;
    else this.disagreements.push({ image, float: ta[0]!, int8: tb[0]! });
    this.overlap += ta.filter((i) => tb.includes(i)).length / 5;
    for (let i = 0; i < pa.length; i++) {
      const d = Math.abs(pa[i]! - pb[i]!);
      if (d > this.maxDiff) this.maxDiff = d;
      this.sumDiff += d;
    }
    this.values += pa.length;
    const n = new NoiseSum();
    n.add(a, b);
    this.perImage.push({ image, db: n.db });
    this.count++;
  }

  result(): Agreement {
    const dbs = this.perImage.map((p) => p.db);
    return {
      count: this.count,
      top1Agreement: this.agree1 / this.count,
      top5Overlap: this.overlap / this.count,
      maxAbsProbabilityDiff: this.maxDiff,
      meanAbsProbabilityDiff: this.sumDiff / this.values,
      logitsSqnrDb: this.perImage,
      meanLogitsSqnrDb: dbs.reduce((x, y) => x + y, 0) / dbs.length,
      worstLogitsSqnrDb: Math.min(...dbs),
      disagreements: this.disagreements,
    };
  }
}
