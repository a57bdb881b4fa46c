/**
 * The lens WebAssembly kernels (src/kernels/*.c) as typed calls: one instance, its memory, and a
 * bump allocator. Pointers are byte offsets into the instance's memory; float views are rebuilt
 * after the memory grows (growing detaches the old ArrayBuffer).
 */
import type { Int8Exports } from './int8';

/** Which build runs: relaxed SIMD's fused multiply-add, or plain SIMD128 multiply + add. */
export type LensIsa = 'relaxed' | 'simd128';

type Ptr = number;
type Kernel = (this: void, ...args: number[]) => void;
interface Exports {
  /** Absent in the threads build, which imports its (shared) memory. */
  memory?: WebAssembly.Memory;
  __heap_base: WebAssembly.Global;
  lens_gemm_f32_4x8: Kernel;
  lens_gemm_f32_ref: Kernel;
  lens_wino_stride(rows: number, nt: number): number;
  lens_pack_wino_f43(w: Ptr, cout: number, cin: number, u: Ptr): void;
  lens_conv3x3_wino_f43: Kernel;
  lens_pack_wino_f23(w: Ptr, cout: number, cin: number, u: Ptr): void;
  lens_pack_rows4(a: Ptr, rows: number, k: number, out: Ptr): void;
  lens_conv3x3_wino_f23: Kernel;
  lens_im2col: Kernel;
  lens_conv_ref(...a: number[]): void;
  lens_depthwise: Kernel;
  lens_global_avg_pool(x: Ptr, c: number, hw: number, y: Ptr): void;
  lens_gemv_f32(m: number, k: number, w: Ptr, x: Ptr, bias: Ptr, y: Ptr): void;
  lens_im2col_u8: Kernel;
  lens_qgemm_u8i8: Kernel;
  lens_qdepthwise_u8: Kernel;
  lens_qwino_pad: Kernel;
  lens_qwino_input: Kernel;
  lens_qwino_gemm: Kernel;
  lens_qwino_output: Kernel;
}

/** The kernels a layer's work is split into (one call per thread and phase). */
export const KERNEL_NAMES = [
  'lens_gemm_f32_4x8',
  'lens_conv3x3_wino_f43',
  'lens_conv3x3_wino_f23',
  'lens_im2col',
  'lens_depthwise',
  'lens_im2col_u8',
  'lens_qgemm_u8i8',
  'lens_qdepthwise_u8',
  'lens_qwino_pad',
  'lens_qwino_input',
  'lens_qwino_gemm',
  'lens_qwino_output',
] as const;
export type KernelName = (typeof KERNEL_NAMES)[number];
export interface KernelCall {
  fn: KernelName;
  args: number[];
}

/** Floats every buffer may be read past its end (the GEMM reads whole 8-column panels). */
const SLACK_FLOATS = 16;
const PAGE = 65536;

/** Clamp bounds of an activation fused into a store. */
export interface Clamp {
  lo: number;
  hi: number;
}
export const NO_CLAMP: Clamp = { lo: -Infinity, hi: Infinity };

export class LensKernels {
  readonly isa: LensIsa;
  private readonly e: Exports;
  private top: number;
  private highWater: number;
  private view: Float32Array;

  readonly memory: WebAssembly.Memory;

  constructor(instance: WebAssembly.Instance, isa: LensIsa, memory?: WebAssembly.Memory) {
    this.e = instance.exports as unknown as Exports;
    this.isa = isa;
    const own = memory ?? this.e.memory;
    if (!own) throw new Error('lens: the kernels module has no memory');
    this.memory = own;
    this.top = this.e.__heap_base.value as number;
    this.highWater = this.top;
    this.view = new Float32Array(this.memory.buffer);
  }

  /** The memory as floats (index = pointer / 4); do not hold it across an `alloc`. */
  get f32(): Float32Array {
    if (this.view.buffer !== this.memory.buffer) this.view = new Float32Array(this.memory.buffer);
    return this.view;
  }

  /** Bytes in use (the allocator's top). */
  get used(): number {
    return this.top;
  }

  /**
   * `floats` zeroed floats, 64-byte aligned, readable SLACK_FLOATS past the end. Offsets are
   * nudged off 4 KiB multiples so buffers used together do not share cache sets.
   */
  alloc(floats: number): Ptr {
    let p = Math.ceil(this.top / 64) * 64;
    if (p % 4096 === 0) p += 64 * ((p / 4096) % 32) + 64;
    const end = p + (floats + SLACK_FLOATS) * 4;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      if (end > 2 ** 32) throw new RangeError(`lens: ${end} bytes exceed WebAssembly's 4 GiB`);
      this.memory.grow(Math.ceil((end - have) / PAGE));
    }
    this.top = end;
    // Memory above the high-water mark is fresh from `grow`, already zero.
    if (p < this.highWater) this.f32.fill(0, p / 4, Math.min(end, this.highWater) / 4);
    this.highWater = Math.max(this.highWater, end);
    return p;
  }

  /** The int8 kernels (src/kernels/int8.c, int8.ts). */
  get int8(): Int8Exports {
    return this.e as unknown as Int8Exports;
  }

  /** Runs one piece of a layer's work (see `PackedConv.work`). */
  call(c: KernelCall): void {
    this.e[c.fn](...c.args);
  }

  /** Frees everything allocated after `mark` (a value of `used`): temporaries of a load step. */
  release(mark: number): void {
    this.top = mark;
  }

  /**
   * Weights packed at load into a new buffer of `floats`: the weights (`w`: floats, or float32
   * little-endian bytes as a file holds them) go into a temporary buffer of this memory, `pack`
   * turns them into the new one, and the temporary is freed. JavaScript never holds a copy.
   */
  packed(
    w: Float32Array | Uint8Array,
    floats: number,
    pack: (from: Ptr, to: Ptr) => void,
  ): { ptr: Ptr; floats: number } {
    const out = this.alloc(floats);
    const mark = this.top;
    const n = w instanceof Uint8Array ? Math.ceil(w.byteLength / 4) : w.length;
    let from: Ptr;
    if (this.staging && n <= this.staging.floats) {
      from = this.staging.ptr;
      new Uint8Array(this.memory.buffer, from, w.byteLength).set(
        new Uint8Array(w.buffer, w.byteOffset, w.byteLength),
      );
    } else from = w instanceof Uint8Array ? this.putBytes(w) : this.put(w);
    pack(from, out);
    this.release(mark);
    return { ptr: out, floats };
  }

  private staging: { ptr: Ptr; floats: number } | null = null;

  /**
   * A buffer of `floats` that `packed` copies weights into instead of a fresh temporary (kept
   * for this instance's life; a larger request replaces it).
   */
  reserveStaging(floats: number): void {
    if (floats > 0 && (!this.staging || this.staging.floats < floats))
      this.staging = { ptr: this.alloc(floats), floats };
  }

  /**
   * F(4x4,3x3) weights (ONNX [cout][cin][3][3]) transformed and packed: 36 GEMM A matrices of
   * [ceil(cout / 4) * 4][cin]. The transform runs in WebAssembly, in float64.
   */
  packWinogradF43(w: Float32Array | Uint8Array, cout: number, cin: number) {
    return this.packed(w, 36 * Math.ceil(cout / 4) * 4 * cin, (from, to) =>
      this.e.lens_pack_wino_f43(from, cout, cin, to),
    );
  }

  /** F(2x2,3x3)'s weights packed the same way: 16 GEMM A matrices (`packWinogradF43`'s twin). */
  packWinogradF23(w: Float32Array | Uint8Array, cout: number, cin: number) {
    return this.packed(w, 16 * Math.ceil(cout / 4) * 4 * cin, (from, to) =>
      this.e.lens_pack_wino_f23(from, cout, cin, to),
    );
  }

  /** A [rows][k] (row-major) in the GEMM's A layout (`packRows4`), packed in WebAssembly. */
  packRows4(w: Float32Array | Uint8Array, rows: number, k: number) {
    return this.packed(w, Math.ceil(rows / 4) * 4 * k, (from, to) =>
      this.e.lens_pack_rows4(from, rows, k, to),
    );
  }

  /** Copies bytes (any alignment) into a new buffer, padded to whole floats. */
  putBytes(data: Int8Array | Uint8Array): Ptr {
    const p = this.alloc(Math.ceil(data.length / 4));
    new Uint8Array(this.memory.buffer, p, data.length).set(
      new Uint8Array(data.buffer, data.byteOffset, data.length),
    );
    return p;
  }

  /** Copies `data` into a new buffer. */
  put(data: ArrayLike<number>): Ptr {
    const p = this.alloc(data.length);
    this.f32.set(data, p / 4);
    return p;
  }

  read(p: Ptr, floats: number): Float32Array {
    return this.f32.slice(p / 4, p / 4 + floats);
  }

  /**
   * C[M][N] = clamp(bias + A B); A packed by `packRows4`; B element (k, n) at
   * b[(n / 8) * pstride + k * ldb + n % 8] (row-major: ldb = N, pstride = 8).
   */
  gemm(
    m: number,
    n: number,
    k: number,
    a: Ptr,
    b: Ptr,
    ldb: number,
    pstride: number,
    c: Ptr,
    ldc: number,
    bias: Ptr,
    clamp: Clamp,
    reference = false,
  ): void {
    (reference ? this.e.lens_gemm_f32_ref : this.e.lens_gemm_f32_4x8)(
      m,
      n,
      k,
      a,
      b,
      ldb,
      pstride,
      c,
      ldc,
      bias,
      clamp.lo,
      clamp.hi,
    );
  }

  /** Floats between the 36 V (rows = cin) or M (rows = padded cout) matrices of a Winograd block. */
  winoStride(rows: number, nt: number): number {
    return this.e.lens_wino_stride(rows, nt);
  }

  /** Scalar direct convolution, weights as ONNX stores them ([cout][cin][kh][kw]). */
  convReference(g: ConvGeometry, x: Ptr, w: Ptr, bias: Ptr, y: Ptr, clamp: Clamp): void {
    this.e.lens_conv_ref(
      x,
      g.cin,
      g.h,
      g.w,
      w,
      bias,
      g.cout,
      ...windowArgs(g),
      y,
      g.ho,
      g.wo,
      clamp.lo,
      clamp.hi,
    );
  }

  depthwise(g: ConvGeometry, x: Ptr, w: Ptr, bias: Ptr, y: Ptr, clamp: Clamp): void {
    this.e.lens_depthwise(
      x,
      g.cin,
      g.h,
      g.w,
      w,
      bias,
      ...windowArgs(g),
      y,
      g.ho,
      g.wo,
      clamp.lo,
      clamp.hi,
    );
  }

  globalAveragePool(x: Ptr, channels: number, hw: number, y: Ptr): void {
    this.e.lens_global_avg_pool(x, channels, hw, y);
  }

  /** y[M] = bias + W x, W row-major [M][K]. */
  gemv(m: number, k: number, w: Ptr, x: Ptr, bias: Ptr, y: Ptr): void {
    this.e.lens_gemv_f32(m, k, w, x, bias, y);
  }
}

/** One convolution's shape: input CHW, kernel, stride, leading padding, output size. */
export interface ConvGeometry {
  cin: number;
  h: number;
  w: number;
  cout: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  padTop: number;
  padLeft: number;
  ho: number;
  wo: number;
}

/** The kernel window as every convolution kernel takes it: kh, kw, sh, sw, pt, pl. */
export const windowArgs = (g: ConvGeometry): number[] => [
  g.kh,
  g.kw,
  g.sh,
  g.sw,
  g.padTop,
  g.padLeft,
];

/** The geometry as both im2col kernels take it after x: cin, H, W, the window, Ho, Wo. */
export const im2colGeometry = (g: ConvGeometry): number[] => [
  g.cin,
  g.h,
  g.w,
  ...windowArgs(g),
  g.ho,
  g.wo,
];

/**
 * Rows of a row-major [rows][k] matrix in the GEMM's A layout: blocks of 4 rows, each k x 4
 * (row within the block fastest); rows past `rows` are zero.
 */
export function packRows4(a: ArrayLike<number>, rows: number, k: number): Float32Array {
  const padded = Math.ceil(rows / 4) * 4;
  const out = new Float32Array(padded * k);
  for (let r = 0; r < rows; r++) {
    const base = Math.floor(r / 4) * 4 * k + (r % 4);
    for (let i = 0; i < k; i++) out[base + i * 4] = a[r * k + i]!;
  }
  return out;
}

/**
 * Instantiates a kernels build: the plain one owns its memory; the threads build (`-mt`) takes a
 * shared memory, which every worker's instance then shares.
 */
export async function instantiateKernels(
  module: WebAssembly.Module,
  isa: LensIsa,
  shared?: WebAssembly.Memory,
): Promise<LensKernels> {
  const imports = shared ? { env: { memory: shared } } : {};
  return new LensKernels(await WebAssembly.instantiate(module, imports), isa, shared);
}

/** A shared memory for the threads build (grows up to WebAssembly's 4 GiB). */
export const sharedKernelMemory = (): WebAssembly.Memory =>
  new WebAssembly.Memory({ initial: 64, maximum: 65536, shared: true });
