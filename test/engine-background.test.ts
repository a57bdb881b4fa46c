/**
 * The fast path in the background (the page's big models): the file as it is answers first, the
 * Winograd session takes over between two runs, and both answer as PyTorch does. Real sessions
 * (onnxruntime-node, the tiny model with every model counted as big).
 */
import { describe, expect, it } from 'vitest';
import { bytesSource, imageBlob, testEngine, tinyBytes } from './helpers/engine';
import { references } from './helpers/fixtures';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { TINY_MODEL } from './helpers/fixtures';
import type { SessionBackend } from '../src/engine/backends';
import type { ClassifyPayload, LoadedSession } from '../src/engine/types';
import { nodeSessionFactory } from '../src/node/ort-node';
import { lensBackend } from '../src/node/lens-node';

const preset = 'torchvision-256-224' as const;
const pngFixtures = Object.keys(references.images).filter((n) => n.endsWith('.png'));
/** The engine's bound against PyTorch (test/engine.test.ts). */
const MAX_DP = 1e-5;

function maxDp(a: readonly { probability: number }[], b: readonly { probability: number }[]) {
  return Math.max(...a.map((p, i) => Math.abs(p.probability - b[i]!.probability)));
}

describe('fast path in the background', () => {
  it('answers with the file as it is first, then the Winograd session takes over; both as PyTorch', async () => {
    const engine = testEngine();
    const info = await engine.load({
      source: tinyBytes(),
      backend: 'wasm',
      fastInBackgroundFrom: 0,
    });
    expect(info.fast).toMatchObject({
      path: 'direct',
      reason: 'the fast path is being prepared',
      pending: true,
      rewritten: 0,
    });
    const name = pngFixtures[0]!;
    const ref = references.images[name]!;
    // Queued at once: it runs before the background work starts.
    const first = await engine.classify({ file: imageBlob(name), preset });
    expect(first.fastPath).toBe('direct convolutions (the fast path is being prepared)');
    expect(first.top5.map((p) => p.index)).toEqual(ref.top5.map((p) => p.index));
    expect(maxDp(first.top5, ref.top5)).toBeLessThan(MAX_DP);

    const settled = await engine.inspect();
    expect(settled?.fast).toMatchObject({ path: 'winograd', reason: null, total3x3: 6 });
    expect(settled?.fast.pending).toBeUndefined();
    expect(settled?.fast.rewriteMs).toBeGreaterThan(0);
    for (const n of pngFixtures) {
      const r = references.images[n]!;
      const later = await engine.classify({ file: imageBlob(n), preset });
      expect(later.fastPath, n).toMatch(/^Winograd: \d+ of 6 3x3 convolutions/);
      expect(
        later.top5.map((p) => p.index),
        n,
      ).toEqual(r.top5.map((p) => p.index));
      expect(maxDp(later.top5, r.top5), n).toBeLessThan(MAX_DP);
    }
    await engine.dispose();
  });

  it('on the lens kernels: every layer as written answers first, then their Winograd session; both as PyTorch', async () => {
    const engine = testEngine({ backends: [lensBackend(2)] });
    const info = await engine.load({
      source: tinyBytes(),
      backend: 'wasm',
      fastInBackgroundFrom: 0,
    });
    expect(info.runner.name).toBe('lens');
    expect(info.fast).toMatchObject({ path: 'direct', pending: true });
    const name = pngFixtures[0]!;
    const ref = references.images[name]!;
    const first = await engine.classify({ file: imageBlob(name), preset });
    expect(first.fastPath).toBe('direct convolutions (the fast path is being prepared)');
    expect(first.top5.map((p) => p.index)).toEqual(ref.top5.map((p) => p.index));
    expect(maxDp(first.top5, ref.top5)).toBeLessThan(MAX_DP);

    const settled = await engine.inspect();
    expect(settled?.runner.name).toBe('lens');
    // The same rule, the same facts as at load, and the self-check ran against the first session.
    expect(settled?.fast).toMatchObject({ path: 'winograd', reason: null, total3x3: 6 });
    expect(settled?.fast.pending).toBeUndefined();
    expect(settled?.fast.check?.images).toBeGreaterThan(0);
    expect(settled?.fast.check!.maxAbsDiff).toBeLessThanOrEqual(
      settled!.fast.check!.bound * settled!.fast.check!.scale,
    );
    for (const n of pngFixtures) {
      const r = references.images[n]!;
      const later = await engine.classify({ file: imageBlob(n), preset });
      expect(later.fastPath, n).toMatch(/^Winograd: \d+ of 6 3x3 convolutions/);
      expect(
        later.top5.map((p) => p.index),
        n,
      ).toEqual(r.top5.map((p) => p.index));
      expect(maxDp(later.top5, r.top5), n).toBeLessThan(MAX_DP);
    }
    await engine.dispose();
  });

  it("a photo sent while the self-check's reference runs goes before the swap that follows", async () => {
    // The lens kernels run synchronously inside the job, as in the page's worker: a photo's
    // message arrives only after the reference's task. It must not wait for the packing.
    const lens = lensBackend(1);
    let onNextRun: (() => void) | null = null;
    const spied: SessionBackend = {
      ...lens,
      open: async (bytes, options) => {
        const opened = await lens.open(bytes, options);
        if (!('session' in opened)) return opened;
        const s = opened.session;
        const hook = () => {
          const f = onNextRun;
          onNextRun = null;
          if (f) setTimeout(f, 0);
        };
        const session: LoadedSession = {
          ...s,
          run: (input, dims) => (hook(), s.run(input, dims)),
          runWithFeatures: (input, dims) => (hook(), s.runWithFeatures(input, dims)),
        };
        return { session };
      },
    };
    const engine = testEngine({ backends: [spied] });
    await engine.load({ source: tinyBytes(), backend: 'wasm', fastInBackgroundFrom: 0 });
    const name = pngFixtures[0]!;
    // The next run after the load is the background's reference (no photo was queued).
    const photo = new Promise<ClassifyPayload>((resolve, reject) => {
      onNextRun = () => {
        engine.classify({ file: imageBlob(name), preset }).then(resolve, reject);
      };
    });
    const first = await photo;
    expect(first.fastPath).toBe('direct convolutions (the fast path is being prepared)');
    expect(first.top5.map((p) => p.index)).toEqual(
      references.images[name]!.top5.map((p) => p.index),
    );
    // The page asks twice: once the fast path settled, then with the sha256 (hashed after it).
    const fast = await engine.inspect({ until: 'fast-path' });
    expect(fast?.fast).toMatchObject({ path: 'winograd', reason: null });
    const all = await engine.inspect();
    expect(all?.details?.sha256).toBe(
      createHash('sha256').update(readFileSync(TINY_MODEL)).digest('hex'),
    );
    await engine.dispose();
  });

  it('starts the runtime beside the read only when no backend before it wants the load', async () => {
    const lens = lensBackend(1);
    const started: (string | undefined)[] = [];
    const engine = testEngine({
      backends: [{ ...lens, wanted: (o) => o.kernels !== 'onnxruntime' }],
      startRuntime: (o) => void started.push((o as { kernels?: string }).kernels),
    });
    expect((await engine.load({ source: tinyBytes(), backend: 'wasm' })).runner.name).toBe('lens');
    expect(started).toEqual([]);
    const info = await engine.load({
      source: tinyBytes(),
      backend: 'wasm',
      kernels: 'onnxruntime',
    });
    expect(info.runner.name).toBe('onnxruntime');
    expect(started).toEqual(['onnxruntime']);
    await engine.dispose();
  });

  it('never replaces a model chosen after it, and releases what it made', async () => {
    let created = 0;
    let released = 0;
    const factory = nodeSessionFactory(1);
    const engine = testEngine({
      createSession: async (bytes, options) => {
        const session = await factory(bytes, options);
        created++;
        return {
          ...session,
          dispose: () => {
            released++;
            return session.dispose();
          },
        } satisfies LoadedSession;
      },
    });
    await engine.load({ source: tinyBytes(), backend: 'wasm', fastInBackgroundFrom: 0 });
    const second = await engine.load({
      source: bytesSource(new Uint8Array(readFileSync(TINY_MODEL)), 'second.onnx'),
      backend: 'wasm',
    });
    expect(second.fast.path).toBe('winograd');
    // The first model's background work stops: the second stays, with its own facts.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const now = await engine.inspect();
    expect(now?.name).toBe('second.onnx');
    expect(now?.fast.pending).toBeUndefined();
    // The first model's session and the second's (its Winograd session and the file as it is
    // for the self-check, released after it); no Winograd session was made for the first.
    expect(created).toBe(3);
    expect(released).toBe(2);
    await engine.dispose();
    expect(released).toBe(3);
  });

  it('keeps the file as it is, and says why, when the fast session cannot be made', async () => {
    const factory = nodeSessionFactory(1);
    let calls = 0;
    const engine = testEngine({
      createSession: (bytes, options) =>
        ++calls === 2 ? Promise.reject(new Error('out of memory')) : factory(bytes, options),
    });
    await engine.load({ source: tinyBytes(), backend: 'wasm', fastInBackgroundFrom: 0 });
    expect((await engine.inspect())?.fast).toMatchObject({
      path: 'direct',
      reason: 'the fast path could not be prepared: out of memory',
    });
    const name = pngFixtures[0]!;
    const result = await engine.classify({ file: imageBlob(name), preset });
    expect(result.fastPath).toBe(
      'direct convolutions (the fast path could not be prepared: out of memory)',
    );
    expect(maxDp(result.top5, references.images[name]!.top5)).toBeLessThan(MAX_DP);
    // The direct session, the fast one that failed, the direct one made again.
    expect(calls).toBe(3);
    await engine.dispose();
  });

  it('makes the fast path first when the model is below the size', async () => {
    const engine = testEngine();
    const info = await engine.load({
      source: tinyBytes(),
      backend: 'wasm',
      fastInBackgroundFrom: 64 * 2 ** 20,
    });
    expect(info.fast).toMatchObject({ path: 'winograd' });
    expect(info.fast.pending).toBeUndefined();
    await engine.dispose();
  });

  it('leaves the file as it is when the fast path is off', async () => {
    const engine = testEngine();
    const info = await engine.load({
      source: tinyBytes(),
      backend: 'wasm',
      fast: false,
      fastInBackgroundFrom: 0,
    });
    expect(info.fast).toMatchObject({ path: 'direct', reason: 'fast path off' });
    expect((await engine.inspect())?.fast).toMatchObject({
      path: 'direct',
      reason: 'fast path off',
    });
    await engine.dispose();
  });
});
