/**
 * Per-operator time in onnxruntime-web's WASM kernels (what the page runs), from onnxruntime's
 * own profiler: the model run in a child Node process (`profile-wasm-child.ts`) with the WASM
 * build, direct and with the Winograd fast path, side by side. The same .wasm as the page; the
 * browser adds only its thread scheduling.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

export interface OpProfile {
  /** Operator type, as onnxruntime names it (Conv, MatMul, Gather, ...). */
  op: string;
  /** Milliseconds per inference, summed over the nodes of this type. */
  ms: number;
  /** Nodes of this type that ran. */
  nodes: number;
}

export interface ProfileReport {
  threads: number;
  runs: number;
  direct: OpProfile[];
  fast: OpProfile[];
  /** The file as it is: each node's mean kernel time, ms, by node name (the per-layer table). */
  directNodes: Record<string, number>;
}

interface TraceEvent {
  cat?: string;
  name?: string;
  dur?: number;
  ts?: number;
  args?: { op_name?: string };
}

/**
 * Sums kernel times by operator type over the timed runs: every `model_run` but the first (the
 * first pays for memory planning), divided by their number.
 */
export function opTable(events: readonly TraceEvent[]): OpProfile[] {
  const runs = events
    .filter((e) => e.cat === 'Session' && e.name === 'model_run')
    .sort((a, b) => a.ts! - b.ts!)
    .slice(1);
  if (runs.length === 0) return [];
  const inTimed = (ts: number) => runs.some((r) => ts >= r.ts! && ts <= r.ts! + r.dur!);
  const byOp = new Map<string, { us: number; nodes: Set<string> }>();
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name?.endsWith('_kernel_time') || !e.args?.op_name) continue;
    if (!inTimed(e.ts!)) continue;
    const entry = byOp.get(e.args.op_name) ?? { us: 0, nodes: new Set<string>() };
    entry.us += e.dur!;
    entry.nodes.add(e.name);
    byOp.set(e.args.op_name, entry);
  }
  return [...byOp]
    .map(([op, { us, nodes }]) => ({ op, ms: us / 1000 / runs.length, nodes: nodes.size }))
    .sort((a, b) => b.ms - a.ms);
}

/** Mean kernel time per node over the timed runs (as `opTable`), ms, by the node's name. */
export function nodeTimes(events: readonly TraceEvent[]): Map<string, number> {
  const runs = events
    .filter((e) => e.cat === 'Session' && e.name === 'model_run')
    .sort((a, b) => a.ts! - b.ts!)
    .slice(1);
  const inTimed = (ts: number) => runs.some((r) => ts >= r.ts! && ts <= r.ts! + r.dur!);
  const out = new Map<string, number>();
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name?.endsWith('_kernel_time') || !inTimed(e.ts!)) continue;
    const name = e.name.slice(0, -'_kernel_time'.length);
    out.set(name, (out.get(name) ?? 0) + e.dur! / 1000 / runs.length);
  }
  return out;
}

/** The JSON array onnxruntime printed between the child's markers. */
export function parseProfileOutput(stdout: string): TraceEvent[] {
  const start = stdout.indexOf('<<<LENS-PROFILE');
  const end = stdout.indexOf('LENS-PROFILE>>>');
  if (start < 0 || end < 0) throw new Error('the profile run printed no profile');
  const body = stdout.slice(stdout.indexOf('\n', start) + 1, end).trim();
  return JSON.parse(body) as TraceEvent[];
}

/**
 * A child that has not exited by then is stopped: onnxruntime-web's threaded build in Node now and
 * then stalls with its main thread in a timed futex loop (seen on B1, 2 threads, about one run in
 * three on this machine), and a bench must end.
 */
const CHILD_TIMEOUT_MS = 240_000;

/** onnxruntime's profile of one run of the child: the model direct or on the fast path. */
function profileEvents(model: string, path: 'direct' | 'fast', runs: number, threads: number) {
  const child = resolve(import.meta.dirname, 'profile-wasm-child.ts');
  let why = '';
  for (let attempt = 0; attempt < 2; attempt++) {
    const out = spawnSync(
      process.execPath,
      ['--import', 'tsx', child, model, path, String(runs), String(threads)],
      {
        encoding: 'utf8',
        maxBuffer: 256 * 2 ** 20,
        timeout: CHILD_TIMEOUT_MS,
        killSignal: 'SIGKILL',
      },
    );
    if (out.status === 0) return parseProfileOutput(out.stdout);
    why =
      out.status === null
        ? `no answer in ${CHILD_TIMEOUT_MS / 1000} s (onnxruntime-web stalled)`
        : out.stderr.slice(-2000);
  }
  throw new Error(`profile (${path}) failed twice: ${why}`);
}

export function profileWasm(model: string, runs: number, threads = 2): ProfileReport {
  const direct = profileEvents(model, 'direct', runs, threads);
  return {
    threads,
    runs,
    direct: opTable(direct),
    fast: opTable(profileEvents(model, 'fast', runs, threads)),
    directNodes: Object.fromEntries(nodeTimes(direct)),
  };
}
