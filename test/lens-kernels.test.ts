/**
 * The lens WebAssembly kernels, both builds, against float64 references computed here: every
 * convolution method, the GEMM micro-kernel and its scalar reference, pooling and the classifier.
 * Measured errors (relative to each output's largest value) are printed and bounded.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { PackedConv, winogradSplit, type ConvMethod, type ConvSpec } from '../src/core/lens/conv';
import { instantiateKernels, LensKernels, NO_CLAMP, packRows4 } from '../src/core/lens/kernels';
import { packWinogradF43 } from '../src/core/lens/pack';
import { kernelBytes } from '../src/node/lens-node';
import { convF64, randomArray, relError, type RefConv } from './helpers/lens';

const ISAS = ['relaxed', 'simd128'] as const;
/**
 * float32 accumulation over up to ~5,000 terms. Measured worst: direct and GEMM paths 1e-6;
 * Winograd F(4x4,3x3) 6.3e-6 (64->64 at 28x28; its transforms scale values by up to 10x and back).
 */
const TOLERANCE = 2e-6;
const WINOGRAD_TOLERANCE = 2e-5;

it('this Node validates both builds (vitest passes --experimental-wasm-relaxed-simd)', () => {
  for (const isa of ISAS) expect(WebAssembly.validate(kernelBytes(isa))).toBe(true);
});

describe.each(ISAS)('%s build', (isa) => {
  let k: LensKernels;
  beforeAll(async () => {
    k = await instantiateKernels(await WebAssembly.compile(kernelBytes(isa)), isa);
  });

  const CASES: { name: string; p: RefConv; method: ConvMethod; relu?: boolean }[] = [
    {
      name: 'winograd 5->7 9x11 pad 1',
      p: conv(5, 7, 9, 11, 3, 1, [1, 1, 1, 1]),
      method: 'winograd-f43',
      relu: true,
    },
    {
      name: 'winograd 16->12 14x14 pad 1',
      p: conv(16, 12, 14, 14, 3, 1, [1, 1, 1, 1]),
      method: 'winograd-f43',
    },
    {
      name: 'winograd 64->64 28x28 pad 1',
      p: conv(64, 64, 28, 28, 3, 1, [1, 1, 1, 1]),
      method: 'winograd-f43',
      relu: true,
    },
    {
      name: 'winograd 8->4 13x6 pads 0,2,1,0',
      p: conv(8, 4, 13, 6, 3, 1, [0, 2, 1, 0]),
      method: 'winograd-f43',
    },
    {
      // Two blocks of 32 tiles (the second short), 256 channels summed.
      name: 'winograd 256->64 26x27 pad 1',
      p: conv(256, 64, 26, 27, 3, 1, [1, 1, 1, 1]),
      method: 'winograd-f43',
      relu: true,
    },
    {
      name: 'winograd F(2x2) 5->7 9x11 pad 1',
      p: conv(5, 7, 9, 11, 3, 1, [1, 1, 1, 1]),
      method: 'winograd-f23',
      relu: true,
    },
    {
      name: 'winograd F(2x2) 64->72 7x7 pad 1',
      p: conv(64, 72, 7, 7, 3, 1, [1, 1, 1, 1]),
      method: 'winograd-f23',
    },
    {
      name: 'winograd F(2x2) 8->4 13x6 pads 0,2,1,0',
      p: conv(8, 4, 13, 6, 3, 1, [0, 2, 1, 0]),
      method: 'winograd-f23',
    },
    {
      name: 'im2col 3->8 3x3 s2 17x15',
      p: conv(3, 8, 17, 15, 3, 2, [1, 1, 1, 1]),
      method: 'im2col',
      relu: true,
    },
    {
      name: 'im2col 12->10 5x5 s1 pad 2',
      p: conv(12, 10, 11, 9, 5, 1, [2, 2, 2, 2]),
      method: 'im2col',
    },
    {
      name: 'im2col 3x3 s1 (the reference path)',
      p: conv(6, 5, 7, 7, 3, 1, [1, 1, 1, 1]),
      method: 'im2col',
    },
    { name: 'im2col 1x1 s2', p: conv(9, 6, 10, 10, 1, 2, [0, 0, 0, 0]), method: 'im2col' },
    // Panels of 8 pixels in one output row, no padding read: the vector gathers (strides 1 and
    // 2), beside border and row-crossing panels that take the scalar path.
    {
      name: 'im2col 5->7 3x3 s2 pad 1 32x33 (vector gathers)',
      p: conv(5, 7, 32, 33, 3, 2, [1, 1, 1, 1]),
      method: 'im2col',
    },
    {
      name: 'im2col 6->5 3x3 s1 unpadded 20x26 (vector gathers)',
      p: conv(6, 5, 20, 26, 3, 1, [0, 0, 0, 0]),
      method: 'im2col',
      relu: true,
    },
    {
      name: 'im2col 3->4 5x5 s2 pads 2,0,1,2 37x41 (vector gathers)',
      p: conv(3, 4, 37, 41, 5, 2, [2, 0, 1, 2]),
      method: 'im2col',
    },
    {
      name: 'gemm-1x1 20->13 7x9',
      p: conv(20, 13, 7, 9, 1, 1, [0, 0, 0, 0]),
      method: 'gemm-1x1',
      relu: true,
    },
    {
      name: 'depthwise 3x3 s1',
      p: { ...conv(6, 6, 9, 8, 3, 1, [1, 1, 1, 1]), groups: 6 },
      method: 'depthwise',
    },
    {
      name: 'depthwise 5x5 s2',
      p: { ...conv(4, 4, 12, 11, 5, 2, [2, 2, 2, 2]), groups: 4 },
      method: 'depthwise',
      relu: true,
    },
  ];

  it.each(CASES)('$name', ({ name, p, method, relu }) => {
    const x = randomArray(p.cin * p.h * p.w, 1);
    const w = randomArray((p.cout * p.cin * p.kh * p.kw) / p.groups, 2, 0.3);
    const b = randomArray(p.cout, 3, 0.5);
    const lo = relu ? 0 : -Infinity;
    const spec: ConvSpec = {
      cin: p.cin,
      cout: p.cout,
      kh: p.kh,
      kw: p.kw,
      strides: [p.sh, p.sw],
      pads: p.pads,
      groups: p.groups,
      weights: w,
      bias: b,
      clamp: { lo, hi: Infinity },
    };
    const layer = new PackedConv(k, spec, method);
    const g = layer.geometry(p.h, p.w);
    const xp = k.put(x);
    const yp = k.alloc(p.cout * g.ho * g.wo);
    const scratch = k.alloc(layer.scratchFloats(p.h, p.w));
    layer.run(xp, yp, p.h, p.w, scratch);
    const got = k.read(yp, p.cout * g.ho * g.wo).slice();
    // Split as 2 and 3 threads would (the calls run here in turn, each with its own scratch): the
    // same floats, bit for bit (Winograd: by channels or by tiles, as winogradSplit decides).
    for (const threads of [2, 3]) {
      const scratches = Array.from({ length: threads }, () =>
        k.alloc(layer.scratchFloats(p.h, p.w)),
      );
      const y2 = k.alloc(p.cout * g.ho * g.wo);
      for (const phase of layer.work(xp, y2, p.h, p.w, scratches))
        for (const call of phase) k.call(call);
      expect(k.read(y2, p.cout * g.ho * g.wo)).toEqual(got);
    }
    const ref = convF64(p, x, w, b, lo);
    expect([g.ho, g.wo]).toEqual([ref.ho, ref.wo]);
    const err = relError(got, ref.y);
    const bound = method.startsWith('winograd') ? WINOGRAD_TOLERANCE : TOLERANCE;
    console.log(`${isa} ${name}: max error ${err.toExponential(2)} (bound ${bound})`);
    expect(err).toBeLessThanOrEqual(bound);
    if (relu) expect(Math.min(...got)).toBe(0);
  });

  it('the scalar direct convolution matches float64 (the reference beside the fast paths)', () => {
    const p = conv(7, 9, 10, 8, 3, 2, [1, 0, 1, 2]);
    const x = randomArray(p.cin * p.h * p.w, 4);
    const w = randomArray(p.cout * p.cin * 9, 5);
    const b = randomArray(p.cout, 6);
    const ref = convF64(p, x, w, b);
    const yp = k.alloc(ref.y.length);
    const s = { ...p, padTop: 1, padLeft: 0, ho: ref.ho, wo: ref.wo };
    k.convReference(s, k.put(x), k.put(w), k.put(b), yp, NO_CLAMP);
    expect(relError(k.read(yp, ref.y.length), ref.y)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('the 4x8 GEMM and its scalar reference agree with float64 at ragged sizes', () => {
    for (const [m, n, kk] of [
      [1, 1, 1],
      [5, 9, 3],
      [13, 70, 33],
      [64, 17, 300],
      // B over 32 KiB and A over one 512 KiB row chunk: the im2col loop order, two chunks.
      [70, 40, 2100],
      // The im2col loop order with a ragged last panel (5 columns) and a ragged last row block.
      [13, 45, 700],
      [8, 300, 257],
    ] as const) {
      const a = randomArray(m * kk, 7);
      const bm = randomArray(kk * n, 8);
      const bias = randomArray(Math.ceil(m / 4) * 4, 9);
      const ref = new Float64Array(m * n);
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) {
          let s = bias[i]!;
          for (let t = 0; t < kk; t++) s += a[i * kk + t]! * bm[t * n + j]!;
          ref[i * n + j] = Math.max(-0.5, s);
        }
      const ap = k.put(packRows4(a, m, kk));
      const bp = k.put(bm);
      const biasp = k.put(bias);
      const got: Float32Array[] = [];
      for (const reference of [false, true]) {
        const cp = k.alloc(m * n);
        k.gemm(m, n, kk, ap, bp, n, 8, cp, n, biasp, { lo: -0.5, hi: Infinity }, reference);
        got.push(k.read(cp, m * n));
        // float32 sums of up to 2,100 terms: measured worst 2.2e-6 (K = 2100).
        expect(relError(got.at(-1)!, ref)).toBeLessThanOrEqual(kk > 1000 ? 5e-6 : TOLERANCE);
      }
      // SIMD128 multiplies and adds in float32 as the scalar reference does, k in order, so the
      // two agree bit for bit (the relaxed build fuses them).
      if (isa === 'simd128') expect(got[0], `${m}x${n}x${kk}`).toEqual(got[1]);
    }
  });

  it('global average pooling and the classifier GEMV match float64', () => {
    const c = 37;
    const hw = 49;
    const x = randomArray(c * hw, 10);
    const yp = k.alloc(c);
    k.globalAveragePool(k.put(x), c, hw, yp);
    const mean = Array.from({ length: c }, (_, i) => {
      let s = 0;
      for (let j = 0; j < hw; j++) s += x[i * hw + j]!;
      return s / hw;
    });
    expect(relError(k.read(yp, c), mean)).toBeLessThanOrEqual(TOLERANCE);

    const [m, kk] = [1000, 131];
    const w = randomArray(m * kk, 11);
    const v = randomArray(kk, 12);
    const b = randomArray(m, 13);
    const out = k.alloc(m);
    k.gemv(m, kk, k.put(w), k.put(v), k.put(b), out);
    const ref = Array.from({ length: m }, (_, i) => {
      let s = b[i]!;
      for (let j = 0; j < kk; j++) s += w[i * kk + j]! * v[j]!;
      return s;
    });
    expect(relError(k.read(out, m), ref)).toBeLessThanOrEqual(TOLERANCE);
  });
});

function conv(
  cin: number,
  cout: number,
  h: number,
  w: number,
  kernel: number,
  stride: number,
  pads: [number, number, number, number],
): RefConv {
  return { cin, cout, h, w, kh: kernel, kw: kernel, sh: stride, sw: stride, pads, groups: 1 };
}

describe('the Winograd weight transform', () => {
  it('packed in WebAssembly (float64) equals the TypeScript float64 reference', async () => {
    const k = await instantiateKernels(
      await WebAssembly.compile(kernelBytes('simd128')),
      'simd128',
    );
    const [cout, cin] = [6, 5];
    const w = randomArray(cout * cin * 9, 21);
    const u = k.packWinogradF43(w, cout, cin);
    const got = k.read(u.ptr, u.floats);
    const want = packWinogradF43(w, cout, cin);
    expect(got.length).toBe(want.length);
    // Same float64 arithmetic, same order: equal up to one rounding of the last bit.
    expect(relError(got, want)).toBeLessThanOrEqual(1e-7);
  });
});

describe('winogradSplit', () => {
  it('by output channels (blocks of 4, equal shares) when each thread gets 8 blocks', () => {
    expect(winogradSplit(16, 512, 2)).toEqual([
      { tiles: [0, 16], channels: [0, 256] },
      { tiles: [0, 16], channels: [256, 512] },
    ]);
    expect(winogradSplit(49, 70, 2)).toEqual([
      { tiles: [0, 49], channels: [0, 36] },
      { tiles: [0, 49], channels: [36, 72] },
    ]);
  });
  it('by tiles in units of 8 otherwise, every tile once', () => {
    expect(winogradSplit(196, 64, 3)).toEqual([
      { tiles: [0, 64], channels: [0, 64] },
      { tiles: [64, 128], channels: [0, 64] },
      { tiles: [128, 196], channels: [0, 64] },
    ]);
    expect(winogradSplit(9, 12, 2)).toEqual([
      { tiles: [0, 8], channels: [0, 12] },
      { tiles: [8, 9], channels: [0, 12] },
    ]);
    expect(winogradSplit(30, 512, 1)).toEqual([{ tiles: [0, 30], channels: [0, 512] }]);
  });
  it('by tiles where U is small enough for every thread to stream it and the tiles are many', () => {
    const u56 = 36 * 128 * 128 * 4; // B1's 56x56 layers: 2.3 MiB of U, 196 tiles
    expect(winogradSplit(196, 128, 2, u56)).toEqual([
      { tiles: [0, 96], channels: [0, 128] },
      { tiles: [96, 196], channels: [0, 128] },
    ]);
    // Too few tiles for 8 panels a thread, or U too big to share: by channels.
    expect(winogradSplit(100, 128, 2, u56)[1]).toEqual({ tiles: [0, 100], channels: [64, 128] });
    expect(winogradSplit(196, 256, 2, 36 * 256 * 256 * 4)[1]).toEqual({
      tiles: [0, 196],
      channels: [128, 256],
    });
  });
});
