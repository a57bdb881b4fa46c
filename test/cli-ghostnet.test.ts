/**
 * `repopt-lens convert` and `info` on GhostNet files: the converted file classifies as PyTorch
 * did, the manifest entry names the form, and a damaged file or a scales file is refused with
 * what is wrong (exit status 1, nothing written).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { loadInputs } from './convert-fixtures';
import { ROOT } from './helpers/fixtures';

const DATA = resolve(ROOT, 'test/data/ghostnet');

function cli(...args: string[]) {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', resolve(ROOT, 'src/cli/index.ts'), ...args],
    { cwd: ROOT, encoding: 'utf8' },
  );
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('repopt-lens convert / info with GhostNet files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lens-ghost-'));
  const manifest = join(dir, 'models.json');
  writeFileSync(manifest, '{"models":[]}\n');

  it('converts a wrapped RepOptimizers file into a 224x224 model that runs, and `info` reads it', async () => {
    const out = join(dir, 'rep.onnx');
    const r = cli('convert', join(DATA, 'rep.pth'), '-o', out, '--manifest', manifest, '--json');
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as {
      architecture: { family: string; mode: string; numClasses: number };
      entry: { id: string; name: string; architecture: string; preset: string };
      checkpoint: { layout: string; ignored: string[] };
      output: { outputs: string[] };
    };
    expect(report.architecture).toMatchObject({ family: 'ghostnet', mode: 'rep', numClasses: 10 });
    expect(report.checkpoint.layout).toBe('model');
    expect(report.checkpoint.ignored).toContain('config');
    expect(report.entry.id).toBe('repghostnet-rep');
    expect(report.entry.architecture).toMatch(/^GhostNet rep, stages \[1, 1, 1, 2, 1\]/);
    expect(report.output.outputs).toEqual(['logits']);
    // The CLI writes 224x224 models; the values against PyTorch are checked at 64x64 through
    // the same converter in convert-ghostnet.test.ts. Here: the file loads and runs.
    const session = await ort.InferenceSession.create(readFileSync(out));
    expect(session.inputNames).toEqual(['input']);
    const x = loadInputs();
    const big = new Float32Array(2 * 3 * 224 * 224);
    big.set(x.subarray(0, 3 * 64 * 64));
    const y = await session.run({ input: new ort.Tensor('float32', big, [2, 3, 224, 224]) });
    expect(y['logits']!.dims).toEqual([2, 10]);
    await session.release();

    const info = cli('info', out, '--json');
    expect(info.status, info.stderr).toBe(0);
    expect(JSON.parse(info.stdout)).toMatchObject({
      kind: 'onnx',
      architecture: { family: 'ghostnet', mode: 'rep', numClasses: 10 },
      paramsAsTrained: 15_598,
    });
  });

  it.each([
    ['rep-no-fusion.pth', /12 fusion BatchNorms missing: blocks\.0\.0\.ghost1\.fusion_bn\.\*/],
    ['repghost-extra.pth', /1 tensor not used: blocks\.1\.0\.ghost1\.fusion_bn\.1\.weight/],
    ['ghost-scales.pth', /This is a RepOptimizer scales file for RepOpt-GhostNet/],
    ['vgg-scales.pth', /This is a RepOptimizer scales file for RepOpt-VGG/],
  ])('refuses %s, naming what is wrong', (file, message) => {
    const out = join(dir, `${file}.onnx`);
    const r = cli('convert', join(DATA, file), '-o', out, '--manifest', manifest);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });
});
