/**
 * Property-based and mutation fuzzing (fast-check) of the pure parsers, the checkpoint reader and
 * the resize/crop. Every parser, on any input, must end (a hang is the test's timeout), throw
 * nothing but a `LensError` with a file-fault code, and allocate no more than a bound proportional
 * to its input. Times are reported in the summary, not asserted (speed is the benchmark's). The resize must equal an
 * independent reference written here, and stay within the input's value range.
 *
 * `npm test` runs a bounded number of cases (a few seconds); `npm run fuzz` sets FUZZ_RUNS for many
 * more. FUZZ_SEED replays a run (fast-check prints the seed and the shrunk counterexample).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { readAvifSize } from '../src/core/image/avif';
import { decodeBmp, readBmpSize } from '../src/core/image/bmp';
import { checkImageHeader } from '../src/core/image/decode-check';
import { readGifInfo } from '../src/core/image/gif';
import { decodeIco, readIcoInfo } from '../src/core/image/ico';
import { readWebpSize } from '../src/core/image/webp';
import { isLensError, type LensErrorCode } from '../src/core/errors';
import { readExifOrientation } from '../src/core/image/exif';
import type { RgbImage } from '../src/core/image/rgb-image';
import { describeNonImage, sniffImageFormat } from '../src/core/image/format';
import { readJpegInfo } from '../src/core/image/jpeg';
import { parseLabels } from '../src/core/data/labels';
import { parseManifest } from '../src/core/model/manifest';
import { readOnnxModel } from '../src/core/onnx';
import { ModelProto } from '../src/core/onnx/proto';
import { decodePng } from '../src/core/image/png';
import { centerCrop, resizeAndCenterCrop } from '../src/core/preprocess/preprocess';
import { resize, resizeBilinear } from '../src/core/preprocess/resize';
import { findWeights } from '../src/core/checkpoint/layout';
import { storageLoader } from '../src/core/checkpoint/persistent';
import { unpickle } from '../src/core/checkpoint/pickle';
import { toPlainRecord } from '../src/core/checkpoint/plain';
import { readCheckpoint } from '../src/core/checkpoint/torch';
import { openZip } from '../src/core/checkpoint/zip';
import { ROOT } from './helpers/fixtures';

// ------------------------------------------------------------------------------ the harness

const FUZZ_RUNS = Number(process.env['FUZZ_RUNS'] ?? 0);
const SEED = process.env['FUZZ_SEED'] ? Number(process.env['FUZZ_SEED']) : undefined;
/** `base` cases per property in `npm test`; FUZZ_RUNS cases per property when set (`npm run fuzz`). */
const runs = (base: number) => (FUZZ_RUNS > 0 ? FUZZ_RUNS : base);
const params = (base: number) => ({
  numRuns: runs(base),
  ...(SEED === undefined ? {} : { seed: SEED }),
});
const TIMEOUT = 60_000 + FUZZ_RUNS * 10;
vi.setConfig({ testTimeout: TIMEOUT });

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** What a parser may allocate for `n` input bytes: ArrayBuffers and JS heap, separately. */
interface Bound {
  buffers: (n: number) => number;
  heap: (n: number) => number;
}
const LINEAR: Bound = { buffers: (n) => 16 * n + (1 << 20), heap: (n) => 2000 * n + (32 << 20) };

interface Stats {
  cases: number;
  failures: Map<string, number>;
  slowestMs: number;
  maxBuffers: number;
}
const stats = new Map<string, Stats>();

function record(target: string, ms: number, buffers: number, failure: string | null): void {
  const s = stats.get(target) ?? { cases: 0, failures: new Map(), slowestMs: 0, maxBuffers: 0 };
  s.cases++;
  s.slowestMs = Math.max(s.slowestMs, ms);
  s.maxBuffers = Math.max(s.maxBuffers, buffers);
  if (failure !== null) s.failures.set(failure, (s.failures.get(failure) ?? 0) + 1);
  stats.set(target, s);
}

/**
 * Runs one parser call and checks the contract: a result, or a LensError with an allowed code,
 * allocating within the bound (measured as the growth of live ArrayBuffers and
 * heap during the call, so a GC in between can only hide allocations, never invent them).
 */
async function contract<T>(
  target: string,
  input: number,
  codes: readonly LensErrorCode[],
  call: () => T | Promise<T>,
  bound: Bound = LINEAR,
): Promise<T | undefined> {
  const before = process.memoryUsage();
  const t0 = performance.now();
  let result: T | undefined;
  let failure: string | null = null;
  try {
    result = await call();
  } catch (e) {
    if (!isLensError(e)) {
      throw new Error(
        `${target} threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}, not a LensError`,
      );
    }
    if (!codes.includes(e.code))
      throw new Error(`${target}: unexpected code ${e.code}: ${e.message}`);
    failure = process.env['FUZZ_DEBUG'] ? `${e.code}: ${e.message.slice(0, 60)}` : e.code;
  }
  const ms = performance.now() - t0;
  const after = process.memoryUsage();
  const buffers = after.arrayBuffers - before.arrayBuffers;
  const heap = after.heapUsed - before.heapUsed;
  record(target, ms, buffers, failure);
  if (buffers > bound.buffers(input))
    throw new Error(`${target} allocated ${buffers} bytes of buffers for ${input} input bytes`);
  if (heap > bound.heap(input)) {
    gc(); // garbage from before the call may have been counted: only a live excess is a failure
    const live = process.memoryUsage().heapUsed - before.heapUsed;
    if (live > bound.heap(input))
      throw new Error(`${target} grew the heap by ${live} bytes for ${input} input bytes`);
  }
  return result;
}

// ------------------------------------------------------------------------------ mutations

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'u32'; at: number; value: number }
  | { kind: 'cut'; at: number }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'repeat'; at: number; length: number; times: number };

/** A position in [0, 1): where in the (current) input a mutation applies; uniform, not biased to 0. */
const position = fc.noBias(fc.integer({ min: 0, max: 0xffff })).map((n) => n / 0x10000);
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant('flip' as const),
    at: position,
    bit: fc.integer({ min: 0, max: 7 }),
  }),
  fc.record({
    kind: fc.constant('set' as const),
    at: position,
    value: fc.oneof(fc.constantFrom(0, 1, 0x7f, 0x80, 0xff), fc.integer({ min: 0, max: 255 })),
  }),
  fc.record({
    kind: fc.constant('u32' as const),
    at: position,
    value: fc.oneof(
      fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x10000, 0xffff),
      fc.nat(),
    ),
  }),
  fc.record({ kind: fc.constant('cut' as const), at: position }),
  fc.record({
    kind: fc.constant('delete' as const),
    at: position,
    length: fc.integer({ min: 1, max: 64 }),
  }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: position,
    bytes: fc.uint8Array({ minLength: 1, maxLength: 32 }),
  }),
  fc.record({
    kind: fc.constant('repeat' as const),
    at: position,
    length: fc.integer({ min: 1, max: 32 }),
    times: fc.integer({ min: 2, max: 64 }),
  }),
);

function mutate(src: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let b: Uint8Array = src.slice();
  for (const m of mutations) {
    const at = Math.floor(m.at * Math.max(1, b.length));
    switch (m.kind) {
      case 'flip':
        if (at < b.length) b[at] = b[at]! ^ (1 << m.bit);
        break;
      case 'set':
        if (at < b.length) b[at] = m.value;
        break;
      case 'u32':
        if (at + 4 <= b.length) new DataView(b.buffer).setUint32(at, m.value, m.at < 0.5);
        break;
      case 'cut':
        b = b.slice(0, at);
        break;
      case 'delete':
        b = concat(b.subarray(0, at), b.subarray(at + m.length));
        break;
      case 'insert':
        b = concat(b.subarray(0, at), m.bytes, b.subarray(at));
        break;
      case 'repeat': {
        const chunk = b.subarray(at, at + m.length);
        b = concat(b.subarray(0, at), ...Array<Uint8Array>(m.times).fill(chunk), b.subarray(at));
        break;
      }
    }
  }
  return b;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Random bytes, or one of the seeds mutated a few times. */
function bytesFrom(seeds: readonly Uint8Array[], maxRandom = 2048): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: maxRandom }) },
    {
      weight: 4,
      arbitrary: fc
        .tuple(
          fc.integer({ min: 0, max: seeds.length - 1 }),
          fc.array(mutation, { minLength: 1, maxLength: 4 }),
        )
        .map(([i, ms]) => mutate(seeds[i]!, ms)),
    },
  );
}

const file = (path: string) => new Uint8Array(readFileSync(`${ROOT}/${path}`));
const filesIn = (dir: string, ext: RegExp) =>
  readdirSync(`${ROOT}/${dir}`)
    .filter((n) => ext.test(n))
    .sort()
    .map((n) => file(`${dir}/${n}`));

const IMAGE_FAULTS: LensErrorCode[] = ['corrupt-image', 'image-too-large', 'not-an-image'];
/** The BMP decoder also refuses the variants Pillow does not read. */
const BMP_FAULTS: LensErrorCode[] = [...IMAGE_FAULTS, 'unsupported-image'];

// ------------------------------------------------------------------------------ image parsers

describe('fuzz: image parsers', () => {
  const pngs = filesIn('test/data/png', /\.png$/);
  const photos = [
    ...filesIn('e2e/fixtures/bad', /\.(jpg|png|gif)$/),
    file('e2e/fixtures/images/exif-rotated.jpg'),
  ].filter((b) => b.length > 0 && b.length < 200_000);

  it(
    'decodePng: Pillow-compatible errors only, bounded time and memory',
    async () => {
      // Output can legitimately be ~25,000x the input (a 1-bit image, deflate's 1032:1 ratio, 24
      // bytes of RGB per bit): the bound is that, not more.
      const pngBound: Bound = { buffers: (n) => 26_000 * n + (4 << 20), heap: LINEAR.heap };
      // Half the mutants get their chunk CRCs recomputed, so they reach the header and pixel
      // checks instead of all stopping at a CRC mismatch.
      const input = fc.oneof(
        fc
          .tuple(bytesFrom(pngs.filter((b) => b.length < 20_000)), fc.boolean())
          .map(([b, fix]) => (fix ? fixPngCrcs(b) : b)),
        pngHeaderCase,
      );
      await fc.assert(
        fc.asyncProperty(input, async (bytes) => {
          const r = await contract(
            'decodePng',
            bytes.length,
            IMAGE_FAULTS,
            () => decodePng(bytes),
            pngBound,
          );
          if (r) expect(r.image.data.length).toBe(r.image.width * r.image.height * 3);
        }),
        params(600),
      );
    },
    TIMEOUT,
  );

  it(
    'decodePng: any image written with random filters and interlacing decodes to its pixels',
    async () => {
      await fc.assert(
        fc.asyncProperty(pngCase, async (c) => {
          const { image } = await decodePng(encodePng(c));
          expect(image.width).toBe(c.width);
          expect(image.height).toBe(c.height);
          expect(Buffer.from(image.data).equals(Buffer.from(expectedRgb(c)))).toBe(true);
        }),
        params(300),
      );
    },
    TIMEOUT,
  );

  it('EXIF, JPEG and GIF headers, format sniffing: never throw, always terminate', async () => {
    await fc.assert(
      fc.asyncProperty(bytesFrom([...photos, ...pngs.slice(0, 20)]), async (bytes) => {
        const o = await contract('readExifOrientation', bytes.length, [], () =>
          readExifOrientation(bytes),
        );
        expect(o === null || (o !== undefined && Number.isInteger(o) && o >= 1 && o <= 8)).toBe(
          true,
        );
        const j = await contract('readJpegInfo', bytes.length, [], () => readJpegInfo(bytes));
        expect(j!.width).toBeGreaterThanOrEqual(0);
        const g = await contract('readGifInfo', bytes.length, [], () => readGifInfo(bytes));
        expect(g!.fill.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)).toBe(true);
        await contract('sniffImageFormat', bytes.length, [], () => sniffImageFormat(bytes));
        const d = await contract('describeNonImage', bytes.length, [], () =>
          describeNonImage(bytes),
        );
        expect(typeof d).toBe('string');
      }),
      params(1000),
    );
  });

  it(
    'BMP, ICO, WebP and AVIF headers and the BMP/ICO decoder: image faults only, bounded',
    async () => {
      const seeds = headerSeeds(pngs.filter((b) => b.length < 2000).slice(0, 3));
      // A valid RLE BMP may expand 4 bytes into a whole row or more: decode only what claims at
      // most 2^20 pixels, so the bound is the output's (3 bytes per pixel plus 1 per index).
      const SMALL = 1 << 20;
      const decodeBound: Bound = { buffers: () => 4 * SMALL + (4 << 20), heap: LINEAR.heap };
      await fc.assert(
        fc.asyncProperty(bytesFrom(seeds, 512), async (bytes) => {
          const n = bytes.length;
          const bmp = await contract('readBmpSize', n, IMAGE_FAULTS, () => readBmpSize(bytes));
          await contract('readWebpSize', n, [], () => readWebpSize(bytes));
          await contract('readAvifSize', n, [], () => readAvifSize(bytes));
          const ico = await contract('readIcoInfo', n, [], () => readIcoInfo(bytes));
          for (const format of ['bmp', 'webp', 'ico', 'avif'] as const) {
            const h = await contract('checkImageHeader', n, IMAGE_FAULTS, () =>
              checkImageHeader(bytes, format),
            );
            if (h?.size) expect(h.size.width * h.size.height).toBeLessThanOrEqual(100_000_000);
          }
          const small = (s: { width: number; height: number } | null | undefined) =>
            s != null && s.width * s.height <= SMALL;
          if (small(bmp)) {
            const r = await contract(
              'decodeBmp',
              n,
              BMP_FAULTS,
              () => decodeBmp(bytes),
              decodeBound,
            );
            if (r) expect(r.data.length).toBe(r.width * r.height * 3);
          }
          if (ico?.entries.every((e) => small(e.image ?? e))) {
            const r = await contract(
              'decodeIco',
              n,
              BMP_FAULTS,
              () => decodeIco(bytes),
              decodeBound,
            );
            if (r) expect(r.data.length).toBe(r.width * r.height * 3);
          }
        }),
        params(1500),
      );
    },
    TIMEOUT,
  );

  it('EXIF: a random IFD0 in a JPEG or PNG gives the orientation a TIFF reader would', () => {
    fc.assert(
      fc.property(exifCase, (c) => {
        expect(readExifOrientation(c.bytes)).toBe(c.expected);
      }),
      params(500),
    );
  });
});

// ------------------------------------------------------------------------------ text and models

const TEXT_FAULTS: LensErrorCode[] = ['bad-labels'];

describe('fuzz: labels, manifest, ONNX', () => {
  const labelText = fc.oneof(
    fc.string({ maxLength: 400 }),
    fc.string({
      unit: fc.constantFrom(
        '{',
        '}',
        '[',
        ']',
        ':',
        ',',
        "'",
        '"',
        '\\',
        '\n',
        ' ',
        '0',
        '1',
        '9',
        'a',
        '+',
      ),
      maxLength: 200,
    }),
    fc
      .tuple(
        labelSetText,
        fc.array(fc.tuple(position, fc.string({ maxLength: 3 })), { maxLength: 3 }),
      )
      .map(([text, edits]) =>
        edits.reduce(
          (t, [at, s]) =>
            t.slice(0, Math.floor(at * t.length)) + s + t.slice(Math.floor(at * t.length) + 1),
          text,
        ),
      ),
  );

  it('parseLabels: bad-labels errors only; a result is a dense list of strings', async () => {
    await fc.assert(
      fc.asyncProperty(labelText, async (text) => {
        const r = await contract('parseLabels', text.length * 2, TEXT_FAULTS, () =>
          parseLabels(text),
        );
        if (r) {
          expect(r.labels.length).toBeGreaterThan(0);
          for (let i = 0; i < r.labels.length; i++) expect(typeof r.labels[i]).toBe('string');
          if (r.wnids) expect(r.wnids.length).toBe(r.labels.length);
        }
      }),
      params(1500),
    );
  });

  it('parseLabels: every label list written in each supported format reads back', () => {
    fc.assert(
      fc.property(
        labelList,
        fc.constantFrom('lines', 'python', 'json', 'keras'),
        (labels, format) => {
          const text = writeLabels(labels, format);
          const expected =
            format === 'lines' && text.startsWith('label\n') ? ['label', ...labels] : labels;
          expect(parseLabels(text).labels).toEqual(expected);
        },
      ),
      params(500),
    );
  });

  it('parseLabels: indexed files with any indices (gaps, duplicates, huge) fail cleanly or are dense', async () => {
    const index = fc.oneof(
      fc.integer({ min: 0, max: 8 }),
      fc.constantFrom(2 ** 32 - 2, 2 ** 32 - 1, 2 ** 32, 999_999_999_999, 2 ** 53),
      fc.nat(),
    );
    const entries = fc.array(fc.tuple(index, fc.constantFrom('tench', "o'clock", 'x')), {
      minLength: 1,
      maxLength: 10,
    });
    await fc.assert(
      fc.asyncProperty(entries, fc.boolean(), async (list, python) => {
        const text = python
          ? `{${list.map(([i, l]) => `${i}: ${JSON.stringify(l)}`).join(', ')}}`
          : `{${list.map(([i, l]) => `${JSON.stringify(String(i))}: ${JSON.stringify(['n0', l])}`).join(', ')}}`;
        const r = await contract('parseLabels', text.length * 2, TEXT_FAULTS, () =>
          parseLabels(text),
        );
        if (r) {
          expect(r.labels.length).toBe(new Set(list.map(([i]) => i)).size);
          expect(Object.keys(r.labels).length).toBe(r.labels.length);
        }
      }),
      params(500),
    );
  });

  it('parseManifest: bad-manifest errors only', async () => {
    const real = readFileSync(`${ROOT}/models/models.json`, 'utf8');
    const text = fc.oneof(
      fc.json({ maxDepth: 4 }),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify({ models: [v] })),
      fc.jsonValue({ maxDepth: 2 }).chain((v) =>
        fc
          .constantFrom(
            ...Object.keys((JSON.parse(real) as { models: Record<string, unknown>[] }).models[0]!),
          )
          .map((key) => {
            const m = JSON.parse(real) as { models: Record<string, unknown>[] };
            m.models[0]![key] = v;
            return JSON.stringify(m);
          }),
      ),
      fc
        .tuple(position, fc.string({ maxLength: 4 }))
        .map(
          ([at, s]) =>
            real.slice(0, Math.floor(at * real.length)) +
            s +
            real.slice(Math.floor(at * real.length) + 1),
        ),
    );
    await fc.assert(
      fc.asyncProperty(text, async (t) => {
        const r = await contract('parseManifest', t.length * 2, ['bad-manifest'], () =>
          parseManifest(t),
        );
        if (r)
          for (const m of r.models)
            expect(typeof m.id === 'string' && typeof m.file === 'string').toBe(true);
      }),
      params(800),
    );
  });

  it(
    'readOnnxModel: not-a-model errors only, on random and mutated models',
    async () => {
      const tiny = file('models/repopt-tiny.onnx');
      // The tiny model's graph without its weights: mutations then hit the structure, not the
      // floats; plus small models from other fixtures where the tree has them.
      const model = ModelProto.decode(tiny) as unknown as {
        graph: { initializer: { rawData: Uint8Array }[] };
      };
      for (const t of model.graph.initializer) t.rawData = new Uint8Array(0);
      const stripped = ModelProto.encode(model).finish();
      let others: Uint8Array[] = [];
      try {
        others = filesIn('e2e/fixtures/bad-models', /\.onnx$/).filter((b) => b.length < 20_000);
      } catch {
        // not there: the stripped model is enough
      }
      const small = [stripped, ...others, tiny];
      await fc.assert(
        fc.asyncProperty(bytesFrom(small), async (bytes) => {
          const r = await contract('readOnnxModel', bytes.length, ['not-a-model'], () =>
            readOnnxModel(bytes),
          );
          if (r) expect(Number.isFinite(r.irVersion)).toBe(true);
        }),
        params(400),
      );
    },
    TIMEOUT,
  );
});

// ------------------------------------------------------------------------------ resize and crop

describe('fuzz: resize and center crop', () => {
  it('resizeBilinear equals the reference, with every value in the input range', () => {
    fc.assert(
      fc.property(resizeCase, ({ image, width, height }) => {
        const got = resizeBilinear(image, width, height);
        expect([got.width, got.height]).toEqual([width, height]);
        expect(got.data.length).toBe(width * height * 3);
        const want = referenceResize(image, width, height);
        expect(Buffer.from(got.data).equals(Buffer.from(want.data))).toBe(true);
        const outside: number[] = [];
        for (let c = 0; c < 3; c++) {
          const [lo, hi] = range(image, c);
          for (let i = c; i < got.data.length; i += 3)
            if (got.data[i]! < lo || got.data[i]! > hi) outside.push(i);
        }
        expect(outside, 'values outside the input range').toEqual([]);
        // Fixed point (rounded after each pass) against exact weights: at most 2 levels apart
        // (one from each pass; 200,000 cases found 2, never 3).
        const exact = floatResize(image, width, height);
        let worst = 0;
        for (let i = 0; i < exact.length; i++)
          worst = Math.max(worst, Math.abs(got.data[i]! - exact[i]!));
        expect(worst).toBeLessThanOrEqual(2);
      }),
      params(500),
    );
  });

  it('resizeAndCenterCrop equals centerCrop(resizeBilinear(...)), padding included', () => {
    fc.assert(
      fc.property(resizeCase, fc.integer({ min: 1, max: 48 }), ({ image, width, height }, size) => {
        const got = resizeAndCenterCrop(image, width, height, size);
        const want = centerCrop(referenceResize(image, width, height), size);
        expect([got.width, got.height]).toEqual([size, size]);
        expect(Buffer.from(got.data).equals(Buffer.from(want.data))).toBe(true);
      }),
      params(500),
    );
  });

  it('bicubic: resizeAndCenterCrop equals centerCrop(resize(...)), values in 0..255', () => {
    fc.assert(
      fc.property(resizeCase, fc.integer({ min: 1, max: 48 }), ({ image, width, height }, size) => {
        const full = resize(image, width, height, 'bicubic');
        expect(full.data.length).toBe(width * height * 3);
        const got = resizeAndCenterCrop(image, width, height, size, 'bicubic');
        const want = centerCrop(full, size);
        expect(Buffer.from(got.data).equals(Buffer.from(want.data))).toBe(true);
      }),
      params(300),
    );
  });

  it('a crop of a huge resize costs what the crop costs (1 x N strips)', () => {
    const strip: RgbImage = {
      width: 1,
      height: 10_000,
      data: new Uint8Array(30_000).map((_, i) => i % 251),
    };
    const before = process.memoryUsage().arrayBuffers;
    const crop = resizeAndCenterCrop(strip, 256, 2_560_000, 224);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 << 20);
    expect(crop.data.length).toBe(224 * 224 * 3);
  });
});

// ------------------------------------------------------------------------------ checkpoints

describe('fuzz: checkpoints', () => {
  const CKPT_FAULTS: LensErrorCode[] = [
    'not-a-checkpoint',
    'corrupt-checkpoint',
    'unsafe-checkpoint',
    'unsupported-checkpoint',
  ];
  // A missing fixture fails here: a renamed file must not silently shrink the fuzzing.
  const checkpoint = (name: string) => file(`test/data/checkpoints/${name}`);
  const zipped = [
    'bare.pth',
    'training.pth',
    'protocol4.pth',
    'deflated.pth',
    'zip64.pth',
    'views.pth',
  ];
  const whole = [...zipped, 'legacy.pth', 'dtypes.pth', 'big_endian.pth'].map(checkpoint);
  const unpickleWalk = (bytes: Uint8Array) => {
    const { value } = unpickle(bytes, { persistentLoad: storageLoader(new Map()) });
    const found = findWeights(value);
    return JSON.stringify(toPlainRecord(found.rest));
  };

  it('unpickle + layout walk: pickles from real checkpoints, mutated', async () => {
    const pickles = [...filesIn('test/data/checkpoints/pickles', /\.pkl$/)];
    for (const name of [
      ...zipped.slice(0, 2),
      'views.pth',
      'protocol4.pth',
      'pickled_module.pth',
    ]) {
      const archive = openZip(checkpoint(name), { maxTotalSize: 1e9 });
      const entry = [...archive.entries.values()].find((e) => e.name.endsWith('data.pkl'))!;
      pickles.push((await archive.read(entry)).slice());
    }
    expect(pickles.length).toBeGreaterThanOrEqual(11);
    await fc.assert(
      fc.asyncProperty(bytesFrom(pickles), async (bytes) => {
        await contract('unpickle', bytes.length, CKPT_FAULTS, () => unpickleWalk(bytes));
      }),
      params(800),
    );
  });

  it('unpickle: random opcode programs (allow-listed calls with odd arguments)', async () => {
    const snippets = [
      '(',
      ')',
      ']',
      '}',
      'N',
      '\x88',
      'K\x01',
      'K\x00',
      'J\xff\xff\xff\xff',
      'G\x7f\xf0\x00\x00\x00\x00\x00\x00',
      'X\x01\x00\x00\x00a',
      'C\x02ab',
      'a',
      'e',
      's',
      'u',
      't',
      'l',
      'd',
      '\x85',
      '\x86',
      '\x87',
      '\x8f',
      '\x90',
      '\x91',
      'R',
      'b',
      '\x81',
      '0',
      '1',
      '2',
      'Q',
      'q\x00',
      'h\x00',
      '\x94',
      'j\x00\x00\x00\x00',
      'cbuiltins\nset\n',
      'ccollections\nOrderedDict\n',
      'c_codecs\nencode\n',
      'ccopy_reg\n_reconstructor\n',
      'ctorch._utils\n_rebuild_tensor_v2\n',
      'ctorch._utils\n_rebuild_parameter\n',
      'ctorch._tensor\n_rebuild_from_type_v2\n',
      'ctorch\nFloatStorage\n',
      'ctorch\nfloat16\n',
      'ctorch\nSize\n',
      'cyacs.config\nCfgNode\n',
      'c__proto__\nconstructor\n',
      'X\x0b\x00\x00\x00constructor',
      '(X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x04tQ',
    ];
    const program = fc
      .array(fc.constantFrom(...snippets), { minLength: 1, maxLength: 40 })
      .map((parts) => Uint8Array.from(`\x80\x02${parts.join('')}.`, (c) => c.charCodeAt(0)));
    await fc.assert(
      fc.asyncProperty(program, async (bytes) => {
        await contract('unpickle-program', bytes.length, CKPT_FAULTS, () => unpickleWalk(bytes));
      }),
      params(1500),
    );
  });

  it('openZip + read: checkpoint errors only, bounded memory', async () => {
    await fc.assert(
      fc.asyncProperty(bytesFrom(zipped.map(checkpoint)), async (bytes) => {
        await contract('openZip', bytes.length, CKPT_FAULTS, async () => {
          const archive = openZip(bytes, { maxTotalSize: 64 * bytes.length + (1 << 20) });
          for (const entry of archive.entries.values()) await archive.read(entry);
          return archive;
        });
      }),
      params(400),
    );
  });

  it('readCheckpoint: mutated files of every format, and noise', async () => {
    let read = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(bytesFrom(whole), fc.uint8Array({ maxLength: 300 })),
        async (bytes) => {
          const ckpt = await contract('readCheckpoint', bytes.length, CKPT_FAULTS, () =>
            readCheckpoint(bytes, { verifyCrc: false, maxBytes: 16 << 20 }),
          );
          if (ckpt) {
            JSON.stringify(ckpt.extras);
            read++;
          }
        },
      ),
      params(600),
    );
    // Many mutations land in the weights and still read: the fuzzing reaches past the headers.
    expect(read).toBeGreaterThan(runs(600) / 50); // measured: 22 of 600 (3.7 %)
  });
});

// ------------------------------------------------------------------------------ report

describe('fuzz: summary', () => {
  it('prints cases run and outcomes', () => {
    const lines = [...stats].map(
      ([t, s]) =>
        `${t.padEnd(20)} ${String(s.cases).padStart(7)} cases, slowest ${s.slowestMs.toFixed(1)} ms, ` +
        `max buffers ${Math.round(s.maxBuffers / 1024)} KB, errors ${JSON.stringify(Object.fromEntries(s.failures))}`,
    );
    console.log(
      `fuzz (${FUZZ_RUNS > 0 ? `FUZZ_RUNS=${FUZZ_RUNS}` : 'npm test size'}):\n${lines.join('\n')}`,
    );
    expect(stats.size).toBeGreaterThan(0);
  });
});

// ------------------------------------------------------------------------------ generators and references

interface PngCase {
  width: number;
  height: number;
  colorType: 0 | 2 | 4 | 6;
  bitDepth: 8 | 16;
  interlaced: boolean;
  samples: Uint8Array;
  filters: number[];
}

const pngCase: fc.Arbitrary<PngCase> = fc
  .record({
    width: fc.integer({ min: 1, max: 24 }),
    height: fc.integer({ min: 1, max: 24 }),
    colorType: fc.constantFrom(0 as const, 2 as const, 4 as const, 6 as const),
    bitDepth: fc.constantFrom(8 as const, 16 as const),
    interlaced: fc.boolean(),
    seed: fc.integer(),
    filters: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 8 }),
  })
  .map((r) => {
    const channels = { 0: 1, 2: 3, 4: 2, 6: 4 }[r.colorType];
    const n = r.width * r.height * channels * (r.bitDepth / 8);
    let s = r.seed >>> 0;
    const samples = new Uint8Array(n).map(() => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s >>> 24;
    });
    return { ...r, samples };
  });

/** A PNG of `c`, each scanline filtered with the next of `c.filters` (in turn). */
function encodePng(c: PngCase): Uint8Array {
  const channels = { 0: 1, 2: 3, 4: 2, 6: 4 }[c.colorType];
  const bpp = channels * (c.bitDepth / 8);
  const passes = c.interlaced
    ? [
        [0, 0, 8, 8],
        [4, 0, 8, 8],
        [0, 4, 4, 8],
        [2, 0, 4, 4],
        [0, 2, 2, 4],
        [1, 0, 2, 2],
        [0, 1, 1, 2],
      ]
    : [[0, 0, 1, 1]];
  const raw: number[] = [];
  let f = 0;
  for (const [x0, y0, dx, dy] of passes as [number, number, number, number][]) {
    const w = Math.ceil((c.width - x0) / dx);
    const h = Math.ceil((c.height - y0) / dy);
    if (w <= 0 || h <= 0) continue;
    let prev = new Uint8Array(w * bpp);
    for (let y = 0; y < h; y++) {
      const line = new Uint8Array(w * bpp);
      for (let x = 0; x < w; x++) {
        const src = ((y0 + y * dy) * c.width + x0 + x * dx) * bpp;
        line.set(c.samples.subarray(src, src + bpp), x * bpp);
      }
      const type = c.filters[f++ % c.filters.length]!;
      raw.push(type, ...filterLine(type, line, prev, bpp));
      prev = line;
    }
  }
  const chunk = pngChunk;
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, c.width);
  new DataView(ihdr.buffer).setUint32(4, c.height);
  ihdr.set([c.bitDepth, c.colorType, 0, 0, c.interlaced ? 1 : 0], 8);
  return concat(
    PNG_SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('IDAT', new Uint8Array(deflateSync(new Uint8Array(raw)))),
    chunk('IEND', new Uint8Array(0)),
  );
}

function filterLine(type: number, line: Uint8Array, prev: Uint8Array, bpp: number): Uint8Array {
  const out = new Uint8Array(line.length);
  for (let i = 0; i < line.length; i++) {
    const a = i >= bpp ? line[i - bpp]! : 0;
    const b = prev[i]!;
    const c = i >= bpp ? prev[i - bpp]! : 0;
    const p = a + b - c;
    const pa = Math.abs(p - a);
    const pb = Math.abs(p - b);
    const pc = Math.abs(p - c);
    const paeth = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    const pred = [0, a, b, (a + b) >> 1, paeth][type]!;
    out[i] = (line[i]! - pred) & 255;
  }
  return out;
}

/** Pillow's convert('RGB') of these samples: 16-bit keeps the high byte, except grey ('I' clamps). */
function expectedRgb(c: PngCase): Uint8Array {
  const channels = { 0: 1, 2: 3, 4: 2, 6: 4 }[c.colorType];
  const size = c.bitDepth / 8;
  const out = new Uint8Array(c.width * c.height * 3);
  for (let i = 0; i < c.width * c.height; i++) {
    const s = (k: number) => c.samples[(i * channels + k) * size]!;
    if (c.colorType === 0 && c.bitDepth === 16) {
      const v = c.samples[i * 2]! > 0 ? 255 : c.samples[i * 2 + 1]!;
      out.set([v, v, v], i * 3);
    } else if (c.colorType === 0 || c.colorType === 4) {
      out.set([s(0), s(0), s(0)], i * 3);
    } else {
      out.set([s(0), s(1), s(2)], i * 3);
    }
  }
  return out;
}

let crcTable: Uint32Array | undefined;
function crc(bytes: Uint8Array): number {
  crcTable ??= new Uint32Array(256).map((_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let c = 0xffffffff;
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A well-formed PNG whose header claims any size and format, with a little image data. */
const pngHeaderCase = fc
  .record({
    width: fc.oneof(
      fc.integer({ min: 1, max: 64 }),
      fc.constantFrom(10_000, 100_000, 1 << 20, 0x7fffffff),
    ),
    height: fc.oneof(fc.integer({ min: 1, max: 64 }), fc.constantFrom(10_000, 1 << 16, 0x7fffffff)),
    bitDepth: fc.constantFrom(1, 2, 4, 8, 16),
    colorType: fc.constantFrom(0, 2, 3, 4, 6),
    interlace: fc.constantFrom(0, 1),
    data: fc.uint8Array({ maxLength: 600 }),
    compress: fc.boolean(),
  })
  .map((h) => {
    const ihdr = new Uint8Array(13);
    const v = new DataView(ihdr.buffer);
    v.setUint32(0, h.width);
    v.setUint32(4, h.height);
    ihdr.set([h.bitDepth, h.colorType, 0, 0, h.interlace], 8);
    const idat = h.compress ? new Uint8Array(deflateSync(h.data)) : h.data;
    const plte = h.colorType === 3 ? [pngChunk('PLTE', new Uint8Array(48))] : [];
    return concat(
      PNG_SIGNATURE,
      pngChunk('IHDR', ihdr),
      ...plte,
      pngChunk('IDAT', idat),
      pngChunk('IEND', new Uint8Array(0)),
    );
  });

const PNG_SIGNATURE = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length);
  out.set(
    [...type].map((ch) => ch.charCodeAt(0)),
    4,
  );
  out.set(data, 8);
  v.setUint32(8 + data.length, crc(out.subarray(4, 8 + data.length)));
  return out;
}

/** Recomputes the CRC of every whole chunk of a (mutated) PNG. */
function fixPngCrcs(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  const v = new DataView(out.buffer);
  for (let pos = 8; pos + 12 <= out.length;) {
    const length = v.getUint32(pos);
    if (pos + 12 + length > out.length) break;
    v.setUint32(pos + 8 + length, crc(out.subarray(pos + 4, pos + 8 + length)));
    pos += 12 + length;
  }
  return out;
}

/** A JPEG or PNG carrying a random little- or big-endian IFD0, and what it should read as. */
const exifCase = fc
  .record({
    little: fc.boolean(),
    png: fc.boolean(),
    entries: fc.array(
      fc.record({
        tag: fc.oneof(fc.constant(0x0112), fc.integer({ min: 0, max: 0xffff })),
        type: fc.constantFrom(1, 3, 4, 5),
        count: fc.oneof(fc.constant(1), fc.integer({ min: 0, max: 3 })),
        value: fc.oneof(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 0xffff })),
      }),
      { maxLength: 6 },
    ),
  })
  .map(({ little, png, entries }) => {
    const u16 = (v: number) => (little ? [v & 255, v >> 8] : [v >> 8, v & 255]);
    const u32 = (v: number) =>
      little ? [...u16(v & 0xffff), ...u16(v >>> 16)] : [...u16(v >>> 16), ...u16(v & 0xffff)];
    const tiff = [
      ...(little ? [0x49, 0x49] : [0x4d, 0x4d]),
      ...u16(42),
      ...u32(8),
      ...u16(entries.length),
    ];
    for (const e of entries)
      tiff.push(
        ...u16(e.tag),
        ...u16(e.type),
        ...u32(e.count),
        ...(e.type === 3 ? [...u16(e.value), 0, 0] : u32(e.value)),
      );
    tiff.push(...u32(0));
    const first = entries.find((e) => e.tag === 0x0112);
    const value =
      !first || first.count !== 1 ? 0 : first.type === 3 || first.type === 4 ? first.value : 0;
    const expected = value >= 1 && value <= 8 ? value : null;
    const exif = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff];
    if (png) {
      const head = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
      const chunk = [
        ...u32BE(tiff.length),
        ...[...'eXIf'].map((c) => c.charCodeAt(0)),
        ...tiff,
        0,
        0,
        0,
        0,
      ];
      return { bytes: new Uint8Array([...head, ...chunk]), expected };
    }
    const app1 = [0xff, 0xe1, ...u16BE(exif.length + 2), ...exif];
    return { bytes: new Uint8Array([0xff, 0xd8, ...app1, 0xff, 0xd9]), expected };
  });

const u16BE = (v: number) => [(v >> 8) & 255, v & 255];
const u32BE = (v: number) => [...u16BE(v >>> 16), ...u16BE(v & 0xffff)];

const labelList = fc.array(
  fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim() === s && !/[\r\n]/.test(s)),
  { minLength: 1, maxLength: 30 },
);
const labelSetText = fc
  .tuple(labelList, fc.constantFrom('lines', 'python', 'json', 'keras'))
  .map(([l, f]) => writeLabels(l, f));

/**
 * Small valid files of each header-checked format, to mutate: BMPs (8-bit, 24-bit top-down,
 * RLE8, RLE4, OS/2 v1, bit fields), ICOs with BMP and PNG entries, WebP's three first chunks and
 * an AVIF box tree.
 */
function headerSeeds(pngs: Uint8Array[]): Uint8Array[] {
  const u16 = (v: number) => [v & 255, (v >>> 8) & 255];
  const u32 = (v: number) => [...u16(v & 0xffff), ...u16(v >>> 16)];
  const be32 = (v: number) => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
  const ascii = (t: string) => [...t].map((c) => c.charCodeAt(0));
  const fill = (n: number, seed: number) =>
    Array.from({ length: n }, (_, i) => (i * 37 + seed) & 255);
  const info = (w: number, h: number, bits: number, compression = 0, size = 40) => [
    ...u32(size),
    ...u32(w),
    ...u32(h >>> 0),
    ...u16(1),
    ...u16(bits),
    ...u32(compression),
    ...new Array<number>(size - 20).fill(0),
  ];
  const file = (dib: number[], rest: number[]) => {
    const at = 14 + dib.length;
    return new Uint8Array([
      ...ascii('BM'),
      ...u32(at + rest.length),
      ...u32(0),
      ...u32(at),
      ...dib,
      ...rest,
    ]);
  };
  const rle = [3, 1, 0, 4, 1, 2, 3, 4, 0, 0, 0, 2, 1, 0, 5, 7, 0, 0, 0, 1];
  const dibEntry = [...info(4, 8, 24), ...fill(48 + 16, 3)];
  const ico = (images: number[][]) => {
    const out = [0, 0, 1, 0, ...u16(images.length)];
    let offset = 6 + 16 * images.length;
    for (const img of images) {
      out.push(4, 4, 0, 0, 1, 0, 24, 0, ...u32(img.length), ...u32(offset));
      offset += img.length;
    }
    return new Uint8Array([...out, ...images.flat()]);
  };
  const riff = (chunk: string, payload: number[]) => {
    const body = [...ascii('WEBP'), ...ascii(chunk), ...u32(payload.length), ...payload];
    return new Uint8Array([...ascii('RIFF'), ...u32(body.length), ...body]);
  };
  const box = (type: string, payload: number[]) => [
    ...be32(8 + payload.length),
    ...ascii(type),
    ...payload,
  ];
  const ispe = box('ispe', [0, 0, 0, 0, ...be32(64), ...be32(48)]);
  return [
    file(info(5, 3, 8), [...fill(1024, 1), ...fill(24, 2)]),
    file(info(5, -3, 24), fill(48, 5)),
    file(info(6, 3, 8, 1), [...fill(1024, 7), ...rle]),
    file(info(6, 3, 4, 2), [...fill(64, 9), ...rle]),
    file(
      [...u32(12), ...u16(3), ...u16(2), ...u16(1), ...u16(8)],
      [...fill(768, 4), ...fill(8, 6)],
    ),
    file([...info(3, 2, 16, 3), ...u32(0xf800), ...u32(0x7e0), ...u32(0x1f)], fill(16, 8)),
    ico([dibEntry, ...pngs.slice(0, 1).map((p) => [...p])]),
    ico([[...info(4, 8, 8), ...fill(1024 + 16 + 16, 2)]]),
    riff('VP8 ', [0, 0, 0, 0x9d, 0x01, 0x2a, ...u16(64), ...u16(48), ...fill(20, 1)]),
    riff('VP8L', [0x2f, ...u32(63 | (47 << 14)), ...fill(20, 2)]),
    riff('VP8X', [0, 0, 0, 0, 63, 0, 0, 47, 0, 0]),
    new Uint8Array([
      ...box('ftyp', [...ascii('avif'), 0, 0, 0, 0, ...ascii('mif1')]),
      ...box('meta', [0, 0, 0, 0, ...box('iprp', box('ipco', [...ispe, ...ispe]))]),
    ]),
  ];
}

function writeLabels(labels: string[], format: string): string {
  // A first line starting with '[' or '{' makes a file JSON or a dict: say so with a BOM-less
  // leading label that cannot (the parser decides by the first character, by design).
  if (format === 'lines')
    return (/^[[{]/.test(labels[0]!) ? 'label\n' : '') + labels.join('\n') + '\n';
  if (format === 'json') return JSON.stringify(labels);
  if (format === 'keras')
    return JSON.stringify(
      Object.fromEntries(labels.map((l, i) => [String(i), [`n${String(i).padStart(8, '0')}`, l]])),
    );
  const py = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return `{${labels.map((l, i) => `${i}: ${py(l)}`).join(',\n ')}}`;
}

const resizeCase = fc
  .record({
    width: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 40 })),
    height: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 40 })),
    outWidth: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 64 })),
    outHeight: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 64 })),
    seed: fc.integer(),
    levels: fc.constantFrom(2, 16, 256),
  })
  .map((r) => {
    let s = r.seed >>> 0;
    const data = new Uint8Array(r.width * r.height * 3).map(() => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return Math.floor(((s >>> 16) / 65536) * r.levels) * Math.floor(255 / (r.levels - 1));
    });
    return {
      image: { width: r.width, height: r.height, data },
      width: r.outWidth,
      height: r.outHeight,
    };
  });

function range(img: RgbImage, c: number): [number, number] {
  let lo = 255;
  let hi = 0;
  for (let i = c; i < img.data.length; i += 3) {
    lo = Math.min(lo, img.data[i]!);
    hi = Math.max(hi, img.data[i]!);
  }
  return [lo, hi];
}

/**
 * Pillow's bilinear resize written out directly from Resample.c (precompute_coeffs,
 * normalize_coeffs_8bpc, ImagingResampleHorizontal/Vertical_8bpc): the full image, one output
 * pixel at a time, no windows, no shortcuts.
 */
function referenceResize(img: RgbImage, width: number, height: number): RgbImage {
  const PRECISION = 22;
  const coeffs = (inSize: number, outSize: number) => {
    const scale = inSize / outSize;
    const filterscale = scale < 1 ? 1 : scale;
    const support = filterscale;
    return Array.from({ length: outSize }, (_, xx) => {
      const center = (xx + 0.5) * scale;
      const ss = 1 / filterscale;
      let xmin = Math.trunc(center - support + 0.5);
      if (xmin < 0) xmin = 0;
      let xmax = Math.trunc(center + support + 0.5);
      if (xmax > inSize) xmax = inSize;
      xmax -= xmin;
      const k: number[] = [];
      let total = 0;
      for (let x = 0; x < xmax; x++) {
        const t = Math.abs((x + xmin - center + 0.5) * ss);
        const w = t < 1 ? 1 - t : 0;
        k.push(w);
        total += w;
      }
      const fixed = k.map((w) => {
        const v = total !== 0 ? w / total : w;
        return Math.trunc(v < 0 ? -0.5 + v * (1 << PRECISION) : 0.5 + v * (1 << PRECISION));
      });
      return { xmin, fixed };
    });
  };
  const clip = (v: number) => Math.min(255, Math.max(0, Math.floor(v / 2 ** PRECISION)));
  let cur = img;
  if (width !== img.width) {
    const cs = coeffs(img.width, width);
    const data = new Uint8Array(width * cur.height * 3);
    for (let y = 0; y < cur.height; y++)
      for (let x = 0; x < width; x++)
        for (let ch = 0; ch < 3; ch++) {
          let sum = 2 ** (PRECISION - 1);
          cs[x]!.fixed.forEach(
            (w, i) => (sum += w * cur.data[(y * cur.width + cs[x]!.xmin + i) * 3 + ch]!),
          );
          data[(y * width + x) * 3 + ch] = clip(sum);
        }
    cur = { width, height: cur.height, data };
  }
  if (height !== img.height) {
    const cs = coeffs(img.height, height);
    const data = new Uint8Array(cur.width * height * 3);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < cur.width; x++)
        for (let ch = 0; ch < 3; ch++) {
          let sum = 2 ** (PRECISION - 1);
          cs[y]!.fixed.forEach(
            (w, i) => (sum += w * cur.data[((cs[y]!.xmin + i) * cur.width + x) * 3 + ch]!),
          );
          data[(y * cur.width + x) * 3 + ch] = clip(sum);
        }
    cur = { width: cur.width, height, data };
  }
  return cur === img ? { ...img, data: img.data.slice() } : cur;
}

/** The same two passes in exact (double) arithmetic, rounded once at the end of each. */
function floatResize(img: RgbImage, width: number, height: number): Float64Array {
  const weights = (inSize: number, outSize: number) => {
    const scale = inSize / outSize;
    const fs = Math.max(scale, 1);
    return Array.from({ length: outSize }, (_, o) => {
      const center = (o + 0.5) * scale;
      const lo = Math.max(Math.trunc(center - fs + 0.5), 0);
      const hi = Math.min(Math.trunc(center + fs + 0.5), inSize);
      const w = Array.from({ length: hi - lo }, (_, i) =>
        Math.max(0, 1 - Math.abs((lo + i - center + 0.5) / fs)),
      );
      const total = w.reduce((a, b) => a + b, 0);
      return { lo, w: w.map((v) => v / total) };
    });
  };
  const h = width !== img.width ? weights(img.width, width) : null;
  const v = height !== img.height ? weights(img.height, height) : null;
  const mid = new Float64Array(width * img.height * 3);
  for (let y = 0; y < img.height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < 3; c++) {
        const p = (xx: number) => img.data[(y * img.width + xx) * 3 + c]!;
        mid[(y * width + x) * 3 + c] = h
          ? Math.round(h[x]!.w.reduce((s, w, i) => s + w * p(h[x]!.lo + i), 0))
          : p(x);
      }
  const out = new Float64Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < 3; c++) {
        const p = (yy: number) => mid[(yy * width + x) * 3 + c]!;
        out[(y * width + x) * 3 + c] = v
          ? Math.round(v[y]!.w.reduce((s, w, i) => s + w * p(v[y]!.lo + i), 0))
          : p(y);
      }
  return out;
}
