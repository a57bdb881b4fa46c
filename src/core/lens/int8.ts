/**
 * int8 (QDQ) graphs on the lens kernels (src/kernels/int8.c). The claim (graph.ts) turns
 * QuantizeLinear / DequantizeLinear of activations into uint8 values and folds DequantizeLinear of
 * integer initializers into float constants that keep their integers. `fuseInt8` then does what
 * onnxruntime's QDQ fusion does for the pattern our quantizer writes:
 *   DQ(x uint8) -> Conv(DQ(w int8, per channel), DQ(b int32)) [-> Relu] -> Q   => QLinearConv
 *   DQ(x uint8) -> Gemm(DQ(w int8), DQ(b int32)) -> float                    => QGemm
 * and runs them as integer arithmetic with onnxruntime's requantization (MLAS). Anything else
 * (depthwise, a layer kept in float, a float bias) runs in float on the dequantized values, as
 * onnxruntime runs what it does not fuse.
 */
import { convGeometry, split, type ConvSpec } from './conv';
import type { LensOp } from './graph';
import {
  im2colGeometry,
  NO_CLAMP,
  windowArgs,
  type ConvGeometry,
  type KernelCall,
  type LensKernels,
} from './kernels';

/** An integer initializer behind a DequantizeLinear, with its parameters. */
export interface QuantInfo {
  type: 'int8' | 'uint8' | 'int32';
  dims: number[];
  data: Int8Array | Uint8Array | Int32Array;
  /** One per channel along `axis`, or one for the tensor. */
  scales: Float32Array;
  zeroPoints: Int32Array;
  axis: number;
}

/** A Conv with uint8 input and output and int8 weights (zero point 0), groups 1 or depthwise. */
export interface QConvSpec extends Omit<ConvSpec, 'weights' | 'bias' | 'clamp'> {
  /** ONNX layout [cout][cin][kh][kw]. */
  weights: Int8Array;
  /** int32, scale x_scale * w_scale (not checked: onnxruntime uses the integers as they are). */
  bias: Int32Array | null;
  xScale: number;
  xZero: number;
  /** One per output channel. */
  wScales: Float32Array;
  yScale: number;
  yZero: number;
  /** A Relu fused before the QuantizeLinear. */
  relu: boolean;
}

export type Int8Op =
  /** float -> uint8 (y is a uint8 value). */
  | { op: 'quantize'; x: string; y: string; scale: number; zeroPoint: number }
  /** uint8 -> float. */
  | { op: 'dequantize'; x: string; y: string; scale: number; zeroPoint: number }
  | { op: 'qconv'; name: string; x: string; y: string; spec: QConvSpec }
  /** y[1][m] = float(sum_k (x[k] - xZero) w[m][k] + bias[m]) * xScale * wScales[m]. */
  | {
      op: 'qdense';
      x: string;
      y: string;
      m: number;
      k: number;
      /** Row-major [m][k]. */
      w: Int8Array;
      bias: Int32Array | null;
      xScale: number;
      xZero: number;
      wScales: Float32Array;
    };

const isRelu = (c: { lo: number; hi: number }) => c.lo === 0 && c.hi === Infinity;
const isNone = (c: { lo: number; hi: number }) => c.lo === -Infinity && c.hi === Infinity;

/** Per-channel int8 weights with zero point 0 (or per tensor), as `channels` scales. */
function int8Scales(q: QuantInfo, channels: number, axis: number): Float32Array | null {
  if (q.type !== 'int8' || q.zeroPoints.some((z) => z !== 0)) return null;
  if (q.scales.length === 1) return new Float32Array(channels).fill(q.scales[0]!);
  return q.axis === axis && q.scales.length === channels ? q.scales : null;
}
const int32Bias = (q: QuantInfo | null) =>
  q && q.type === 'int32' && q.zeroPoints.every((z) => z === 0) ? (q.data as Int32Array) : null;

function reads(o: LensOp): string[] {
  if ('a' in o) return [o.a, o.b].flatMap((v) => ('value' in v ? [v.value] : []));
  return 'x' in o ? [o.x] : [];
}

/** Replaces the fusable QDQ patterns by integer ops (see the header); keeps everything else. */
export function fuseInt8(ops: LensOp[], outputs: ReadonlySet<string>): LensOp[] {
  const readers = new Map<string, number>();
  for (const o of ops) for (const r of reads(o)) readers.set(r, (readers.get(r) ?? 0) + 1);
  const producer = new Map<string, LensOp>(ops.map((o) => [o.y, o]));
  const quantizeOf = new Map<string, LensOp>();
  for (const o of ops) if (o.op === 'quantize') quantizeOf.set(o.x, o);
  const replaced = new Map<LensOp, LensOp | null>();
  for (const o of ops) {
    const d = 'x' in o ? producer.get(o.x) : undefined;
    if (d?.op !== 'dequantize') continue;
    if (o.op === 'conv' && o.quant) {
      const s = o.spec;
      // Before fuseActivations: a Relu between the Conv and its QuantizeLinear is its own op.
      const after = ops.filter((r) => reads(r).includes(o.y));
      const relu =
        after.length === 1 && after[0]!.op === 'clamp' && isRelu(after[0].clamp) ? after[0] : null;
      const out = relu ? relu.y : o.y;
      const q = quantizeOf.get(out);
      const wScales = int8Scales(o.quant.w, s.cout, 0);
      const bias = int32Bias(o.quant.b);
      if (
        q?.op !== 'quantize' ||
        readers.get(o.y) !== 1 ||
        readers.get(out) !== 1 ||
        outputs.has(o.y) ||
        outputs.has(out) ||
        (s.groups !== 1 && !(s.groups === s.cin && s.groups === s.cout)) ||
        !wScales ||
        (s.bias !== null && !bias) ||
        !(isNone(s.clamp) || isRelu(s.clamp))
      )
        continue;
      replaced.set(q, null);
      if (relu) replaced.set(relu, null);
      replaced.set(o, {
        op: 'qconv',
        name: o.name,
        x: d.x,
        y: q.y,
        spec: {
          cin: s.cin,
          cout: s.cout,
          kh: s.kh,
          kw: s.kw,
          strides: s.strides,
          pads: s.pads,
          groups: s.groups,
          weights: o.quant.w.data as Int8Array,
          bias,
          xScale: d.scale,
          xZero: d.zeroPoint,
          wScales,
          yScale: q.scale,
          yZero: q.zeroPoint,
          relu: relu !== null || isRelu(s.clamp),
        },
      });
    } else if (o.op === 'dense' && o.quant) {
      const { transB } = o.quant;
      const wScales = int8Scales(o.quant.w, o.m, transB ? 0 : 1);
      const bias = int32Bias(o.quant.b);
      if (!wScales || (o.bias !== null && !bias)) continue;
      const raw = o.quant.w.data as Int8Array;
      const w = transB ? raw : new Int8Array(o.m * o.k);
      if (!transB)
        for (let i = 0; i < o.k; i++)
          for (let j = 0; j < o.m; j++) w[j * o.k + i] = raw[i * o.m + j]!;
      replaced.set(o, {
        op: 'qdense',
        x: d.x,
        y: o.y,
        m: o.m,
        k: o.k,
        w,
        bias,
        xScale: d.scale,
        xZero: d.zeroPoint,
        wScales,
      });
    }
  }
  let out = ops.flatMap((o) => {
    const r = replaced.get(o);
    return r === undefined ? [o] : r ? [r] : [];
  });
  // A dequantize that nothing reads any more goes.
  const read = new Set(out.flatMap(reads));
  out = out.filter((o) => o.op !== 'dequantize' || read.has(o.y) || outputs.has(o.y));
  return out;
}

/** The int8 kernels' exports (src/kernels/int8.c). Pointers are byte offsets. */
export interface Int8Exports {
  lens_quantize_u8(this: void, x: number, n: number, scale: number, zp: number, y: number): void;
  lens_dequantize_u8(this: void, x: number, n: number, scale: number, zp: number, y: number): void;
  lens_qdot_probe(this: void): number;
  lens_qgemv_u8i8(this: void, ...args: number[]): void;
  lens_qgemm_u8i8(this: void, ...args: number[]): void;
  lens_im2col_u8(this: void, ...args: number[]): void;
  lens_qconv_ref(this: void, ...args: number[]): void;
  lens_qwino_pack(this: void, ...args: number[]): void;
}

/**
 * Which integer dot the GEMM runs on this engine: the fastest of those lens_qdot_probe found exact.
 * 2 relaxed, whole bytes; 1 relaxed, 7-bit halves; 0 the SIMD128 int16 dot (exact everywhere).
 * The probe's lowest answer of a few calls counts, because an engine may compile it differently in
 * its tiers (Node 20 does). Where only 7-bit halves are exact, the relaxed dot is the slower one on
 * some CPUs: x86 without AVX-VNNI (Zen 4 here) lowers it to pmaddubsw + pmaddwd + paddd, two per
 * quad of k, and the int16 dot wins (B1 int8 in the page: 356 ms on 7-bit halves); where the dot
 * is one instruction (Arm's sdot) the halves win. So the relaxed dot and the int16 one are timed
 * once, here, and the faster runs.
 */
const modes = new WeakMap<LensKernels, number>();
export function qdotMode(k: LensKernels): number {
  let m = modes.get(k);
  if (m === undefined) {
    m = Math.min(...Array.from({ length: 4 }, () => k.int8.lens_qdot_probe()));
    if (m > 0) {
      const [relaxed, int16] = timeQdotModes(k, [m, 0]);
      if (int16! < relaxed!) m = 0;
    }
    modes.set(k, m);
  }
  return m;
}

/**
 * The best time (ms) of a small GEMM (32 x 576 x 64: k as in a 64-channel 3x3 layer) in each mode,
 * the modes interleaved over several rounds after a warm-up (the engine's optimising tier takes over
 * after a few calls). Its buffers are freed after.
 */
export function timeQdotModes(k: LensKernels, candidates: readonly number[]): number[] {
  const M = 32;
  const N = 64;
  const Kp = 576;
  const mark = k.used;
  try {
    const fill = (n: number, seed: number) =>
      Uint8Array.from({ length: n }, (_, i) => (i * 97 + seed * 31 + ((i * i) >> 5)) & 255);
    const a = k.putBytes(fill(M * Kp, 1));
    const b = k.putBytes(fill(Kp * N, 2));
    const c = k.alloc((M * N) / 4);
    const bias = k.alloc(M);
    const scale = k.put(new Float32Array(M).fill(1e-4));
    const run = (mode: number) =>
      k.int8.lens_qgemm_u8i8(M, N, Kp, a, b, c, N, bias, scale, 0, 0, 255, mode);
    const best = candidates.map(() => Infinity);
    for (let round = 0; round < 8; round++)
      candidates.forEach((mode, i) => {
        const t0 = performance.now();
        for (let r = 0; r < 4; r++) run(mode);
        // The first rounds only warm the code up.
        if (round >= 2) best[i] = Math.min(best[i]!, performance.now() - t0);
      });
    return best;
  } finally {
    k.release(mark);
  }
}

export function putBytes(k: LensKernels, data: Int8Array | Uint8Array): number {
  return k.putBytes(data);
}
export function putInt32(k: LensKernels, data: Int32Array): number {
  const p = k.alloc(data.length);
  new Int32Array(k.memory.buffer, p, data.length).set(data);
  return p;
}

/**
 * int8 weights [rows][k] in the GEMM's A layout: blocks of 4 rows, for each quad of k (k padded
 * to a multiple of 4 with zeros) 16 bytes, row r's 4 values at 4 r.
 */
export function packQWeights(w: Int8Array, rows: number, k: number): Int8Array {
  const kp = Math.ceil(k / 4) * 4;
  const out = new Int8Array(Math.ceil(rows / 4) * 4 * kp);
  for (let r = 0; r < rows; r++) {
    const base = Math.floor(r / 4) * 4 * kp + (r % 4) * 4;
    for (let i = 0; i < k; i++) out[base + (i >> 2) * 16 + (i & 3)] = w[r * k + i]!;
  }
  return out;
}

/**
 * A convolution's weights ([cout][cin][kh][kw]) as the GEMM's A in im2col's row order: k =
 * (ky * kw + kx) * cp + ci, cp = cin rounded up to 4 (zeros past cin).
 */
export function packQConvWeights(s: Pick<QConvSpec, 'weights' | 'cout' | 'cin' | 'kh' | 'kw'>): {
  a: Int8Array;
  kp: number;
} {
  const cp = Math.ceil(s.cin / 4) * 4;
  const taps = s.kh * s.kw;
  const kp = taps * cp;
  const rows = new Int8Array(s.cout * kp);
  for (let co = 0; co < s.cout; co++)
    for (let ci = 0; ci < s.cin; ci++)
      for (let t = 0; t < taps; t++)
        rows[co * kp + t * cp + ci] = s.weights[(co * s.cin + ci) * taps + t]!;
  return { a: packQWeights(rows, s.cout, kp), kp };
}

/** bias[m] - zx * sum_k w[m][k] (int32, wrapping as the kernels' sums do). */
export function foldZeroPoint(
  w: Int8Array,
  rows: number,
  k: number,
  bias: Int32Array | null,
  zx: number,
): Int32Array {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let i = 0; i < k; i++) s += w[r * k + i]!;
    out[r] = ((bias?.[r] ?? 0) - Math.imul(zx, s)) | 0;
  }
  return out;
}

/** onnxruntime's QLinearConv output scale per channel: x_scale * w_scale / y_scale in float32. */
export const requantScales = (s: Pick<QConvSpec, 'xScale' | 'wScales' | 'yScale'>): Float32Array =>
  s.wScales.map((w) => Math.fround(Math.fround(s.xScale * w) / s.yScale));

/**
 * The largest input channel count integer Winograd takes: its sums wrap in int32 and are exact
 * while the true 4 y fits, |4 y| <= 4 * cin * 9 * 255 * 128 (src/kernels/int8wino.c).
 */
export const QWINO_MAX_CIN = Math.floor((2 ** 31 - 1) / (4 * 9 * 255 * 128));

/** A 3x3 stride-1 convolution (groups 1) that integer Winograd F(2x2, 3x3) runs exactly. */
export function qwinoFits(s: Pick<QConvSpec, 'kh' | 'kw' | 'strides' | 'groups' | 'cin'>): boolean {
  return (
    s.kh === 3 &&
    s.kw === 3 &&
    s.strides[0] === 1 &&
    s.strides[1] === 1 &&
    s.groups === 1 &&
    s.cin <= QWINO_MAX_CIN
  );
}

/**
 * Whether a layer takes integer Winograd: it fits, the engine's dot is the int16 one, and its
 * int16 weights stay within what the model has left of its budget (QWINO_U_BUDGET). With the
 * int16 dot, integer Winograd works on int16 products too, 2.25 times fewer of them; where a
 * relaxed dot won the timing (whole bytes with VNNI, or Arm's sdot on 7-bit halves) it does 16
 * multiply-adds per instruction on the bytes as they are, and the direct form keeps it.
 */
export function useQwino(s: QConvSpec, mode: number, budgetLeft: number): boolean {
  return mode === 0 && qwinoFits(s) && qwinoWeightBytes(s) <= budgetLeft;
}

/** Integer Winograd's packed int16 weights for one layer (U, cout rounded up to 4). */
export const qwinoWeightBytes = (s: Pick<QConvSpec, 'cin' | 'cout'>): number =>
  16 * Math.ceil(s.cout / 4) * 4 * Math.ceil(s.cin / 2) * 2 * 2;

/**
 * A model's int8 layers take integer Winograd while their int16 weights total at most this; the
 * rest run direct. 1 GiB: B1's take 138 MB, L2's 350 MB; a larger int8 file (up to the 1.6 GB
 * the page opens) still fits WebAssembly's 4 GiB.
 */
export const QWINO_U_BUDGET = 2 ** 30;

/**
 * At most this many bytes of int32 products (Mo) at once: a layer with more tiles runs in chunks of
 * panels, so that a large map (a 224x224 stride-1 layer: 51 MB for 64 channels) does not take
 * scratch memory in proportion. B1's layers fit one chunk each (6.4 MB at most).
 */
export const QWINO_CHUNK_BYTES = 8 * 2 ** 20;

/**
 * Integer Winograd's geometry at an h x w output, and its buffers (bytes): xp, V and Mo for one
 * chunk of `chunk` panels (see int8wino.c).
 */
export function qwinoSizes(
  cin: number,
  cout: number,
  ho: number,
  wo: number,
  chunkBytes = QWINO_CHUNK_BYTES,
) {
  const th = Math.ceil(ho / 2);
  const tw = Math.ceil(wo / 2);
  const t = th * tw;
  const p = Math.ceil(t / 8);
  const k2 = Math.ceil(cin / 2);
  const hp = 2 * th + 2;
  const wp = 2 * tw + 2;
  const moPerPanel = 16 * Math.ceil(cout / 4) * 4 * 8 * 4;
  const chunk = Math.max(1, Math.min(p, Math.floor(chunkBytes / moPerPanel)));
  const xp = Math.ceil((cin * hp * wp) / 64) * 64;
  const v = 16 * chunk * k2 * 16 * 2;
  const mo = moPerPanel * chunk;
  return { th, tw, t, p, chunk, hp, wp, xp, v, mo };
}

/**
 * One quantized convolution: weights packed once. A 3x3 stride-1 one runs as integer Winograd
 * F(2x2, 3x3) (int8wino.c) where the engine's dot is the int16 one; others, and all where a
 * relaxed dot runs, as im2col (uint8) + the integer GEMM; depthwise runs a direct scalar loop on
 * the weights as ONNX stores them. All three give the same integers.
 */
export class PackedQConv {
  readonly method: 'int8-im2col' | 'int8-depthwise' | 'int8-winograd-f23';
  /** The shape and parameters; `clamp` says what the store clamps (Relu or nothing). */
  readonly spec: Omit<QConvSpec, 'weights' | 'bias'> & Pick<ConvSpec, 'clamp'>;
  private readonly a: number;
  private readonly bias: number;
  private readonly scale: number;
  private readonly kp: number;
  readonly packedBytes: number;

  constructor(
    k: LensKernels,
    spec: QConvSpec,
    /** The dot the GEMM runs (qdotMode); 0 is exact everywhere. */
    private readonly mode = qdotMode(k),
    /** Integer Winograd where it fits (`qwinoFits`); the model decides (`useQwino`). */
    winograd = false,
    /** Integer Winograd's products at most this many bytes at once (tests make it small). */
    private readonly chunkBytes = QWINO_CHUNK_BYTES,
  ) {
    const { weights, bias, ...rest } = spec;
    this.spec = { ...rest, clamp: spec.relu ? { lo: 0, hi: Infinity } : NO_CLAMP };
    const padded = Math.ceil(spec.cout / 4) * 4;
    const b = new Int32Array(padded);
    if (winograd && qwinoFits(spec)) {
      this.method = 'int8-winograd-f23';
      this.kp = 0;
      const bytes = qwinoWeightBytes(spec);
      this.a = k.alloc(bytes / 4);
      // The raw weights only while they are transformed.
      const mark = k.used;
      k.int8.lens_qwino_pack(putBytes(k, weights), spec.cout, spec.cin, this.a, 0, padded);
      k.release(mark);
      this.packedBytes = bytes;
      if (bias) b.set(bias); // d = x - zx in the transform: no zero point to fold
    } else if (spec.groups !== 1) {
      this.method = 'int8-depthwise';
      this.kp = 0;
      this.a = putBytes(k, weights);
      this.packedBytes = weights.length;
      if (bias) b.set(bias); // the scalar loop subtracts the zero point itself
    } else {
      this.method = 'int8-im2col';
      const kk = spec.cin * spec.kh * spec.kw;
      const { a: packed, kp } = packQConvWeights(spec);
      this.kp = kp;
      this.a = putBytes(k, packed);
      this.packedBytes = packed.length;
      b.set(foldZeroPoint(weights, spec.cout, kk, bias, spec.xZero));
    }
    this.bias = putInt32(k, b);
    const sc = new Float32Array(padded);
    sc.set(requantScales(spec));
    this.scale = k.put(sc);
  }

  geometry(h: number, w: number): ConvGeometry {
    return convGeometry(
      { ...this.spec, weights: new Float32Array(0), bias: null, clamp: NO_CLAMP },
      h,
      w,
    );
  }

  /** Floats of scratch (the uint8 im2col panels, or Winograd's buffers) at an h x w input. */
  scratchFloats(h: number, w: number): number {
    if (this.method === 'int8-depthwise') return 0;
    const g = this.geometry(h, w);
    if (this.method === 'int8-winograd-f23') {
      const z = qwinoSizes(g.cin, g.cout, g.ho, g.wo, this.chunkBytes);
      return (z.xp + z.v + z.mo) / 4 + 16;
    }
    return Math.ceil((this.kp * Math.ceil((g.ho * g.wo) / 4) * 4) / 4) + 16;
  }

  /**
   * Two phases, like PackedConv's im2col: the panels split over the threads (all into thread 0's
   * scratch), then the GEMM by 4-row blocks of output channels.
   */
  work(x: number, y: number, h: number, w: number, scratch: readonly number[]): KernelCall[][] {
    const g = this.geometry(h, w);
    const n = g.ho * g.wo;
    const col = scratch[0]!;
    const threads = scratch.length;
    const panels = Math.ceil(n / 4);
    const qlo = this.spec.relu ? this.spec.yZero : 0;
    if (this.method === 'int8-depthwise') {
      const hw = g.kh * g.kw;
      return [
        split(g.cin, threads)
          .filter(([c0, c1]) => c1 > c0)
          .map(([c0, c1]) => ({
            fn: 'lens_qdepthwise_u8',
            args: [
              x + c0 * h * w,
              c1 - c0,
              h,
              w,
              this.spec.xZero,
              this.a + c0 * hw,
              this.bias + c0 * 4,
              ...windowArgs(g),
              y + c0 * n,
              g.ho,
              g.wo,
              this.scale + c0 * 4,
              this.spec.yZero,
              qlo,
              255,
            ],
          })),
      ];
    }
    if (this.method === 'int8-winograd-f23') return this.winogradWork(x, y, h, w, g, col, threads);
    const im2col: KernelCall[] = split(panels, threads)
      .filter(([p0, p1]) => p1 > p0)
      .map(([p0, p1]) => ({
        fn: 'lens_im2col_u8',
        args: [x, ...im2colGeometry(g), this.spec.xZero, col, p0, p1],
      }));
    const gemm: KernelCall[] = split(Math.ceil(g.cout / 4), threads)
      .map(([a, b]) => [a * 4, Math.min(b * 4, g.cout)] as const)
      .filter(([m0, m1]) => m1 > m0)
      .map(([m0, m1]) => ({
        fn: 'lens_qgemm_u8i8',
        args: [
          m1 - m0,
          n,
          this.kp,
          this.a + m0 * this.kp,
          col,
          y + m0 * n,
          n,
          this.bias + m0 * 4,
          this.scale + m0 * 4,
          this.spec.yZero,
          qlo,
          255,
          this.mode,
        ],
      }));
    return [im2col, gemm];
  }

  /**
   * Integer Winograd's phases (int8wino.c), each split over the threads, all in thread 0's
   * scratch: the padded copy by channels; then per chunk of panels, V by panels of 8 tiles, the
   * products by 4-row blocks of output channels, the output transform by output channels.
   */
  private winogradWork(
    x: number,
    y: number,
    h: number,
    w: number,
    g: ConvGeometry,
    scratch: number,
    threads: number,
  ): KernelCall[][] {
    const z = qwinoSizes(g.cin, g.cout, g.ho, g.wo, this.chunkBytes);
    const xp = scratch;
    const v = xp + z.xp;
    const mo = v + z.v;
    const { cin, cout } = g;
    const [pt, pl] = this.spec.pads;
    const parts = (n: number) => split(n, threads).filter(([a, b]) => b > a);
    const qlo = this.spec.relu ? this.spec.yZero : 0;
    const phases: KernelCall[][] = [
      parts(cin).map(([c0, c1]) => ({
        fn: 'lens_qwino_pad',
        args: [x, h, w, pt, pl, this.spec.xZero, xp, z.hp, z.wp, c0, c1],
      })),
    ];
    for (let q = 0; q < z.p; q += z.chunk) {
      const panels = Math.min(z.chunk, z.p - q);
      const t0 = q * 8;
      const t1 = Math.min(z.t, (q + panels) * 8);
      phases.push(
        parts(panels).map(([a, b]) => ({
          fn: 'lens_qwino_input',
          args: [xp, cin, z.hp, z.wp, z.tw, z.t, this.spec.xZero, v, panels, q, q + a, q + b],
        })),
        parts(Math.ceil(cout / 4)).map(([b0, b1]) => ({
          fn: 'lens_qwino_gemm',
          args: [cout, cin, panels, t1 - t0, this.a, v, mo, b0, b1],
        })),
        parts(cout).map(([m0, m1]) => ({
          fn: 'lens_qwino_output',
          args: [
            mo,
            cout,
            panels,
            t0,
            t0,
            t1,
            z.tw,
            g.ho,
            g.wo,
            this.bias,
            this.scale,
            this.spec.yZero,
            qlo,
            255,
            y,
            m0,
            m1,
          ],
        })),
      );
    }
    return phases;
  }
}

/** The classifier's int8 weights, folded bias and scales in the kernels' memory. */
export class PackedQDense {
  private readonly w: number;
  private readonly bias: number;
  private readonly scale: number;

  constructor(
    private readonly k: LensKernels,
    readonly op: Extract<Int8Op, { op: 'qdense' }>,
  ) {
    this.w = putBytes(k, op.w);
    this.bias = putInt32(k, foldZeroPoint(op.w, op.m, op.k, op.bias, op.xZero));
    this.scale = k.put(op.wScales.map((s) => Math.fround(op.xScale * s)));
  }

  run(x: number, y: number): void {
    this.k.int8.lens_qgemv_u8i8(this.op.m, this.op.k, this.w, x, this.bias, this.scale, y);
  }
}
