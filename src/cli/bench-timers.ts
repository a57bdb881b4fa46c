/**
 * What `npm run bench` times side by side: open pages, onnxruntime-node sessions and a PyTorch
 * process, each behind one `Timer`, and `interleave`, which times them in blocks A B C ... A B C
 * so that the machine's noise (this machine is shared) falls on all of them alike.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Page } from '@playwright/test';
import type { LoadedSession } from '../engine/types';
import { classifyRepeatedly, stats, type Stats } from './bench-browser';
import type { ClassifyPayload } from '../engine/types';

export interface Timer {
  k: string;
  /** `warmup` untimed runs, then `n` timed ones: their ms per image. */
  time(n: number, warmup: number): Promise<number[]>;
  close(): Promise<void>;
}

/** A page of the app: the inference time the page reports for each classification of `photo`. */
export function pageTimer(
  k: string,
  opened: { page: Page; close: () => Promise<void> },
  photo: string,
  check?: (payloads: ClassifyPayload[]) => void,
): Timer {
  let checked = false;
  return {
    k,
    async time(n, warmup) {
      const payloads = await classifyRepeatedly(opened.page, photo, n, warmup);
      if (!checked) check?.(payloads);
      checked = true;
      return payloads.map((p) => p.timings.inferenceMs);
    },
    close: opened.close,
  };
}

/** An onnxruntime-node session on a fixed input (its inputs and outputs bound). */
export function sessionTimer(k: string, session: LoadedSession): Timer {
  const input = new Float32Array(3 * 224 * 224).map((_, i) => Math.sin(i) * 2);
  return {
    k,
    async time(n, warmup) {
      const out: number[] = [];
      for (let i = 0; i < warmup + n; i++) {
        const t0 = performance.now();
        await session.run(input, [1, 3, 224, 224]);
        if (i >= warmup) out.push(performance.now() - t0);
      }
      return out;
    },
    close: () => session.dispose(),
  };
}

/**
 * PyTorch in one long-lived process (`tools/bench_torch.py --serve`): the model is built once,
 * and each block asks it for n timed runs. Null when it does not start (no torch here).
 */
export async function torchTimer(
  python: string,
  script: string,
  arch: string,
  threads: number,
): Promise<Timer | null> {
  const child = spawn(python, [script, '--arch', arch, '--threads', String(threads), '--serve'], {
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown> | null> => {
    const line = await lines.next();
    return line.done ? null : (JSON.parse(line.value) as Record<string, unknown>);
  };
  const ready = await next().catch(() => null);
  if (!ready?.['ready']) {
    child.kill();
    return null;
  }
  return {
    k: 'torch',
    async time(n, warmup) {
      child.stdin.write(`${warmup + n}\n`);
      const reply = await next();
      if (!reply) throw new Error('PyTorch bench process ended');
      return (reply['ms'] as number[]).slice(warmup);
    },
    close: async () => {
      child.stdin.end();
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

/**
 * A pause between one timer's block and the next: onnxruntime's idle worker threads spin for a
 * while after a run, and on 2 cores they would slow whichever runtime runs next (measured: B1 on
 * onnxruntime-node, 2 threads, 62 ms alone, 91 ms interleaved with two other sessions without the
 * pause, 62-65 ms with it).
 */
const SETTLE_MS = 100;

/**
 * Timed runs in blocks A B C ... A B C, the first block after two warm-up runs each; then each
 * timer's stats (into[k]), and it is closed.
 */
export async function interleave(
  timers: readonly Timer[],
  into: Record<string, Stats>,
  runs: number,
): Promise<void> {
  const blocks = 3;
  const each = Math.ceil(runs / blocks);
  const samples = new Map<string, number[]>(timers.map((t) => [t.k, []]));
  try {
    for (let b = 0; b < blocks; b++)
      for (const t of timers) {
        await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
        samples.get(t.k)!.push(...(await t.time(each, b === 0 ? 2 : 0)));
      }
    for (const t of timers) into[t.k] = stats(samples.get(t.k)!);
  } finally {
    for (const t of timers) await t.close();
  }
}
