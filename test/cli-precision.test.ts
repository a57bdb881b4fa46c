/**
 * `repopt-lens precision` as a user runs it: the JSON contract (README, automation notes) and the
 * seeded faults of tools/make_precision_fixtures.py ranked first, through the real CLI.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PrecisionReport } from '../src/core/precision';
import { IMAGES, ROOT } from './helpers/fixtures';

const DIR = resolve(ROOT, 'test/data/precision');
const expected = JSON.parse(readFileSync(resolve(DIR, 'expected.json'), 'utf8')) as {
  bn: { layerIndex: number; channel: number; stateDictName: string };
};

function cli(...args: string[]) {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', resolve(ROOT, 'src/cli/index.ts'), ...args],
    { cwd: ROOT, encoding: 'utf8' },
  );
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function calibDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lens-precision-'));
  for (const f of ['chelsea.png', 'coffee.png', 'rocket.jpg'])
    copyFileSync(join(IMAGES, f), join(dir, f));
  return dir;
}

describe('repopt-lens precision', () => {
  const calib = calibDir();

  it('--json: the documented shape, the broken BatchNorm channel first in int8 and in the static check', () => {
    const r = cli(
      'precision',
      join(DIR, 'bn-hog.onnx'),
      '--calib',
      calib,
      '--bn',
      join(DIR, 'bn-hog.pth'),
      '--json',
    );
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      model: string;
      preset: string;
      calibration: { files: number; used: number; skipped: unknown[] };
      seconds: number;
      report: PrecisionReport;
    };
    expect(out.preset).toBe('torchvision-256-224');
    expect(out.calibration).toEqual({ files: 3, used: 3, skipped: [] });
    const rep = out.report;
    expect(Object.keys(rep).sort()).toEqual(
      [
        'batchNorm',
        'batchNormNote',
        'breakBelowDb',
        'dropDb',
        'fp16',
        'images',
        'int8',
        'layers',
        'method',
        'percentile',
      ].sort(),
    );
    const broken = rep.layers[expected.bn.layerIndex]!;
    expect(rep.int8.ranking[0]).toMatchObject({
      layer: broken.name,
      channel: expected.bn.channel,
      kind: 'range-hog',
      tier: 2,
    });
    expect(rep.int8.firstBreak).toBe(broken.name);
    expect(rep.fp16.firstBreak).toBeNull();
    expect(broken.perChannel.maxAbs).toHaveLength(broken.channels);
    expect(broken.perChannel.int8SqnrDb).toHaveLength(broken.channels);
    expect(rep.batchNorm!.source).toBe('checkpoint');
    expect(rep.batchNorm!.ranking[0]).toMatchObject({
      bn: expected.bn.stateDictName,
      channel: expected.bn.channel,
    });
  }, 60_000);

  it('human output names the first fp16 break; bad arguments get the usage', () => {
    const r = cli('precision', join(DIR, 'weight-overflow.onnx'), '--calib', calib);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^fp16: first layer that breaks: \/stages\/stages\.1\//m);
    expect(r.stdout).toMatch(/ {2}1\. \/stages\/stages\.1\/\S+ channel 3: a weight of 1\.00e\+5/);
    expect(r.stdout).toMatch(/BatchNorms: none to check/);
    const bad = cli('precision', join(DIR, 'healthy.onnx'));
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/--calib/);
    expect(bad.stderr).toMatch(/usage: repopt-lens precision/);
  }, 60_000);
});
