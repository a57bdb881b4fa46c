/**
 * The lens backend on whole models, both builds, against onnxruntime-node on the same file and
 * against PyTorch's logits: the seeded tiny model, and every converter fixture (plain, SE, all
 * block modes) in float32 and float16 weights. Bar (issue 18): top-5 identical and
 * max |dp| <= 1e-5 on the softmax; the measured worst is printed per model.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convertStateDict } from '../src/core/convert';
import type { LoadedSession } from '../src/engine/types';
import { createLensNodeSession } from '../src/node/lens-node';
import { createNodeSession } from '../src/node/ort-node';
import { FIXTURES, loadFixture, loadInputs } from './convert-fixtures';
import { ROOT } from './helpers/fixtures';
import { compareLogits, randomArray } from './helpers/lens';

const ISAS = ['relaxed', 'simd128'] as const;
const MAX_DP = 1e-5;

/** max |dp| over the batch, after checking every row's top 5. */
function compare(got: ArrayLike<number>, want: ArrayLike<number>, batch: number): number {
  const c = compareLogits(got, want, batch);
  expect(c.sameTop5).toBe(true);
  return c.dp;
}

async function lens(bytes: Uint8Array, isa: (typeof ISAS)[number]): Promise<LoadedSession> {
  const load = await createLensNodeSession(bytes, { isa });
  if (!load.claimed) throw new Error(`declined: ${JSON.stringify(load.reason)}`);
  return load.session;
}

describe.each(ISAS)('%s build', (isa) => {
  it('runs the seeded tiny model as onnxruntime-node does', async () => {
    const bytes = readFileSync(resolve(ROOT, 'models/repopt-tiny.onnx'));
    const dims = [2, 3, 224, 224] as const;
    const input = randomArray(2 * 3 * 224 * 224, 42, 2);
    const ours = await lens(bytes, isa);
    const ort = await createNodeSession(bytes, 1);
    const dp = compare(await ours.run(input, dims), await ort.run(input, dims), 2);
    console.log(`${isa} repopt-tiny: max |dp| ${dp.toExponential(2)} (bound ${MAX_DP})`);
    expect(dp).toBeLessThanOrEqual(MAX_DP);
    await ort.dispose();
  });

  describe.each(FIXTURES)('converter fixture %s', (name) => {
    const { sd, expected } = loadFixture(name);
    const inputs = loadInputs();
    const dims = [2, 3, expected.inputSize, expected.inputSize] as const;

    it.each([false, true])('fp16 weights %s: as onnxruntime-node and PyTorch', async (fp16) => {
      const { onnx } = convertStateDict(sd, {
        fp16,
        features: true,
        inputSize: expected.inputSize,
      });
      const ours = await lens(onnx, isa);
      ours.bind('input', 'logits', 'features');
      const ort = await createNodeSession(onnx, 1);
      ort.bind('input', 'logits', 'features');
      const got = await ours.runWithFeatures(inputs, dims);
      const want = await ort.runWithFeatures(inputs, dims);
      const dpOrt = compare(got.logits, want.logits, 2);
      expect(got.features.dims).toEqual(want.features.dims);
      let feat = 0;
      for (let i = 0; i < want.features.data.length; i++)
        feat = Math.max(feat, Math.abs(got.features.data[i]! - want.features.data[i]!));
      const dpTorch = fp16 ? null : compare(got.logits, expected.logits, 2);
      console.log(
        `${isa} ${name} fp16=${fp16}: max |dp| vs ort ${dpOrt.toExponential(2)}` +
          (dpTorch === null ? '' : `, vs PyTorch ${dpTorch.toExponential(2)}`) +
          `, features max |d| ${feat.toExponential(2)}`,
      );
      expect(dpOrt).toBeLessThanOrEqual(MAX_DP);
      if (dpTorch !== null) expect(dpTorch).toBeLessThanOrEqual(MAX_DP);
      await ort.dispose();
    });
  });
});

describe('threads (the -mt builds on shared memory, worker_threads)', () => {
  it.each(ISAS)(
    '%s: 2 and 3 threads give the 1-thread answer bit for bit (same arithmetic per tile and row)',
    async (isa) => {
      const { sd, expected } = loadFixture('target-se');
      const { onnx } = convertStateDict(sd, { features: true, inputSize: expected.inputSize });
      const inputs = loadInputs();
      const dims = [2, 3, expected.inputSize, expected.inputSize] as const;
      const one = await lens(onnx, isa);
      const want = await one.run(inputs, dims);
      for (const threads of [2, 3]) {
        // Every layer split, however small (the fixtures are below the one-thread threshold).
        const load = await createLensNodeSession(onnx, { isa, threads, minSplitMacs: 0 });
        if (!load.claimed) throw new Error('declined');
        expect(load.session.threads).toBe(threads);
        expect(load.session.choice.reason).toContain(`${threads} thread(s)`);
        expect(await load.session.run(inputs, dims)).toEqual(want);
        await load.session.dispose();
      }
      const tiny = readFileSync(resolve(ROOT, 'models/repopt-tiny.onnx'));
      const x = randomArray(3 * 224 * 224, 5, 2);
      const d = [1, 3, 224, 224] as const;
      const two = await createLensNodeSession(tiny, { isa, threads: 2, minSplitMacs: 0 });
      if (!two.claimed) throw new Error('declined');
      expect(await two.session.run(x, d)).toEqual(await (await lens(tiny, isa)).run(x, d));
      await two.session.dispose();
    },
  );
});
