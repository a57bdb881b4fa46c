/**
 * One convolution layer on the lens kernels: which kernel runs it (a table by shape, below), its
 * weights packed once at construction, and its run on CHW buffers with a shared scratch buffer.
 */
import {
  im2colGeometry,
  windowArgs,
  type Clamp,
  type ConvGeometry,
  type KernelCall,
  type LensKernels,
} from './kernels';
import { padBias } from './pack';

export interface ConvSpec {
  cin: number;
  cout: number;
  kh: number;
  kw: number;
  strides: readonly [number, number];
  /** ONNX order: top, left, bottom, right. */
  pads: readonly [number, number, number, number];
  /** 1, or cin = cout (depthwise, one filter per channel). */
  groups: number;
  /** ONNX layout [cout][cin / groups][kh][kw]. */
  weights: Float32Array;
  /**
   * The same weights as float32 little-endian bytes, where the file holds them so (a view into
   * the file): packing copies them straight into the kernels' memory, and `weights` (made on
   * demand) is never read.
   */
  weightBytes?: Uint8Array;
  bias: Float32Array | null;
  clamp: Clamp;
}

/**
 * winograd-f43: 3x3 stride 1 (4x fewer multiplies at 4x the weight memory);
 * winograd-f23: the same with F(2x2,3x3) (2.25x fewer at 1.8x the memory), where the engine's
 * per-layer rule asks for it (small maps, the transformed-weight budget);
 * gemm-1x1: 1x1 stride 1 unpadded, the input is the GEMM's B as it lies;
 * im2col: everything else with groups 1; depthwise: groups = channels.
 */
export type ConvMethod = 'winograd-f43' | 'winograd-f23' | 'gemm-1x1' | 'im2col' | 'depthwise';

/** The Winograd methods: their tile (output pixels per side) and number of transform matrices. */
const WINOGRAD = {
  'winograd-f43': { m: 4, matrices: 36, fn: 'lens_conv3x3_wino_f43' },
  'winograd-f23': { m: 2, matrices: 16, fn: 'lens_conv3x3_wino_f23' },
} as const;
const isWinograd = (m: ConvMethod): m is keyof typeof WINOGRAD => m in WINOGRAD;

export function chooseConvMethod(s: ConvSpec): ConvMethod {
  if (s.groups !== 1) return 'depthwise';
  const [sh, sw] = s.strides;
  if (s.kh === 3 && s.kw === 3 && sh === 1 && sw === 1) return 'winograd-f43';
  if (s.kh === 1 && s.kw === 1 && sh === 1 && sw === 1 && s.pads.every((p) => p === 0))
    return 'gemm-1x1';
  return 'im2col';
}

/**
 * Tiles per Winograd block: one point's V (cin x nt floats) near 32 KiB, so each GEMM's B stays in
 * L1 while U's rows stream past it; a multiple of 8 (the GEMM's column panel). Every block
 * streams all of U once (36 / 9 of the weights): the more tiles a block takes, the fewer times.
 */
export function winogradBlock(cin: number): number {
  return Math.min(64, Math.max(8, Math.floor(8192 / cin / 8) * 8));
}

/**
 * How a Winograd layer's work is split between threads. By tiles, in units of 8 (the GEMM's
 * panel), where U is small enough to be read from the shared cache by every thread (at most
 * SHARED_U_BYTES) and each thread gets at least 8 panels of tiles: no work is done twice. Else
 * by output channels where each thread gets at least 8 blocks of 4: every thread transforms the
 * same input tiles (a few per cent of the layer) but streams only its rows of U, and the threads'
 * shares are equal. Otherwise by tiles again. One range of each: [from, to).
 */
export function winogradSplit(
  tiles: number,
  cout: number,
  threads: number,
  uBytes = Infinity,
): { tiles: [number, number]; channels: [number, number] }[] {
  const quads = Math.ceil(cout / 4);
  const shareU = uBytes <= SHARED_U_BYTES && tiles >= 64 * threads;
  if (threads > 1 && !shareU && quads >= 8 * threads)
    return split(quads, threads).map(([a, b]) => ({
      tiles: [0, tiles],
      channels: [a * 4, b * 4],
    }));
  return split(Math.ceil(tiles / 8), threads).map(([a, b]) => ({
    tiles: [a * 8, Math.min(b * 8, tiles)],
    channels: [0, quads * 4],
  }));
}

/**
 * U that every thread may stream whole (a split by tiles). Measured on B1 in Node, 2 threads
 * (2026-12-06): its 56x56 layers (U 2.3 MiB) took 11.6 ms split by tiles against 12.9 by
 * channels; its 28x28 layers (U 9 MiB) 22.1 against 20.4.
 */
const SHARED_U_BYTES = 4 * 2 ** 20;

export function convGeometry(s: ConvSpec, h: number, w: number): ConvGeometry {
  const [pt, pl, pb, pr] = s.pads;
  const [sh, sw] = s.strides;
  const ho = Math.floor((h + pt + pb - s.kh) / sh) + 1;
  const wo = Math.floor((w + pl + pr - s.kw) / sw) + 1;
  if (ho < 1 || wo < 1)
    throw new RangeError(`lens: a ${s.kh}x${s.kw} convolution of a ${h}x${w} map is empty`);
  return {
    cin: s.cin,
    h,
    w,
    cout: s.cout,
    kh: s.kh,
    kw: s.kw,
    sh,
    sw,
    padTop: pt,
    padLeft: pl,
    ho,
    wo,
  };
}

export class PackedConv {
  readonly method: ConvMethod;
  readonly spec: Omit<ConvSpec, 'weights' | 'weightBytes' | 'bias'>;
  /** Packed weights and padded bias, in the kernels' memory. */
  private readonly a: number;
  private readonly bias: number;
  /** Bytes of packed weights. */
  readonly packedBytes: number;

  constructor(
    private readonly k: LensKernels,
    spec: ConvSpec,
    method: ConvMethod = chooseConvMethod(spec),
  ) {
    // Named, not spread: `weights` may be made on demand, and the file's bytes serve instead.
    const { cin, cout, kh, kw, strides, pads, groups, clamp } = spec;
    this.spec = { cin, cout, kh, kw, strides, pads, groups, clamp };
    this.method = method;
    const w = spec.weightBytes ?? spec.weights;
    const packed =
      method === 'winograd-f43'
        ? k.packWinogradF43(w, cout, cin)
        : method === 'winograd-f23'
          ? k.packWinogradF23(w, cout, cin)
          : method === 'depthwise'
            ? { ptr: w instanceof Uint8Array ? k.putBytes(w) : k.put(w), floats: cout * kh * kw }
            : k.packRows4(w, cout, cin * kh * kw);
    this.a = packed.ptr;
    this.packedBytes = packed.floats * 4;
    this.bias = k.put(padBias(spec.bias, cout));
  }

  geometry(h: number, w: number): ConvGeometry {
    return convGeometry({ ...this.spec, weights: new Float32Array(0), bias: null }, h, w);
  }

  /** Floats of scratch this layer needs at an h x w input. */
  scratchFloats(h: number, w: number): number {
    const g = this.geometry(h, w);
    if (isWinograd(this.method)) {
      const nt = winogradBlock(g.cin);
      const coutPad = Math.ceil(g.cout / 4) * 4;
      const { matrices } = WINOGRAD[this.method];
      return matrices * (this.k.winoStride(g.cin, nt) + this.k.winoStride(coutPad, nt)) + 64;
    }
    if (this.method === 'im2col')
      return g.cin * g.kh * g.kw * (Math.ceil((g.ho * g.wo) / 8) * 8) + 16;
    return 0;
  }

  /** y = conv(x), both CHW, on this thread. */
  run(x: number, y: number, h: number, w: number, scratch: number): void {
    for (const phase of this.work(x, y, h, w, [scratch]))
      for (const call of phase) this.k.call(call);
  }

  /**
   * The layer's work for `scratch.length` threads: phases in order, each a list of calls that run
   * in parallel (call i on thread i; each thread has its own scratch of `scratchFloats`).
   * Winograd splits its output channels or its tiles (`winogradSplit`), the GEMMs their rows (in
   * blocks of 4: every thread streams its own share of the weights), im2col its 8-column panels,
   * depthwise its channels.
   */
  work(x: number, y: number, h: number, w: number, scratch: readonly number[]): KernelCall[][] {
    const g = this.geometry(h, w);
    const { lo, hi } = this.spec.clamp;
    const threads = scratch.length;
    const n = g.ho * g.wo;
    const rows = (parts: number) =>
      split(Math.ceil(g.cout / 4), parts).map(
        ([a, b]) => [a * 4, Math.min(b * 4, g.cout)] as const,
      );
    const gemm = (b: number, ldb: number, pstride: number, kk: number): KernelCall[] =>
      rows(threads)
        .filter(([m0, m1]) => m1 > m0)
        .map(([m0, m1]) => ({
          fn: 'lens_gemm_f32_4x8',
          args: [
            m1 - m0,
            n,
            kk,
            this.a + m0 * kk * 4,
            b,
            ldb,
            pstride,
            y + m0 * n * 4,
            n,
            this.bias + m0 * 4,
            lo,
            hi,
          ],
        }));
    switch (this.method) {
      case 'winograd-f43':
      case 'winograd-f23': {
        const { m, matrices, fn } = WINOGRAD[this.method];
        const nt = winogradBlock(g.cin);
        const tiles = Math.ceil(g.ho / m) * Math.ceil(g.wo / m);
        const vs = this.k.winoStride(g.cin, nt);
        return [
          winogradSplit(tiles, g.cout, threads, this.packedBytes)
            .map((part, t) => ({ ...part, s: scratch[t]! }))
            .filter(({ tiles: [t0, t1], channels: [c0, c1] }) => t1 > t0 && c1 > c0)
            .map(({ tiles: [t0, t1], channels: [c0, c1], s }) => ({
              fn,
              // M after V, 64 bytes further so their first rows do not share a cache set.
              args: [
                x,
                g.cin,
                h,
                w,
                g.padTop,
                g.padLeft,
                y,
                g.cout,
                g.ho,
                g.wo,
                this.a,
                this.bias,
                lo,
                hi,
                s,
                s + matrices * vs * 4 + 64,
                nt,
                t0,
                t1,
                c0,
                c1,
              ],
            })),
        ];
      }
      case 'gemm-1x1':
        return [gemm(x, h * w, 8, g.cin)];
      case 'im2col': {
        const kk = g.cin * g.kh * g.kw;
        const col = scratch[0]!;
        // The panels split over the threads, all into thread 0's scratch; then the GEMM.
        const im2col: KernelCall[] = split(Math.ceil(n / 8), threads)
          .filter(([p0, p1]) => p1 > p0)
          .map(([p0, p1]) => ({
            fn: 'lens_im2col',
            args: [x, ...im2colGeometry(g), col, p0, p1],
          }));
        return [im2col, gemm(col, 8, kk * 8, kk)];
      }
      case 'depthwise':
        return [
          split(g.cin, threads)
            .filter(([c0, c1]) => c1 > c0)
            .map(([c0, c1]) => ({
              fn: 'lens_depthwise',
              args: [
                x + c0 * h * w * 4,
                c1 - c0,
                h,
                w,
                this.a + c0 * g.kh * g.kw * 4,
                this.bias + c0 * 4,
                ...windowArgs(g),
                y + c0 * n * 4,
                g.ho,
                g.wo,
                lo,
                hi,
              ],
            })),
        ];
    }
  }
}

/** [0, n) in `parts` contiguous ranges as equal as whole units allow. */
export function split(n: number, parts: number): [number, number][] {
  return Array.from({ length: parts }, (_, i) => [
    Math.floor((n * i) / parts),
    Math.floor((n * (i + 1)) / parts),
  ]);
}
