/**
 * What `npm run bench` times side by side: open pages, onnxruntime-node sessions and a PyTorch
 * process, each behind one `Timer`, and `interleave`, which times them in blocks A B C ... A B C
 * so that the machine's noise (this machine is shared) falls on all of them alike.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
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
 * After the pause, a block waits until the machine is quiet: at most `share` of all cores' time
 * busy over a `windowMs` window (/proc/stat), for at most `maxMs`. The bench's own work leaves
 * work behind it: closing a page or a browser frees gigabytes, and the kernel's reclaim of them
 * took a core for 1-2 s here (a kworker with 1.85 s of CPU time while the next page was timed),
 * which falls on whichever block comes next. Where /proc/stat is missing, no wait.
 */
export const QUIET = { share: 0.15, windowMs: 250, maxMs: 5000 };

/** Busy and total jiffies of all CPUs, from the text of /proc/stat; null if it has no cpu line. */
export function cpuJiffies(stat: string): { busy: number; total: number } | null {
  const line = stat.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return null;
  // user nice system idle iowait irq softirq steal (guest time is inside user already)
  const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (f.length < 4 || f.some((v) => !Number.isFinite(v))) return null;
  const total = f.reduce((a, b) => a + b, 0);
  const idle = f[3]! + (f[4] ?? 0);
  return { busy: total - idle, total };
}

/** The share of CPU time that was busy between two readings (0 when no time passed). */
export function busyShare(
  a: { busy: number; total: number },
  b: { busy: number; total: number },
): number {
  const total = b.total - a.total;
  return total > 0 ? (b.busy - a.busy) / total : 0;
}

const readJiffies = () => readFile('/proc/stat', 'utf8').then(cpuJiffies, () => null);

/** How long the blocks waited for a quiet machine, and how many started at the limit instead. */
export interface QuietLog {
  blocks: number;
  waitedMs: number;
  late: number;
}
export const quietLog = (): QuietLog => ({ blocks: 0, waitedMs: 0, late: 0 });

/** The note on the waits for a quiet machine before each timed block (`waitQuiet`). */
export function quietNote(log: QuietLog): string {
  const head = `Before each timed block and load, the bench waited until at most ${QUIET.share * 100} % of the CPU time was busy over ${QUIET.windowMs} ms (/proc/stat), for at most ${QUIET.maxMs / 1000} s`;
  if (log.blocks === 0) return `${head}: no reading of /proc/stat here, so no wait.`;
  return `${head}: ${log.blocks} waits, ${(log.waitedMs / 1000).toFixed(1)} s in all, ${log.late} of them ended at the limit (the machine still busy).`;
}

/** Waits for a quiet machine (`QUIET`); adds what it waited to `log` (nothing without /proc/stat). */
export async function waitQuiet(log?: QuietLog): Promise<void> {
  const t0 = performance.now();
  let quiet = false;
  let a = await readJiffies();
  if (!a) return;
  while (!quiet && performance.now() - t0 < QUIET.maxMs) {
    await new Promise((resolve) => setTimeout(resolve, QUIET.windowMs));
    const b = await readJiffies();
    if (!b) return;
    quiet = busyShare(a, b) <= QUIET.share;
    a = b;
  }
  if (!log) return;
  log.blocks++;
  log.waitedMs += performance.now() - t0;
  if (!quiet) log.late++;
}

/**
 * Timed runs in blocks A B C ... A B C, the first block after two warm-up runs each, every block
 * after the pause and on a quiet machine (`waitQuiet`); then each timer's stats (into[k]), and it
 * is closed.
 */
export async function interleave(
  timers: readonly Timer[],
  into: Record<string, Stats>,
  runs: number,
  log?: QuietLog,
): Promise<void> {
  const blocks = 3;
  const each = Math.ceil(runs / blocks);
  const samples = new Map<string, number[]>(timers.map((t) => [t.k, []]));
  try {
    for (let b = 0; b < blocks; b++)
      for (const t of timers) {
        await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
        await waitQuiet(log);
        samples.get(t.k)!.push(...(await t.time(each, b === 0 ? 2 : 0)));
      }
    for (const t of timers) into[t.k] = stats(samples.get(t.k)!);
  } finally {
    for (const t of timers) await t.close();
  }
}
