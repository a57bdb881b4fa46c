/**
 * One convolution layer on the lens kernels: which kernel runs it (a table by shape, below), its
 * weights packed once at construction, and its run on CHW buffers with a shared scratch buffer.
 */
import { type Clamp, type ConvGeometry, type LensKernels, packRows4 } from './kernels';
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
  bias: Float32Array | null;
  clamp: Clamp;
}

/**
 * winograd-f43: 3x3 stride 1 (4x fewer multiplies at 4x the weight memory);
 * gemm-1x1: 1x1 stride 1 unpadded, the input is the GEMM's B as it lies;
 * im2col: everything else with groups 1; depthwise: groups = channels.
 */
export type ConvMethod = 'winograd-f43' | 'gemm-1x1' | 'im2col' | 'depthwise';

export function chooseConvMethod(s: ConvSpec): ConvMethod {
  if (s.groups !== 1) return 'depthwise';
  const [sh, sw] = s.strides;
  if (s.kh === 3 && s.kw === 3 && sh === 1 && sw === 1) return 'winograd-f43';
  if (s.kh === 1 && s.kw === 1 && sh === 1 && sw === 1 && s.pads.every((p) => p === 0))
    return 'gemm-1x1';
  return 'im2col';
}

/**
 * Tiles per Winograd block: V (36 x cin x nt floats) near 576 KiB so the block's transforms and
 * GEMMs stay in L2; a multiple of 8 (the GEMM's column panel).
 */
export function winogradBlock(cin: number): number {
  return Math.min(64, Math.max(8, Math.floor(4096 / cin / 8) * 8));
}

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
  readonly spec: Omit<ConvSpec, 'weights' | 'bias'>;
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
    const { weights, bias, ...rest } = spec;
    this.spec = rest;
    this.method = method;
    if (method === 'winograd-f43') {
      const u = k.packWinogradF43(weights, spec.cout, spec.cin);
      this.a = u.ptr;
      this.packedBytes = u.floats * 4;
    } else {
      const packed =
        method === 'depthwise'
          ? weights
          : packRows4(weights, spec.cout, spec.cin * spec.kh * spec.kw);
      this.a = k.put(packed);
      this.packedBytes = packed.length * 4;
    }
    this.bias = k.put(padBias(bias, spec.cout));
  }

  geometry(h: number, w: number): ConvGeometry {
    return convGeometry({ ...this.spec, weights: new Float32Array(0), bias: null }, h, w);
  }

  /** Floats of scratch this layer needs at an h x w input. */
  scratchFloats(h: number, w: number): number {
    const g = this.geometry(h, w);
    if (this.method === 'winograd-f43') {
      const nt = winogradBlock(g.cin);
      const coutPad = Math.ceil(g.cout / 4) * 4;
      return 36 * (this.k.winoStride(g.cin, nt) + this.k.winoStride(coutPad, nt)) + 64;
    }
    if (this.method === 'im2col')
      return g.cin * g.kh * g.kw * (Math.ceil((g.ho * g.wo) / 8) * 8) + 16;
    return 0;
  }

  /** y = conv(x), both CHW. */
  run(x: number, y: number, h: number, w: number, scratch: number): void {
    const g = this.geometry(h, w);
    const k = this.k;
    const clamp = this.spec.clamp;
    switch (this.method) {
      case 'winograd-f43': {
        const nt = winogradBlock(g.cin);
        const tiles = Math.ceil(g.ho / 4) * Math.ceil(g.wo / 4);
        k.conv3x3Winograd({
          x,
          cin: g.cin,
          h,
          w,
          padTop: g.padTop,
          padLeft: g.padLeft,
          y,
          cout: g.cout,
          ho: g.ho,
          wo: g.wo,
          u: this.a,
          bias: this.bias,
          clamp,
          v: scratch,
          // M after V, 64 bytes further so their first rows do not share a cache set.
          m: scratch + 36 * k.winoStride(g.cin, nt) * 4 + 64,
          nt,
          tiles: [0, tiles],
        });
        return;
      }
      case 'gemm-1x1':
        k.gemm(g.cout, g.ho * g.wo, g.cin, this.a, x, h * w, 8, y, g.ho * g.wo, this.bias, clamp);
        return;
      case 'im2col': {
        const n = g.ho * g.wo;
        const kk = g.cin * g.kh * g.kw;
        k.im2col(g, x, scratch);
        k.gemm(g.cout, n, kk, this.a, scratch, 8, kk * 8, y, n, this.bias, clamp);
        return;
      }
      case 'depthwise':
        k.depthwise(g, x, this.a, this.bias, y, clamp);
        return;
    }
  }
}
