/**
 * The per-operator profile of `npm run bench`: the aggregation by hand on a made-up trace, and one
 * real profile of the tiny model in onnxruntime-web's WASM build.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { opTable, parseProfileOutput, profileWasm } from '../src/cli/bench-profile';

const run = (ts: number, dur: number) => ({ cat: 'Session', name: 'model_run', ts, dur });
const kernel = (name: string, op: string, ts: number, dur: number) => ({
  cat: 'Node',
  name: `${name}_kernel_time`,
  ts,
  dur,
  args: { op_name: op },
});

describe('opTable', () => {
  it('sums kernel time per operator over the runs after the first, per run', () => {
    const events = [
      run(0, 100),
      kernel('/a', 'Conv', 10, 80), // first run: not counted
      run(200, 100),
      kernel('/a', 'Conv', 210, 40),
      kernel('/b', 'Conv', 250, 20),
      kernel('/c', 'Relu', 280, 10),
      run(400, 100),
      kernel('/a', 'Conv', 410, 60),
      kernel('/b', 'Conv', 470, 20),
      kernel('/c', 'Relu', 495, 2),
      { cat: 'Node', name: '/a_fence_before', ts: 405, dur: 1, args: { op_name: 'Conv' } },
    ];
    // Conv: (40 + 20 + 60 + 20) us over 2 runs = 70 us = 0.07 ms, 2 nodes; Relu (10 + 2) / 2 us
    expect(opTable(events)).toEqual([
      { op: 'Conv', ms: 0.07, nodes: 2 },
      { op: 'Relu', ms: 0.006, nodes: 1 },
    ]);
    expect(opTable([run(0, 10), kernel('/a', 'Conv', 1, 5)])).toEqual([]);
  });

  it('finds the JSON between the markers, and says when there is none', () => {
    const out = `noise\n<<<LENS-PROFILE\n[\n${JSON.stringify(run(0, 1))}\n]\nLENS-PROFILE>>>\n`;
    expect(parseProfileOutput(out)).toEqual([run(0, 1)]);
    expect(() => parseProfileOutput('nothing')).toThrow(/no profile/);
  });
});

describe('profileWasm', () => {
  it('profiles the tiny model direct and rewritten in the WASM build', () => {
    const r = profileWasm(resolve(import.meta.dirname, '../models/repopt-tiny.onnx'), 1, 1);
    const convs = (list: typeof r.direct) =>
      list.filter((o) => /Conv/.test(o.op)).reduce((n, o) => n + o.nodes, 0);
    // six 3x3 convolutions; the fast path rewrites the one at stride 1 into MatMuls
    expect(convs(r.direct)).toBe(6);
    expect(convs(r.fast)).toBe(5);
    expect(r.direct.some((o) => o.op === 'MatMul')).toBe(false);
    expect(r.fast.find((o) => o.op === 'MatMul')!.nodes).toBe(3);
    for (const o of [...r.direct, ...r.fast]) expect(o.ms).toBeGreaterThan(0);
  }, 60_000);
});
