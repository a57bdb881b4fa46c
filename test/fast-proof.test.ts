/**
 * Issue 20: the fast path on valid but unusual models answers what the file answers, or leaves
 * the file alone and says why; the self-check (src/core/fast/verify.ts, src/engine/fast-proof.ts)
 * catches what the rewrite gets wrong. Every corpus model (tools/make_fast_corpus.py, made at test
 * time) runs through the engine with the fast path on and is compared with onnxruntime-node on the
 * unmodified file: top-5 identical, max |Δp| within P_TOL, for batches of 1 and 2.
 */
import type { MessageValue } from '../src/core/message';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  compareOutputs,
  describeFastPath,
  fastPathNote,
  PROOF_BOUND,
  probeImages,
  rewriteWinograd,
} from '../src/core/fast';
import { tileActivationBytes } from '../src/core/fast/rule';
import { softmax, topK } from '../src/core/inference/postprocess';
import { layoutOnnxModel } from '../src/core/onnx';
import { nodeSessionFactory } from '../src/node/ort-node';
import type { EngineDeps } from '../src/engine/types';
import { createI18n } from '../src/i18n/instance';
import { renderMessage } from '../src/i18n/message';
import { bytesSource, testEngine, tinyBytes } from './helpers/engine';
import { ROOT } from './helpers/fixtures';

/** max |Δp| between the engine's answer and onnxruntime-node's on the unmodified file. */
const P_TOL = 1e-5;

const en = createI18n('en');

/** The catalogue key of a reason (null for the rewrite's own words, which have none). */
const keyOf = (m: MessageValue | null | undefined): string | null =>
  typeof m === 'object' && m !== null ? m.key : null;

describe('compareOutputs (the self-check decision)', () => {
  const ref = new Float32Array([1, -4, 2, 0.5]);
  it('accepts differences within the bound, relative to the largest |value|', () => {
    const near = new Float32Array([1 + 7e-5, -4, 2, 0.5]); // 7e-5 <= 2e-5 * 4
    const c = compareOutputs(ref, near);
    expect(c.ok).toBe(true);
    expect(c.maxAbsDiff).toBeCloseTo(7e-5, 7);
    expect(c.scale).toBe(4);
  });
  it('refuses a larger difference and says where, by how much, against what', () => {
    const far = new Float32Array([1, -4, 2 + 1e-4, 0.5]); // 1e-4 > 2e-5 * 4
    const c = compareOutputs(ref, far);
    expect(c.ok).toBe(false);
    if (c.ok) return;
    expect(c.note.text).toBe(
      'the rewritten model differs from the file on the self-check: |Δ| 1.0e-4 at value 2, more than 2.0e-5 of the largest output 4.0e+0',
    );
    expect(renderMessage(en.t, c.note.message)).toBe(c.note.text);
  });
  it('refuses other lengths, and non-finite values the file does not have', () => {
    const short = compareOutputs(ref, ref.subarray(1));
    expect(short.ok).toBe(false);
    const nan = compareOutputs(ref, new Float32Array([1, -4, NaN, 0.5]));
    expect(nan.ok || nan.note.text).toBe(
      'the rewritten model answered NaN where the file answers 2 on the self-check (value 2)',
    );
    // The same NaN where the file has it is the same answer.
    const both = new Float32Array([1, NaN, 2, Infinity]);
    expect(compareOutputs(both, both.slice()).ok).toBe(true);
    expect(compareOutputs(both, new Float32Array([1, NaN, 2, -Infinity])).ok).toBe(false);
  });
  it('an all-zero output must be answered with zeros', () => {
    const zero = new Float32Array(3);
    expect(compareOutputs(zero, zero.slice()).ok).toBe(true);
    expect(compareOutputs(zero, new Float32Array([0, 1e-30, 0])).ok).toBe(false);
  });
  it('probe images are deterministic, different per image, in normalised units', () => {
    const bytes = (x: Float32Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
    const a = probeImages(2, 224);
    expect(bytes(a).equals(bytes(probeImages(2, 224)))).toBe(true);
    const plane = 3 * 224 * 224;
    expect(bytes(a.subarray(0, plane)).equals(bytes(a.subarray(plane)))).toBe(false);
    expect(a.every((v) => Math.abs(v) <= 2)).toBe(true);
  });
});

describe('the memory rules (finding 4), by the rewrite decision alone', () => {
  /** One 3x3 conv cin -> cout on an s x s map: the rewrite's choice and reason. */
  function oneConv(cin: number, cout: number, s: number) {
    const { bytes } = layoutOnnxModel({
      irVersion: 7,
      opsetVersion: 13,
      producerName: 'test',
      producerVersion: '0',
      docString: '',
      graphName: 'wide',
      inputs: [{ name: 'input', elemType: 'float32', shape: ['N', cin, s, s] }],
      outputs: [{ name: 'out', elemType: 'float32', shape: ['N', cout, s, s] }],
      nodes: [
        {
          opType: 'Conv',
          name: 'conv',
          inputs: ['input', 'w'],
          outputs: ['out'],
          attributes: { kernel_shape: { ints: [3, 3] }, pads: { ints: [1, 1, 1, 1] } },
        },
      ],
      initializers: [{ name: 'w', elemType: 'float32', dims: [cout, cin, 3, 3] }],
      metadata: {},
    });
    return rewriteWinograd(bytes).report.layers[0]!;
  }
  it("the issue's 16 -> 4096 on 224x224 stays direct (width), 64 -> 4096 too (tile activations)", () => {
    expect(oneConv(16, 4096, 224)).toEqual({
      name: 'conv',
      f: 'direct',
      reason: '224x224, 16->4096; fewer than 32 channels, direct is faster',
    });
    expect(oneConv(64, 4096, 224).reason).toMatch(/tile activations \d+ MiB per image, over/);
    // M alone for the layer: 36 x 3136 tiles x 4096 x 4 B = 1.85 GB
    expect(36 * 3136 * 4096 * 4).toBe(1849688064);
    expect(
      tileActivationBytes({ name: '', cin: 16, cout: 4096, height: 224, width: 224 }, 'F4'),
    ).toBeGreaterThan(1849688064);
  });
  it('narrow layers stay direct; B1-like layers are rewritten', () => {
    expect(oneConv(16, 16, 56).reason).toBe(
      '56x56, 16->16; fewer than 32 channels, direct is faster',
    );
    expect(oneConv(128, 128, 56).f).toBe('F4');
    expect(oneConv(512, 512, 14).f).toBe('F4');
  });
});

describe('the rewrite fails loudly on a tensor that is not the shape it was made for', () => {
  it('a map of another size than assumed is refused by the Reshape, not folded into the batch', async () => {
    // Symbolic H and W: the rewrite assumes 224 (`inputSize`); fed 112, the old `[rows, -1, C]`
    // reshape would have put 4 images' worth of rows in the batch axis.
    const { bytes, slots } = layoutOnnxModel({
      irVersion: 7,
      opsetVersion: 13,
      producerName: 'test',
      producerVersion: '0',
      docString: '',
      graphName: 'free-size',
      inputs: [{ name: 'input', elemType: 'float32', shape: ['N', 32, 'H', 'W'] }],
      outputs: [{ name: 'out', elemType: 'float32', shape: ['N', 32, 'H', 'W'] }],
      nodes: [
        {
          opType: 'Conv',
          name: 'conv',
          inputs: ['input', 'w'],
          outputs: ['out'],
          attributes: { kernel_shape: { ints: [3, 3] }, pads: { ints: [1, 1, 1, 1] } },
        },
      ],
      initializers: [{ name: 'w', elemType: 'float32', dims: [32, 32, 3, 3] }],
      metadata: {},
    });
    for (const slot of slots.values())
      new Uint8Array(slot.buffer, slot.byteOffset, slot.length).fill(0x3c);
    const out = rewriteWinograd(bytes, { inputSize: 224 });
    expect(out.report.rewritten).toBe(1);
    const session = await ort.InferenceSession.create(out.bytes, { intraOpNumThreads: 1 });
    const run = (s: number) =>
      session.run({
        input: new ort.Tensor('float32', new Float32Array(32 * s * s), [1, 32, s, s]),
      });
    await expect(run(224)).resolves.toBeDefined();
    await expect(run(112)).rejects.toThrow(/Reshape|reshape/);
    await session.release();
  });
});

/** The corpus: each model's expected path, and what its layers' reasons must say. */
const CORPUS: Record<string, { path: 'winograd' | 'direct'; reasons?: RegExp[] }> = {
  'gap-broadcast': { path: 'winograd', reasons: [/^7x7, 32->32$/] },
  'two-sided': { path: 'winograd', reasons: [/^7x7, 32->32$/] },
  fp16: { path: 'direct', reasons: [/activations are float16, not float/] },
  'if-branch': {
    path: 'winograd',
    reasons: [/read inside a subgraph/, /read inside a subgraph/, /^56x56, 32->32$/],
  },
  'maxpool-ceil': { path: 'direct', reasons: [/input shape unknown/, /input shape unknown/] },
  'maxpool-floor': { path: 'winograd', reasons: [/^27x27, 32->32$/] },
  'cast-int32': { path: 'winograd', reasons: [/rounds it \(float -> int32\)/, /^56x56/] },
  'cast-fp16': { path: 'winograd', reasons: [/rounds it \(float -> float16\)/, /^56x56/] },
  'cast-bf16': { path: 'winograd', reasons: [/rounds it \(float -> bfloat16\)/, /^56x56/] },
  'fp16-weights': { path: 'winograd', reasons: [/^56x56, 32->32$/, /^56x56/] },
  wide: { path: 'direct', reasons: [/16->1024; fewer than 32 channels/] },
  concat: { path: 'winograd', reasons: [/^56x56/, /^56x56/, /^56x56, 64->32$/] },
  // rewritten, then refused by the self-check: see the CLI test below
  cancel: { path: 'direct', reasons: [/^56x56, 32->32$/, /weight is not an initializer/] },
};

const PYTHON_MISSING = 'skipped: /usr/bin/python3 with onnx (python3-onnx) makes the corpus';
function pythonOnnx(): boolean {
  const r = spawnSync('/usr/bin/python3', ['-c', 'import onnx, numpy'], { encoding: 'utf8' });
  if (r.status === 0) return true;
  if (process.env['CI']) throw new Error(`CI is set but ${PYTHON_MISSING}`);
  return false;
}
const haveCorpus = pythonOnnx();

describe.skipIf(!haveCorpus)('the corpus of unusual models (tools/make_fast_corpus.py)', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fast-corpus-'));
    const r = spawnSync('/usr/bin/python3', [join(ROOT, 'tools/make_fast_corpus.py'), dir], {
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`make_fast_corpus.py failed: ${r.stderr}`);
  }, 60_000);

  it('the CLI says why the file runs as it is when the rewrite fails its self-check', () => {
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        join(ROOT, 'src/cli/index.ts'),
        'classify',
        '--model',
        join(dir, 'cancel.onnx'),
        '--threads',
        '1',
        join(ROOT, 'e2e/fixtures/images/chelsea.png'),
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /^direct convolutions \(the rewritten model differs from the file on the self-check: \|Δ\| .+\)$/m,
    );
    expect(r.stdout).toContain('chelsea.png');
  }, 120_000);

  for (const [name, want] of Object.entries(CORPUS))
    it(`${name}: ${want.path}, as onnxruntime-node answers the file`, async () => {
      const bytes = new Uint8Array(readFileSync(join(dir, `${name}.onnx`)));
      const rewrite = rewriteWinograd(bytes).report;
      const eligible = rewrite.layers.filter((l) => l.reason !== 'stride is not 1');
      for (const [i, re] of (want.reasons ?? []).entries())
        expect(eligible[i]?.reason, `layer ${i}`).toMatch(re);

      const engine = testEngine();
      const info = await engine.load({ source: bytesSource(bytes, name), backend: 'wasm' });
      expect(info.fast.path, describeFastPath(info.fast)).toBe(want.path);
      if (name === 'cancel') expect(keyOf(info.fast.reasonMessage)).toBe('fastReason.checkDiffers');
      if (info.fast.path === 'winograd') {
        expect(info.fast.check?.images).toBe(2);
        expect(info.fast.check!.maxAbsDiff).toBeLessThanOrEqual(
          PROOF_BOUND * info.fast.check!.scale,
        );
      }

      const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
      for (const batch of [1, 2]) {
        const input = probeImages(batch, 224).map((v, i) => v * 0.7 + ((i % 7) - 3) * 0.01);
        const ranked = await engine.classifyTensors({ input, count: batch, size: 224 });
        const out = await session.run({
          input: new ort.Tensor('float32', input, [batch, 3, 224, 224]),
        });
        const logits = out['logits']!.data as Float32Array;
        for (let k = 0; k < batch; k++) {
          const p = softmax(logits.slice(k * 10, (k + 1) * 10));
          const got = ranked[k]!;
          expect(got.top5.map((t) => t.index)).toEqual(topK(p, 5).map((t) => t.index));
          for (let j = 0; j < 10; j++)
            expect(Math.abs(got.probabilities[j]! - p[j]!)).toBeLessThanOrEqual(P_TOL);
        }
      }
      await session.release();
      await engine.dispose();
    }, 60_000);
});

/** A session factory that spoils what `prepare` hands it: the self-check must notice. */
function spoiling(
  spoil: (model: {
    bytes: Uint8Array;
    externalData: readonly { path: string; bytes: ArrayBuffer }[];
  }) => void,
): Partial<EngineDeps> {
  const factory = nodeSessionFactory(1);
  return {
    createSession: (bytes, options) =>
      factory(bytes, {
        ...options,
        ...(options.prepare
          ? {
              prepare: async (b, runtime) => {
                const model = await options.prepare!(b, runtime);
                if (model.externalData.length > 0) spoil(model);
                return model;
              },
            }
          : {}),
      }),
  };
}

/** U scaled by 1.01 at one layer: a rewrite that is slightly wrong. */
const scaleU = (model: { externalData: readonly { bytes: ArrayBuffer }[] }) => {
  const u = new Float32Array(model.externalData[0]!.bytes);
  for (let i = 0; i < u.length; i++) u[i] = u[i]! * 1.01;
};

describe('the self-check on every path that makes a fast session', () => {
  it('load path: a wrong rewrite is caught, the file answers as it is, and it says why', async () => {
    const engine = testEngine(spoiling(scaleU));
    const info = await engine.load({ source: tinyBytes(), backend: 'wasm' });
    expect(info.fast.path).toBe('direct');
    const note = fastPathNote(info.fast);
    expect(note.text).toMatch(
      /^direct convolutions \(the rewritten model differs from the file on the self-check: \|Δ\| [\d.]+e-\d at value \d+, more than 2\.0e-5 of the largest output/,
    );
    expect(renderMessage(en.t, note.message)).toBe(note.text);
    expect(renderMessage(createI18n('zh-CN').t, note.message)).toContain('自检');
    // The answers are the file's.
    const direct = testEngine();
    await direct.load({ source: tinyBytes(), backend: 'wasm', fast: false });
    const input = probeImages(1, 224);
    const a = await engine.classifyTensors({ input, count: 1, size: 224 });
    const b = await direct.classifyTensors({ input, count: 1, size: 224 });
    expect(a[0]!.logits).toEqual(b[0]!.logits);
    await engine.dispose();
    await direct.dispose();
  });

  it('load path: a rewritten model the runtime refuses gives way to the file', async () => {
    const engine = testEngine(
      spoiling((m) => {
        // A truncated U file: onnxruntime refuses the external data.
        (m.externalData as { path: string; bytes: ArrayBuffer }[])[0]!.bytes = new ArrayBuffer(8);
      }),
    );
    const info = await engine.load({ source: tinyBytes(), backend: 'wasm' });
    expect(info.fast.path).toBe('direct');
    expect(info.fast.reason).toMatch(/^the runtime refused the rewritten model \(/);
    expect(keyOf(info.fast.reasonMessage)).toBe('fastReason.checkCreate');
    await engine.dispose();
  });

  it('load path: a good rewrite passes, with its figures', async () => {
    const engine = testEngine();
    const info = await engine.load({ source: tinyBytes(), backend: 'wasm' });
    expect(info.fast.path).toBe('winograd');
    const check = info.fast.check!;
    expect(check.images).toBe(2);
    expect(check.bound).toBe(PROOF_BOUND);
    expect(check.maxAbsDiff).toBeGreaterThan(0); // Winograd rounds differently: never exactly 0
    expect(check.maxAbsDiff / check.scale).toBeLessThan(PROOF_BOUND);
    await engine.dispose();
  });

  it('background path: a wrong rewrite is caught after the switch, the file is made again', async () => {
    const engine = testEngine(spoiling(scaleU));
    const first = await engine.load({
      source: tinyBytes(),
      backend: 'wasm',
      fastInBackgroundFrom: 0,
    });
    expect(first.fast.pending).toBe(true);
    const settled = await engine.inspect();
    expect(settled?.fast.path).toBe('direct');
    expect(settled?.fast.reason).toMatch(/differs from the file on the self-check/);
    expect(keyOf(settled?.fast.reasonMessage)).toBe('fastReason.checkDiffers');
    // It still answers, with the file's session.
    const r = await engine.classifyTensors({ input: probeImages(1, 224), count: 1, size: 224 });
    expect(r[0]!.top5).toHaveLength(5);
    await engine.dispose();
  });

  it('background path: a good rewrite takes over with its figures', async () => {
    const engine = testEngine();
    await engine.load({ source: tinyBytes(), backend: 'wasm', fastInBackgroundFrom: 0 });
    const settled = await engine.inspect();
    expect(settled?.fast.path).toBe('winograd');
    expect(settled?.fast.check?.images).toBe(2);
    await engine.dispose();
  });
});
