/**
 * The per-operator profile of `npm run bench`: the aggregation by hand on a made-up trace, and one
 * real profile of the tiny model in onnxruntime-web's WASM build.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { layerMarkdown, withOrtTimes, type LayerTable } from '../src/cli/bench-layers';
import { nodeTimes, opTable, parseProfileOutput, profileWasm } from '../src/cli/bench-profile';

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

  it('nodeTimes: the mean per node over the runs after the first, by the node name', () => {
    const events = [
      run(0, 100),
      kernel('/a', 'Conv', 10, 80),
      run(200, 100),
      kernel('/a', 'Conv', 210, 40),
      kernel('/b', 'Conv', 250, 20),
      run(400, 100),
      kernel('/a', 'Conv', 410, 60),
    ];
    expect([...nodeTimes(events)]).toEqual([
      ['/a', 0.05],
      ['/b', 0.01],
    ]);
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
    // Each Conv node of the file, by name, for the per-layer table.
    const convNodes = Object.keys(r.directNodes).filter((n) => n.endsWith('/Conv'));
    expect(convNodes).toHaveLength(6);
    for (const n of convNodes) expect(r.directNodes[n]).toBeGreaterThan(0);
  }, 60_000);
});

describe('the per-layer table beside onnxruntime-web', () => {
  it('puts each Conv node time on its row by name, with the ratio and the sums', () => {
    const row = (index: number, name: string, ms: number) => ({
      index,
      name,
      ms,
      conv: '8->8 3x3 s1',
      out: '4x4',
      method: 'im2col',
      directGmacs: 1,
      doneGmacs: 1,
      peakShare: 0.5,
    });
    const t: LayerTable = {
      isa: 'relaxed',
      threads: 1,
      runs: 2,
      peakGmacs: 2,
      rows: [row(0, '/a', 1), row(1, '/b', 2)],
      totalMs: 3.5,
      directGmac: 0.1,
    };
    const md = layerMarkdown(withOrtTimes(t, new Map([['/b', 5]]), 1));
    expect(md).toContain(
      '| 1 | 8->8 3x3 s1 | 4x4 | im2col | 2.00 | 1.0 | 1.0 | 50 % | 5.00 | 2.5x |',
    );
    expect(md).toMatch(/\| 0 \| .* \| 50 % \| \| \|/);
    expect(md).toContain("3.0 ms on the lens kernels, 5.0 ms on onnxruntime-web's");
    expect(layerMarkdown(t)).not.toContain('onnxruntime-web');
  });
});
