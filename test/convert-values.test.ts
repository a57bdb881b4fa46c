/**
 * Issue 12, row 13: checkpoints whose weights hold NaN or Inf, or a negative BatchNorm variance,
 * are refused by the converter (which tensors, how many values), in the page and the CLI; the CLI
 * converts them anyway with --allow-non-finite, and the model that makes is then refused at load.
 * The broken checkpoints are real torch.save files, written by PyTorch at test time.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCheckpoint } from '../src/core/checkpoint/torch';
import { convertStateDict, findBadValues } from '../src/core/convert';
import { testEngine, tinyBytes, bytesSource, imageBlob } from './helpers/engine';
import { lensError, lensRejection } from './helpers/errors';
import { ROOT } from './helpers/fixtures';

const TINY = resolve(ROOT, 'test/data/cli/legacy_tiny.pth');
const dir = mkdtempSync(join(tmpdir(), 'lens-nan-'));
const BROKEN = join(dir, 'broken.pth');

/** NaN x2 and Inf x1 in stage1.0.conv.weight, -1 in two of stage0's variances, by PyTorch. */
const made = spawnSync(
  '/usr/bin/python3',
  [
    '-c',
    `import torch, sys
sd = torch.load(sys.argv[1])
w = sd['stage1.0.conv.weight'].view(-1)
w[0] = float('nan'); w[5] = float('nan'); w[9] = float('inf')
sd['stage0.bn.running_var'][1] = -1.0
sd['stage0.bn.running_var'][3] = -0.5
torch.save(sd, sys.argv[2])`,
    TINY,
    BROKEN,
  ],
  { encoding: 'utf8' },
);
if (made.status !== 0 && process.env['CI'])
  throw new Error(`python3-torch is needed: ${made.stderr}`);

const EXPECTED =
  "The checkpoint's weights hold values no model can compute with (2 tensors: stage0.bn.running_var: 2 negative variances; stage1.0.conv.weight: 2 NaN, 1 Inf). The converted model would answer NaN for every image, so it was not converted.";

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', resolve(ROOT, 'src/cli/index.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
  });

describe.skipIf(made.status !== 0)('non-finite weights (row 13)', () => {
  it('the converter names the tensors and counts, and refuses unless allowed', async () => {
    const checkpoint = await readCheckpoint(new Uint8Array(readFileSync(BROKEN)));
    expect(findBadValues(checkpoint.stateDict)).toEqual([
      { key: 'stage0.bn.running_var', nan: 0, inf: 0, negativeVariance: 2 },
      { key: 'stage1.0.conv.weight', nan: 2, inf: 1, negativeVariance: 0 },
    ]);
    expect(lensError(() => convertStateDict(checkpoint.stateDict))).toEqual({
      code: 'corrupt-checkpoint',
      message: EXPECTED,
    });
    const anyway = convertStateDict(checkpoint.stateDict, { allowNonFinite: true });
    expect(anyway.badValues).toHaveLength(2);
    expect(anyway.onnx.byteLength).toBeGreaterThan(0);
    // The untouched checkpoint converts as before.
    const good = await readCheckpoint(new Uint8Array(readFileSync(TINY)));
    expect(convertStateDict(good.stateDict).badValues).toEqual([]);
  });

  it('the page refuses it without a CLI flag in the message, and keeps its model', async () => {
    const engine = testEngine();
    await engine.load({ source: tinyBytes(), backend: 'wasm' });
    const e = await lensRejection(
      engine.convert({
        bytes: readFileSync(BROKEN).buffer.slice(0),
        name: 'broken.pth',
        fp16: false,
        features: false,
        backend: 'wasm',
      }),
    );
    expect(e).toEqual({ code: 'corrupt-checkpoint', message: EXPECTED });
    expect(e.message).not.toMatch(/--|flag/);
    expect((await engine.inspect())?.name).toBe('tiny.onnx');
    const r = await engine.classify({
      file: imageBlob('chelsea.png'),
      preset: 'torchvision-256-224',
    });
    expect(r.modelName).toBe('tiny.onnx');
    await engine.dispose();
  });

  it('the CLI refuses with the flag to use, writes nothing, and converts with it', async () => {
    const manifest = join(dir, 'models.json');
    writeFileSync(manifest, JSON.stringify({ models: [] }));
    const out = join(dir, 'broken.onnx');
    const refused = cli('convert', BROKEN, '-o', out, '--manifest', manifest);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`${EXPECTED} Pass --allow-non-finite to convert it anyway.`);
    expect(existsSync(out)).toBe(false);

    const allowed = cli('convert', BROKEN, '-o', out, '--manifest', manifest, '--allow-non-finite');
    expect(allowed.status, allowed.stderr).toBe(0);
    expect(allowed.stderr).toContain(
      'warning: converted with --allow-non-finite; these weights hold NaN, Inf or negative variances: stage0.bn.running_var: 2 negative variances; stage1.0.conv.weight: 2 NaN, 1 Inf',
    );
    // The model it made answers NaN, so no engine takes it in place of a working one.
    const engine = testEngine();
    await engine.load({ source: tinyBytes(), backend: 'wasm' });
    const e = await lensRejection(
      engine.load({
        source: bytesSource(new Uint8Array(readFileSync(out)), 'broken.onnx'),
        backend: 'wasm',
      }),
    );
    expect(e.message).toMatch(/^The model answers non-finite scores/);
    expect((await engine.inspect())?.name).toBe('tiny.onnx');
    await engine.dispose();
  });
});
