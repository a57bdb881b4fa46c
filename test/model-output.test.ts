/**
 * Issue 12, rows 6, 12 and 14: what a model's output holds decides how it is ranked, and a model
 * whose output cannot be ranked is refused at load time while the working model goes on. The
 * models are tools/make_bad_models.py's; the reference is onnxruntime-node running them directly.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { rank } from '../src/core/inference/classify';
import { PROBABILITIES_NOTE, softmax, toProbabilities } from '../src/core/inference/postprocess';
import { softmaxOutputs } from '../src/core/onnx/graph';
import { PRESETS, preprocess } from '../src/core/preprocess/preprocess';
import { bytesSource, imageBlob, testEngine, tinyBytes } from './helpers/engine';
import { lensRejection } from './helpers/errors';
import { FIXTURES, fixturePixels, references, ROOT } from './helpers/fixtures';

const BAD = resolve(FIXTURES, 'bad-models');
const modelBytes = (name: string) => new Uint8Array(readFileSync(resolve(BAD, name)));
const preset = 'torchvision-256-224' as const;
const photo = Object.keys(references.images).find((n) => n.endsWith('.png'))!;

/** The model's own outputs for the photo, from onnxruntime-node with no project code between. */
async function reference(name: string): Promise<Record<string, Float32Array>> {
  const session = await ort.InferenceSession.create(modelBytes(name));
  const { tensor } = preprocess(await fixturePixels(photo), PRESETS[preset]);
  const out = await session.run({ input: new ort.Tensor('float32', tensor, [1, 3, 224, 224]) });
  await session.release();
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data as Float32Array]));
}

/** Indices of the k largest values, largest first (ties to the lower index), by sorting. */
const topIndices = (v: ArrayLike<number>, k: number) =>
  Array.from(v, (p, i) => ({ p, i }))
    .sort((a, b) => b.p - a.p || a.i - b.i)
    .slice(0, k);

describe('models that output probabilities (row 6)', () => {
  it('finds a final Softmax in the graph, through shape-only ops', async () => {
    const { decodeGraph } = await import('../src/core/onnx/graph');
    expect(softmaxOutputs(decodeGraph(modelBytes('softmax.onnx')))).toEqual(['probabilities']);
    expect(softmaxOutputs(decodeGraph(modelBytes('softmax-and-logits.onnx')))).toEqual([
      'probabilities',
    ]);
    expect(softmaxOutputs(decodeGraph(modelBytes('classes-10.onnx')))).toEqual([]);
  });

  it("shows the model's own probabilities, not their softmax, and says so", async () => {
    const own = (await reference('softmax.onnx'))['probabilities']!;
    const engine = testEngine();
    const info = await engine.load({
      source: bytesSource(modelBytes('softmax.onnx'), 'p.onnx'),
      backend: 'wasm',
    });
    expect(info.outputKind).toBe('probabilities');
    expect(info.notes).toContain(PROBABILITIES_NOTE);
    const result = await engine.classify({ file: imageBlob(photo), preset });
    const expected = topIndices(own, 5);
    expect(result.top5.map((p) => p.index)).toEqual(expected.map((e) => e.i));
    result.top5.forEach((p, k) => expect(p.probability).toBeCloseTo(expected[k]!.p, 7));
    // What the bug showed: softmax of probabilities is nearly uniform (about 1/1000 each).
    expect(expected[0]!.p).toBeGreaterThan(0.01);
    expect(softmax(own)[expected[0]!.i]!).toBeLessThan(0.002);
    expect(result.scoreNote).toBe(PROBABILITIES_NOTE);

    // The CLI's batches and the camera's smoothing rank the same way.
    const { tensor } = preprocess(await fixturePixels(photo), PRESETS[preset]);
    const [batch] = await engine.classifyTensors({ input: tensor, count: 1, size: 224 });
    expect(batch!.top5.map((p) => p.index)).toEqual(expected.map((e) => e.i));
    expect(batch!.probabilities[expected[0]!.i]).toBeCloseTo(expected[0]!.p, 7);
    expect(batch!.scoreNote).toBe(PROBABILITIES_NOTE);
    await engine.dispose();
  });

  it("smooths camera frames over the model's probabilities", async () => {
    const own = (await reference('softmax.onnx'))['probabilities']!;
    const pixels = await fixturePixels(photo);
    const engine = testEngine({ decodeFrame: () => Promise.resolve(pixels) });
    await engine.load({
      source: bytesSource(modelBytes('softmax.onnx'), 'p.onnx'),
      backend: 'wasm',
    });
    const frame = { close: () => undefined };
    const frames = [];
    for (let i = 0; i < 3; i++)
      frames.push(await engine.classifyFrame({ frame, preset, smoothing: 0.5, restart: i === 0 }));
    const last = frames[2]!;
    const expected = topIndices(own, 5);
    expect(last.top5.map((p) => p.index)).toEqual(expected.map((e) => e.i));
    last.top5.forEach((p, k) => expect(p.probability).toBeCloseTo(expected[k]!.p, 6));
    await engine.dispose();
  });

  it('prefers the logits when they are a second output', async () => {
    const ref = await reference('softmax-and-logits.onnx');
    const engine = testEngine();
    const info = await engine.load({
      source: bytesSource(modelBytes('softmax-and-logits.onnx'), 'two.onnx'),
      backend: 'wasm',
    });
    expect(info).toMatchObject({ outputName: 'output_1', outputKind: 'logits', notes: [] });
    const result = await engine.classify({ file: imageBlob(photo), preset });
    const expected = topIndices(ref['probabilities']!, 5);
    expect(result.top5.map((p) => p.index)).toEqual(expected.map((e) => e.i));
    // The softmax of the logits is the model's own Softmax output, to float32 rounding.
    result.top5.forEach((p, k) =>
      expect(Math.abs(p.probability - expected[k]!.p)).toBeLessThan(1e-6),
    );
    expect(result.scoreNote).toBeNull();
    await engine.dispose();
  });

  it('softmaxes a "Softmax" output that is not a probability vector, and says why', () => {
    const { probabilities, note } = toProbabilities(new Float32Array([2, 1, 0]), 'probabilities');
    expect([...probabilities]).toEqual([...softmax([2, 1, 0])]);
    expect(note).toMatch(/not a probability vector \(sum 3\.000, smallest value 0\.000\)/);
    const given = toProbabilities(new Float32Array([0.7, 0.2, 0.1]), 'probabilities');
    expect(given.probabilities[0]).toBeCloseTo(0.7, 7);
    expect(rank(new Float32Array([0.7, 0.2, 0.1]), [], 5, 'probabilities').note).toBe(
      PROBABILITIES_NOTE,
    );
  });
});

describe('models that load and then cannot work (rows 12, 14)', () => {
  const refusals: [string, RegExp][] = [
    [
      'int64-output.onnx',
      /^Output "logits" is int64 \[N, 1000\], not class scores: RepOpt Lens reads float32 logits or probabilities \[N, classes\]\.$/,
    ],
    [
      'features-only.onnx',
      /^The model's only output is "features" \[N, 3\]: features, not class scores\./,
    ],
    ['classes-0.onnx', /^Output "logits" has 0 classes: there is nothing to rank\.$/],
    ['classes-1.onnx', /^Output "logits" has 1 class: a single score is always 100 %/],
    [
      'nan-weights.onnx',
      /^The model answers non-finite scores \(7 of 1000 values in "logits" are NaN\) for test images at load time: its weights hold NaN or Inf values/,
    ],
  ];

  it('refuses each at load time; the working model stays and still classifies', async () => {
    const engine = testEngine();
    await engine.load({ source: tinyBytes(), backend: 'wasm' });
    const before = await engine.classify({ file: imageBlob(photo), preset });
    for (const [name, message] of refusals) {
      const e = await lensRejection(
        engine.load({ source: bytesSource(modelBytes(name), name), backend: 'wasm' }),
      );
      expect(e.code, name).toBe('model-incompatible');
      expect(e.message, name).toMatch(message);
      expect((await engine.inspect())?.name, name).toBe('tiny.onnx');
      const after = await engine.classify({ file: imageBlob(photo), preset });
      expect(after.top5, name).toEqual(before.top5);
    }
    await engine.dispose();
  });

  it('loads a model that is NaN only for a grey image (a second, textured probe decides)', async () => {
    const ref = (await reference('zero-blind.onnx'))['logits']!;
    const engine = testEngine();
    await engine.load({
      source: bytesSource(modelBytes('zero-blind.onnx'), 'zb.onnx'),
      backend: 'wasm',
    });
    const result = await engine.classify({ file: imageBlob(photo), preset });
    const p = softmax(ref);
    expect(result.top5.map((t) => t.index)).toEqual(topIndices(p, 5).map((e) => e.i));
    await engine.dispose();
  });

  it('shows all of 2-4 classes and says so', async () => {
    const ref = (await reference('classes-3.onnx'))['logits']!;
    const engine = testEngine();
    const info = await engine.load({
      source: bytesSource(modelBytes('classes-3.onnx'), 'three.onnx'),
      backend: 'wasm',
    });
    expect(info.notes).toContain(
      'The model has 3 classes: every result lists all 3 instead of a top 5.',
    );
    const result = await engine.classify({ file: imageBlob(photo), preset });
    const p = softmax(ref);
    expect(result.top5.map((t) => t.index)).toEqual(topIndices(p, 3).map((e) => e.i));
    result.top5.forEach((t) => expect(Math.abs(t.probability - p[t.index]!)).toBeLessThan(1e-6));
    await engine.dispose();
  });
});

describe('the CLI on such models', () => {
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', resolve(ROOT, 'src/cli/index.ts'), ...args], {
      cwd: ROOT,
      encoding: 'utf8',
    });

  it("classify shows the model's probabilities with the note; an int64 model is refused by name", async () => {
    const own = (await reference('softmax.onnx'))['probabilities']!;
    const r = cli(
      'classify',
      '--model',
      resolve(BAD, 'softmax.onnx'),
      '--json',
      resolve(FIXTURES, 'images', photo),
    );
    expect(r.status, r.stderr).toBe(0);
    const [item] = JSON.parse(r.stdout) as {
      top5: { index: number; probability: number }[];
      scoreNote: string;
    }[];
    const top = topIndices(own, 1)[0]!;
    expect(item!.top5[0]!.index).toBe(top.i);
    expect(item!.top5[0]!.probability).toBeCloseTo(top.p, 7);
    expect(item!.scoreNote).toBe(PROBABILITIES_NOTE);

    const bad = cli(
      'classify',
      '--model',
      resolve(BAD, 'int64-output.onnx'),
      resolve(FIXTURES, 'images', photo),
    );
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('Output "logits" is int64 [N, 1000], not class scores');
    expect(bad.stderr).not.toMatch(/TypeError|BigInt|at .*\.ts:\d+/);
  });
});

describe('ONNX with external data (row 15)', () => {
  /** classes-10.onnx saved with its weights in `location`, beside it in a new folder. */
  function externalModel(location: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'lens-external-'));
    const made = spawnSync(
      '/usr/bin/python3',
      [
        '-c',
        `import onnx, sys
m = onnx.load(sys.argv[1])
onnx.save_model(m, sys.argv[2] + '/ext.onnx', save_as_external_data=True, all_tensors_to_one_file=True, location=sys.argv[3], size_threshold=0)`,
        resolve(BAD, 'classes-10.onnx'),
        dir,
        location,
      ],
      { encoding: 'utf8' },
    );
    expect(made.status, made.stderr).toBe(0);
    return dir;
  }
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', resolve(ROOT, 'src/cli/index.ts'), ...args], {
      cwd: ROOT,
      encoding: 'utf8',
    });
  const MISSING =
    'The model keeps its weights in a separate file (ONNX external data: "ext.onnx.data"), which was not given with it: RepOpt Lens loads single-file ONNX models. Save it as one file (onnx.save_model(model, path, save_as_external_data=False); models under 2 GB fit).';

  it('loads with its data file (given, or beside its URL) as the single-file model does', async () => {
    const dir = externalModel('ext.onnx.data');
    const engine = testEngine();
    await engine.load({
      source: bytesSource(modelBytes('classes-10.onnx'), 'one.onnx'),
      backend: 'wasm',
    });
    const single = await engine.classify({ file: imageBlob(photo), preset });
    const onnx = new Uint8Array(readFileSync(join(dir, 'ext.onnx')));
    const data = readFileSync(join(dir, 'ext.onnx.data'));
    await engine.load({
      source: {
        type: 'bytes',
        bytes: onnx.slice().buffer,
        name: 'ext.onnx',
        externalData: [
          {
            path: 'ext.onnx.data',
            bytes: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
          },
        ],
      },
      backend: 'wasm',
    });
    expect((await engine.classify({ file: imageBlob(photo), preset })).logits).toEqual(
      single.logits,
    );
    await engine.load({
      source: { type: 'url', url: `file://${join(dir, 'ext.onnx')}`, name: 'ext.onnx' },
      backend: 'wasm',
    });
    expect((await engine.classify({ file: imageBlob(photo), preset })).logits).toEqual(
      single.logits,
    );
    await engine.dispose();
    // The CLI reads the data file beside the model.
    const r = cli(
      'classify',
      '--model',
      join(dir, 'ext.onnx'),
      '--json',
      resolve(FIXTURES, 'images', photo),
    );
    expect(r.status, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { logits: number[] }[])[0]!.logits).toEqual(
      Array.from(single.logits),
    );
  });

  it("without it: refused naming the data file, not onnxruntime's build path; the working model stays", async () => {
    const dir = externalModel('ext.onnx.data');
    const engine = testEngine();
    await engine.load({ source: tinyBytes(), backend: 'wasm' });
    const e = await lensRejection(
      engine.load({
        source: bytesSource(new Uint8Array(readFileSync(join(dir, 'ext.onnx'))), 'ext.onnx'),
        backend: 'wasm',
      }),
    );
    expect(e).toEqual({ code: 'model-incompatible', message: MISSING });
    expect((await engine.inspect())?.name).toBe('tiny.onnx');
    await engine.dispose();
    rmSync(join(dir, 'ext.onnx.data'));
    const r = cli('classify', '--model', join(dir, 'ext.onnx'), resolve(FIXTURES, 'images', photo));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(MISSING);
    expect(r.stderr).not.toMatch(/tensorprotoutils|\.cc:\d+/);
  });

  it("never reads a data file outside the model's folder", () => {
    const dir = externalModel('../outside.data');
    const r = cli('classify', '--model', join(dir, 'ext.onnx'), resolve(FIXTURES, 'images', photo));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('(ONNX external data: "../outside.data")');
  });
});
