/**
 * The lens threads' mailbox (src/core/lens/mailbox.mjs, pool.ts) with real worker_threads on the
 * threads build: calls run on the workers and their results equal the caller's own, a trap in a
 * worker comes back as an error from `join`, and the pool keeps working after it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instantiateKernels, sharedKernelMemory, type LensKernels } from '../src/core/lens/kernels';
import type { LensPool } from '../src/core/lens/runner';
import { loadKernelModule } from '../src/node/lens-node';
import { startNodeLensPool } from '../src/node/lens-pool';

let k: LensKernels;
let pool: LensPool;
beforeAll(async () => {
  const { module, isa } = await loadKernelModule('simd128', true);
  k = await instantiateKernels(module, isa, sharedKernelMemory());
  pool = await startNodeLensPool(module, k, 2);
});
afterAll(() => pool.close());

/** A 4x8 GEMM call on fresh operands: its output pointer and the call. */
function gemmCall(seed: number) {
  const [M, N, K] = [8, 16, 32];
  const a = k.put(Float32Array.from({ length: M * K }, (_, i) => Math.sin(i + seed)));
  const b = k.put(Float32Array.from({ length: K * N }, (_, i) => Math.cos(i * 0.3 + seed)));
  const c = k.alloc(M * N);
  const args = [M, N, K, a, b, N, 8, c, N, 0, -Infinity, Infinity];
  return { c, M, N, call: { fn: 'lens_gemm_f32_4x8' as const, args } };
}

describe('lens thread pool', () => {
  it('runs each call on its worker, with the result the caller gets itself', () => {
    const calls = [gemmCall(1), gemmCall(2)];
    for (let round = 0; round < 3; round++) {
      pool.start(calls.map((c) => c.call));
      pool.join();
      for (const { c, M, N, call } of calls) {
        const got = k.read(c, M * N).slice();
        k.f32.fill(0, c / 4, c / 4 + M * N);
        k.call(call);
        expect(got).toEqual(k.read(c, M * N));
        expect(got.some((v) => v !== 0)).toBe(true);
      }
    }
  });

  it("a worker's trap is an error from join, and the pool still works after it", () => {
    const bad = gemmCall(3).call;
    bad.args[7] = 2 ** 32 - 64; // C past the memory's end: the store traps
    pool.start([gemmCall(4).call, bad]);
    expect(() => pool.join()).toThrow(/^lens thread: .*out of bounds/);
    const ok = gemmCall(5);
    pool.start([ok.call]);
    pool.join();
    expect(k.read(ok.c, ok.M * ok.N).some((v) => v !== 0)).toBe(true);
  });

  it('refuses more calls than workers and a second start before join', () => {
    const c = gemmCall(6).call;
    expect(() => pool.start([c, c, c])).toThrow(RangeError);
    pool.start([c]);
    expect(() => pool.start([c])).toThrow(/twice/);
    pool.join();
  });
});
