/**
 * The lens backend's int8 path, both builds: the kernels against a reference computed here in
 * integers (requantized as onnxruntime's MLAS does: float32(acc + bias) x scale, clamped, rounded
 * half to even), and the tiny model quantized by the project's own quantizer against
 * onnxruntime-node running the same file (it fuses the QDQ pattern into QLinearConv / QGemm).
 * Measured here (AMD EPYC with VNNI, onnxruntime-node 1.30): the logits are bit-identical.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { claimModel } from '../src/core/lens/graph';
import {
  PackedQConv,
  qdotMode,
  qwinoFits,
  qwinoSizes,
  qwinoWeightBytes,
  QWINO_CHUNK_BYTES,
  timeQdotModes,
  requantScales,
  putBytes,
  type QConvSpec,
} from '../src/core/lens/int8';
import { instantiateKernels, type LensKernels } from '../src/core/lens/kernels';
import { LensModel } from '../src/core/lens/runner';
import { decodeModel } from '../src/core/onnx/edit';
import { AttributeType, DataType, ModelProto } from '../src/core/onnx/proto';
import { quantizeModel } from '../src/core/quantize';
import { nodeQuantRunner } from '../src/node/quantize-node';
import { quantizeValue, roundHalfEven } from '../src/core/quantize/qparams';
import type { LoadedSession } from '../src/engine/types';
import { createLensNodeSession, kernelBytes } from '../src/node/lens-node';
import { createNodeSession } from '../src/node/ort-node';
import { ROOT } from './helpers/fixtures';
import { compareLogits, randomArray, seeded } from './helpers/lens';
import { floatTensor, io, ints, node } from './helpers/onnx-graph';
import { fixtureImages, quantizeWith } from './helpers/quantize';

const ISAS = ['relaxed', 'simd128'] as const;
/**
 * Softmax max |dp| against onnxruntime-node's int8. Measured: 0 (bit-identical logits) on every
 * model here. One activation rounded the other way moves the logits by about 1e-3 of their range,
 * so this bound catches any departure from onnxruntime's integer arithmetic.
 */
const MAX_DP = 1e-6;
/**
 * A layer kept in float (`--keep-float`) runs in float32 on the dequantized values on both sides,
 * each with its own summation order, and the next QuantizeLinear can round a value the other way.
 * Measured: 5.0e-6.
 */
const KEPT_FLOAT_MAX_DP = 2e-5;

/** Independent reference: direct convolution in integers, requantized in float32 as MLAS. */
function qconvRef(s: QConvSpec, x: Uint8Array, h: number, w: number) {
  const [pt, pl, pb, pr] = s.pads;
  const [sh, sw] = s.strides;
  const ho = Math.floor((h + pt + pb - s.kh) / sh) + 1;
  const wo = Math.floor((w + pl + pr - s.kw) / sw) + 1;
  const scales = requantScales(s);
  const cpg = s.cin / s.groups;
  const opg = s.cout / s.groups;
  const y = new Uint8Array(s.cout * ho * wo);
  const lo = (s.relu ? s.yZero : 0) - s.yZero;
  const hi = 255 - s.yZero;
  for (let co = 0; co < s.cout; co++)
    for (let oy = 0; oy < ho; oy++)
      for (let ox = 0; ox < wo; ox++) {
        let acc = s.bias?.[co] ?? 0;
        const g = Math.floor(co / opg);
        for (let c = 0; c < cpg; c++)
          for (let ky = 0; ky < s.kh; ky++)
            for (let kx = 0; kx < s.kw; kx++) {
              const iy = oy * sh - pt + ky;
              const ix = ox * sw - pl + kx;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
              acc +=
                (x[((g * cpg + c) * h + iy) * w + ix]! - s.xZero) *
                s.weights[((co * cpg + c) * s.kh + ky) * s.kw + kx]!;
            }
        const v = Math.min(hi, Math.max(lo, Math.fround(Math.fround(acc) * scales[co]!)));
        y[(co * ho + oy) * wo + ox] = roundHalfEven(v) + s.yZero;
      }
  return { y, ho, wo };
}

function spec(
  cin: number,
  cout: number,
  k: number,
  stride: number,
  pad: number,
  seed: number,
  extra: Partial<QConvSpec> = {},
): QConvSpec {
  const r = seeded(seed);
  return {
    cin,
    cout,
    kh: k,
    kw: k,
    strides: [stride, stride],
    pads: [pad, pad, pad, pad],
    groups: 1,
    weights: Int8Array.from({ length: (cout * cin * k * k) / (extra.groups ?? 1) }, () =>
      Math.round(r() * 127),
    ),
    bias: Int32Array.from({ length: cout }, () => Math.round(r() * 5000)),
    xScale: 0.0213,
    xZero: 17,
    wScales: Float32Array.from({ length: cout }, () => 0.002 + Math.abs(r()) * 0.01),
    yScale: 0.731,
    yZero: 0,
    relu: true,
    ...extra,
  };
}

const CASES: { name: string; s: QConvSpec; h: number; w: number; allMax?: boolean }[] = [
  { name: '3x3 s1 5->7 9x11', s: spec(5, 7, 3, 1, 1, 1), h: 9, w: 11 },
  { name: '3x3 s2 3->8 17x15 (stage 0)', s: spec(3, 8, 3, 2, 1, 2), h: 17, w: 15 },
  { name: '1x1 16->12 7x5', s: spec(16, 12, 1, 1, 0, 3, { bias: null }), h: 7, w: 5 },
  {
    name: '3x3 s1 13->13 6x7, no Relu, zero point 9',
    s: spec(13, 13, 3, 1, 1, 4, { relu: false, yZero: 9 }),
    h: 6,
    w: 7,
  },
  {
    name: '3x3 s1 8->5 5x5, Relu at zero point 200 (clamped there)',
    s: spec(8, 5, 3, 1, 1, 5, { yZero: 200, yScale: 0.05 }),
    h: 5,
    w: 5,
  },
  {
    name: 'depthwise 3x3 s2 12 channels 9x10',
    s: spec(12, 12, 3, 2, 1, 9, { groups: 12 }),
    h: 9,
    w: 10,
  },
  { name: '3x3 s1 16->9 12x12 (gathered panels)', s: spec(16, 9, 3, 1, 1, 7), h: 12, w: 12 },
  { name: '3x3 s2 8->6 16x18 (gathered panels)', s: spec(8, 6, 3, 2, 1, 8), h: 16, w: 18 },
  {
    name: '3x3 s1 64->32 14x14, extreme values (255 x +-127)',
    s: spec(64, 32, 3, 1, 1, 6, { xZero: 0, yScale: 40 }),
    h: 14,
    w: 14,
    allMax: true,
  },
  {
    // Winograd's int32 sums wrap here (9 products of up to 1152 x 1020 per channel, 600
    // channels) and still end exact: the true 4 y fits.
    name: '3x3 s1 600->6 5x7, extreme values, sums wrapping in int32',
    s: spec(600, 6, 3, 1, 1, 10, { xZero: 0, yScale: 4000 }),
    h: 5,
    w: 7,
    allMax: true,
  },
  {
    name: '3x3 s1 7->6 6x5, pads 0 1 2 0 (top left bottom right), zero point 255',
    s: spec(7, 6, 3, 1, 0, 11, { pads: [0, 1, 2, 0], xZero: 255 }),
    h: 6,
    w: 5,
  },
  {
    name: '3x3 s1 pad 2 9->5 3x4 (output larger than input)',
    s: spec(9, 5, 3, 1, 2, 12, { relu: false, yZero: 128 }),
    h: 3,
    w: 4,
  },
];

describe('integer Winograd scratch', () => {
  it("bounds the int32 products by chunks of panels; B1's layers take one chunk each", () => {
    const big = qwinoSizes(64, 64, 224, 224);
    expect(big.p).toBe(1568);
    expect(big.chunk).toBeLessThan(big.p);
    expect(big.mo).toBeLessThanOrEqual(QWINO_CHUNK_BYTES);
    for (const [c, hw] of [
      [128, 56],
      [256, 28],
      [512, 14],
    ] as const) {
      const z = qwinoSizes(c, c, hw, hw);
      expect(z.chunk).toBe(z.p);
    }
  });
});

describe.each(ISAS)('%s build: kernels', (isa) => {
  let k: LensKernels;
  beforeAll(async () => {
    k = await instantiateKernels(await WebAssembly.compile(kernelBytes(isa)), isa);
  });

  it('the relaxed dot is used only where the probe found it exact', () => {
    const mode = qdotMode(k);
    // SIMD128 has no relaxed dot; Node 20's V8 answers 0 (its baseline tier returns twice the
    // dot product), chromium 156 on this machine answers 2 (vpdpbusd: whole bytes, exact).
    expect(isa === 'simd128' ? [0] : [0, 1, 2]).toContain(mode);
  });

  it('the dot modes are timed on a small GEMM whose buffers are freed after', () => {
    const before = k.used;
    const times = timeQdotModes(k, [0, 0]);
    expect(times).toHaveLength(2);
    for (const t of times) expect(t).toBeGreaterThanOrEqual(0);
    for (const t of times) expect(t).toBeLessThan(1000);
    expect(k.used).toBe(before);
  });

  it('QuantizeLinear and DequantizeLinear as ONNX defines them (ties to even, saturation)', () => {
    const q = { scale: 0.25, zeroPoint: 7 };
    const x = Float32Array.from([
      ...randomArray(61, 9, 40),
      0.125, // 0.5 steps: to even (0)
      0.375, // 1.5 -> 2
      -1.875, // -7.5 -> -8 -> clamped to 0 - 7
      1e9,
      -1e9,
      63.625,
    ]);
    const px = k.put(x);
    const py = k.alloc(x.length);
    k.int8.lens_quantize_u8(px, x.length, q.scale, q.zeroPoint, py);
    const got = [...new Uint8Array(k.memory.buffer, py, x.length)];
    expect(got).toEqual([...x].map((v) => quantizeValue(v, q)));
    const pf = k.alloc(x.length);
    k.int8.lens_dequantize_u8(py, x.length, q.scale, q.zeroPoint, pf);
    expect([...k.read(pf, x.length)]).toEqual(got.map((v) => Math.fround((v - 7) * 0.25)));
  });

  it.each(CASES)('$name: every dot mode and thread split as the integer reference', (c) => {
    const r = seeded(77);
    const x = Uint8Array.from({ length: c.s.cin * c.h * c.w }, () =>
      c.allMax ? 255 : Math.floor((r() + 1) * 128),
    );
    const s = c.allMax
      ? { ...c.s, weights: c.s.weights.map((_, i) => (i % 3 === 0 ? -127 : 127)) }
      : c.s;
    const want = qconvRef(s, x, c.h, c.w);
    const px = putBytes(k, x);
    // This build's own mode, and always the int16 dot (exact everywhere); 3x3 stride-1 layers
    // also as integer Winograd, in one chunk of panels and in chunks of one panel (8 tiles).
    const variants = [...new Set([qdotMode(k), 0])].flatMap((mode) => [
      { mode, winograd: false, chunkBytes: undefined },
      ...(qwinoFits(s)
        ? [
            { mode, winograd: true, chunkBytes: undefined },
            { mode, winograd: true, chunkBytes: 1 },
          ]
        : []),
    ]);
    for (const { mode, winograd, chunkBytes } of variants) {
      const layer = new PackedQConv(k, s, mode, winograd, chunkBytes);
      expect(layer.method === 'int8-winograd-f23').toBe(winograd);
      for (const threads of [1, 2, 3]) {
        const py = k.alloc(want.y.length / 4 + 4);
        const scratch = Array.from({ length: threads }, () =>
          k.alloc(layer.scratchFloats(c.h, c.w)),
        );
        for (const phase of layer.work(px, py, c.h, c.w, scratch))
          for (const call of phase) k.call(call);
        const got = new Uint8Array(k.memory.buffer, py, want.y.length);
        expect(
          [...got],
          `${layer.method}, mode ${mode}, chunk ${chunkBytes ?? 'default'}, ${threads} thread(s)`,
        ).toEqual([...want.y]);
      }
    }
  });

  it('the scalar C reference (lens_qconv_ref) agrees with the one here', () => {
    const c = CASES[1]!;
    const r = seeded(3);
    const x = Uint8Array.from({ length: c.s.cin * c.h * c.w }, () => Math.floor((r() + 1) * 128));
    const want = qconvRef(c.s, x, c.h, c.w);
    const py = k.alloc(want.y.length);
    const g = [c.s.cin, c.h, c.w] as const;
    k.int8.lens_qconv_ref(
      putBytes(k, x),
      ...g,
      c.s.xZero,
      putBytes(k, c.s.weights),
      putBytesI32(k, c.s.bias!),
      c.s.cout,
      1,
      3,
      3,
      2,
      2,
      1,
      1,
      py,
      want.ho,
      want.wo,
      k.put(requantScales(c.s)),
      c.s.yZero,
      0,
      255,
    );
    expect([...new Uint8Array(k.memory.buffer, py, want.y.length)]).toEqual([...want.y]);
  });
});

function putBytesI32(k: LensKernels, a: Int32Array): number {
  return putBytes(k, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

/** max |dp| over the batch after checking every row's top 5, and the share of identical logits. */
function compare(got: Float32Array, want: Float32Array, batch: number) {
  const { dp, same, sameTop5 } = compareLogits(got, want, batch);
  expect(sameTop5).toBe(true);
  return { dp, same };
}

async function lens(bytes: Uint8Array, isa: (typeof ISAS)[number], threads = 1) {
  const load = await createLensNodeSession(bytes, { isa, threads });
  if (!load.claimed) throw new Error(`declined: ${JSON.stringify(load.reason)}`);
  return load;
}

describe('the tiny model quantized by the project, against onnxruntime-node on the same file', () => {
  const tiny = new Uint8Array(readFileSync(resolve(ROOT, 'models/repopt-tiny.onnx')));
  const files = new Map<string, Uint8Array>();
  let photos: Float32Array;
  beforeAll(async () => {
    const images = await fixtureImages();
    for (const m of ['percentile', 'minmax'] as const)
      files.set(m, (await quantizeWith(tiny, images, m)).bytes);
    files.set('kept float', (await quantizeWith(tiny, images, 'percentile', { auto: 2 })).bytes);
    photos = new Float32Array(images.length * 3 * 224 * 224);
    images.forEach((im, i) => photos.set(im.tensor, i * 3 * 224 * 224));
  }, 240_000);

  it('claims the QDQ graph and fuses every convolution and the classifier', () => {
    const c = claimModel(files.get('percentile')!);
    if (!c.claimed) throw new Error(JSON.stringify(c.reason));
    expect(c.graph.ops.map((o) => o.op)).toEqual([
      'quantize',
      ...Array<string>(6).fill('qconv'),
      'dequantize',
      'gap',
      'flatten',
      'quantize',
      'qdense',
    ]);
  });

  it('a layer kept in float runs in float on the dequantized values, as onnxruntime does', () => {
    const c = claimModel(files.get('kept float')!);
    if (!c.claimed) throw new Error(JSON.stringify(c.reason));
    const ops = c.graph.ops.map((o) => o.op);
    expect(ops.filter((o) => o === 'conv').length + ops.filter((o) => o === 'dense').length).toBe(
      2,
    );
  });

  describe.each(ISAS)('%s build', (isa) => {
    it.each(['percentile', 'minmax', 'kept float'])(
      '%s: the fixture photos and random inputs give onnxruntime-node int8 logits',
      async (name) => {
        const bytes = files.get(name)!;
        const ort = await createNodeSession(bytes, 1);
        const ours = await lens(bytes, isa);
        const n = photos.length / (3 * 224 * 224);
        const rand = randomArray(2 * 3 * 224 * 224, 42, 2);
        const res = [];
        for (const [x, b] of [
          [photos, n],
          [rand, 2],
        ] as const) {
          const dims = [b, 3, 224, 224] as const;
          res.push(compare(await ours.session.run(x, dims), await ort.run(x, dims), b));
        }
        const dp = Math.max(...res.map((r) => r.dp));
        const same = Math.min(...res.map((r) => r.same));
        console.log(
          `${isa} tiny int8 ${name}: max |dp| ${dp.toExponential(2)} (bound ${name === 'kept float' ? KEPT_FLOAT_MAX_DP : MAX_DP}), identical logits ${(same * 100).toFixed(1)}%, dot mode ${qdotMode(ours.model.kernels)}`,
        );
        expect(dp).toBeLessThanOrEqual(name === 'kept float' ? KEPT_FLOAT_MAX_DP : MAX_DP);
        await ort.dispose();
        await ours.session.dispose();
      },
    );

    it('a Winograd weight budget: layers past it run direct, with the same logits', async () => {
      const c = claimModel(files.get('percentile')!);
      if (!c.claimed) throw new Error(JSON.stringify(c.reason));
      const k = await instantiateKernels(await WebAssembly.compile(kernelBytes(isa)), isa);
      const qconvs = c.graph.ops.flatMap((o) => (o.op === 'qconv' ? [o.spec] : []));
      const fits = qconvs.filter(qwinoFits);
      expect(fits.length).toBeGreaterThan(0);
      const x = randomArray(3 * 224 * 224, 9, 2);
      const d = [1, 3, 224, 224] as const;
      const run = (int8WinogradBytes: number) => {
        const m = new LensModel(k, c.graph, null, { int8WinogradBytes });
        return { methods: m.convMethods, logits: m.run(x, d, [c.graph.outputs[0]!.name])[0]!.data };
      };
      // The int16 dot in Node (the relaxed dot is not exact in Node 20): integer Winograd applies.
      expect(qdotMode(k)).toBe(0);
      const all = run(Infinity);
      const none = run(0);
      const first = run(qwinoWeightBytes(fits[0]!));
      const short = run(qwinoWeightBytes(fits[0]!) - 1);
      const wino = (ms: string[]) => ms.filter((m) => m === 'int8-winograd-f23').length;
      expect(wino(all.methods)).toBe(fits.length);
      expect(wino(none.methods)).toBe(0);
      expect(wino(first.methods)).toBe(1);
      expect(wino(short.methods)).toBe(0);
      expect(first.logits).toEqual(all.logits);
      expect(none.logits).toEqual(all.logits);
    });

    it('2 threads give the 1-thread answer bit for bit', async () => {
      const bytes = files.get('percentile')!;
      const x = randomArray(3 * 224 * 224, 5, 2);
      const d = [1, 3, 224, 224] as const;
      const one = await lens(bytes, isa);
      const two = await lens(bytes, isa, 2);
      expect(two.session.threads).toBe(2);
      expect(await two.session.run(x, d)).toEqual(await one.session.run(x, d));
      await two.session.dispose();
    });
  });

  it('declines int8 activations and per-channel activation scales, naming the node', () => {
    const edit = (f: (m: ReturnType<typeof decodeModel>) => void) => {
      const m = decodeModel(files.get('percentile')!);
      f(m);
      return claimModel(ModelProto.encode(m).finish());
    };
    const zp = (m: ReturnType<typeof decodeModel>) =>
      m.graph!.initializer.find((t) => t.name === 'input_zero_point')!;
    expect(
      edit((m) => {
        zp(m).dataType = DataType['INT8']!;
      }),
    ).toEqual({
      claimed: false,
      reason: {
        node: 'input_quantized',
        opType: 'QuantizeLinear',
        detail: 'int8 activations (uint8 only)',
      },
    });
    expect(
      edit((m) => {
        const s = m.graph!.initializer.find((t) => t.name === 'input_scale')!;
        s.dims = [2];
        s.rawData = new Uint8Array(new Float32Array([0.1, 0.2]).buffer);
      }),
    ).toMatchObject({ claimed: false, reason: { detail: 'per-channel activation scales' } });
    expect(
      edit((m) => {
        const n = m.graph!.node.find((x) => x.opType === 'Conv')!;
        n.opType = 'QLinearConv';
      }),
    ).toMatchObject({ claimed: false, reason: { opType: 'QLinearConv' } });
  });

  it('the session says it runs on the lens kernels', async () => {
    const load = await lens(files.get('percentile')!, 'simd128');
    const s: LoadedSession = load.session;
    expect(s.choice.reason).toContain('lens WebAssembly kernels (simd128');
    await s.dispose();
  });
});

/**
 * A GhostNet-like float graph (3x3 s2, depthwise 3x3, 1x1, each with Relu; GAP, Gemm) at 20x20,
 * quantized by the project's quantizer on seeded random images.
 */
function ghostlike(): Uint8Array {
  const f = floatTensor;
  const pad1 = ints('pads', [1, 1, 1, 1]);
  return ModelProto.encode({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'ghostlike',
      node: [
        node('Conv', ['x', 'w0', 'b0'], ['c0'], [ints('strides', [2, 2]), pad1]),
        node('Relu', ['c0'], ['r0']),
        node(
          'Conv',
          ['r0', 'wd', 'bd'],
          ['c1'],
          [{ name: 'group', type: AttributeType['INT'], i: 8 }, pad1],
        ),
        node('Relu', ['c1'], ['r1']),
        node('Conv', ['r1', 'w2', 'b2'], ['c2']),
        node('Relu', ['c2'], ['r2']),
        node('GlobalAveragePool', ['r2'], ['gap']),
        node('Flatten', ['gap'], ['flat']),
        node(
          'Gemm',
          ['flat', 'wg', 'bg'],
          ['logits'],
          [{ name: 'transB', type: AttributeType['INT'], i: 1 }],
        ),
      ],
      initializer: [
        f('w0', [8, 3, 3, 3], 1),
        f('b0', [8], 2),
        f('wd', [8, 1, 3, 3], 3),
        f('bd', [8], 4),
        f('w2', [16, 8, 1, 1], 5),
        f('b2', [16], 6),
        f('wg', [10, 16], 7),
        f('bg', [10], 8),
      ],
      input: [io('x', ['N', 3, 20, 20])],
      output: [io('logits', ['N', 10])],
    },
  }).finish();
}

describe('depthwise and 1x1 (a GhostNet-like graph), against onnxruntime-node', () => {
  it.each(ISAS)('%s: every layer fused, logits as onnxruntime-node int8', async (isa) => {
    const images = Array.from({ length: 4 }, (_, i) => ({
      name: `r${i}`,
      tensor: randomArray(3 * 20 * 20, 100 + i, 2),
    }));
    const { bytes } = await quantizeModel(ghostlike(), {
      method: 'minmax',
      keepFloat: null,
      // eslint-disable-next-line @typescript-eslint/require-await
      images: async function* () {
        yield* images;
      },
      imageCount: images.length,
      size: 20,
      createRunner: nodeQuantRunner(1),
      sourceSha256: '0'.repeat(64),
      date: '2026-12-05T00:00:00.000Z',
    });
    const load = await lens(bytes, isa);
    expect(load.model.convMethods).toEqual(['int8-im2col', 'int8-depthwise', 'int8-im2col']);
    expect(load.model.graph.ops.map((o) => o.op)).toContain('qdense');
    const ort = await createNodeSession(bytes, 1);
    const x = randomArray(3 * 3 * 20 * 20, 9, 2);
    const dims = [3, 3, 20, 20] as const;
    const got = await load.session.run(x, dims);
    const want = await ort.run(x, dims);
    const identical = got.filter((v, i) => v === want[i]).length / want.length;
    console.log(`${isa} ghost-like int8: identical logits ${(identical * 100).toFixed(1)}%`);
    expect(compare(got, want, 3).dp).toBeLessThanOrEqual(MAX_DP);
    await ort.dispose();
    await load.session.dispose();
  });
});
