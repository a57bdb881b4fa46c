/**
 * `quantize` as a user runs it (a child process): a checkpoint converted on the way, unreadable
 * calibration files skipped and counted, the written model loads, and clear messages for what
 * cannot work (no calibration images, none decodable, already quantized, bad options).
 */
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { readOnnxModel } from '../src/core/onnx';
import { parseKeepFloat, quantizeCommand, spread } from '../src/cli/quantize';
import { IMAGES, ROOT, TINY_MODEL } from './helpers/fixtures';

function cli(...args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', resolve(ROOT, 'src/cli/index.ts'), 'quantize', ...args],
    { cwd: ROOT, encoding: 'utf8' },
  );
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'lens-quantize-'));
const calib = join(dir, 'calib');
mkdirSync(calib);
for (const f of ['chelsea.png', 'rocket.jpg', 'coffee.png'])
  copyFileSync(join(IMAGES, f), join(calib, f));
writeFileSync(join(calib, 'broken.jpg'), 'this is not a jpeg');

describe('cli quantize options', () => {
  it('--limit spreads the images evenly over the sorted list; --keep-float parses', () => {
    const files = Array.from({ length: 10 }, (_, i) => `class${Math.floor(i / 5)}/${i}.jpg`);
    expect(spread(files, 4)).toEqual([
      'class0/0.jpg',
      'class0/2.jpg',
      'class1/5.jpg',
      'class1/7.jpg',
    ]);
    expect(spread(files, null)).toEqual(files);
    expect(spread(files, 50)).toEqual(files);
    expect(parseKeepFloat('auto:2')).toEqual({ auto: 2 });
    expect(parseKeepFloat('a, b')).toEqual({ names: ['a', 'b'] });
    expect(parseKeepFloat(undefined)).toBeNull();
    expect(() => parseKeepFloat('auto:x')).toThrow(/auto:<k> needs a whole number k, not "x"/);
  });
});

describe('cli quantize', () => {
  it('quantizes a checkpoint, skipping and counting an unreadable image', async () => {
    const out = join(dir, 'tiny-int8.onnx');
    const checkpoint = resolve(ROOT, 'test/data/cli/legacy_tiny.pth');
    const r = cli(checkpoint, '--calib', calib, '--method', 'minmax', '-o', out, '--json');
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.status).toBe(0);
    const summary = JSON.parse(r.stdout) as {
      calibration: { files: number; used: number; skipped: { file: string; error: string }[] };
      sha256: string;
      report: { method: string; images: number; layers: { name: string; sqnrDb: number }[] };
    };
    expect(summary.calibration.files).toBe(4);
    expect(summary.calibration.used).toBe(3);
    expect(summary.calibration.skipped).toEqual([
      { file: join(calib, 'broken.jpg'), error: expect.stringMatching(/not an image/) as string },
    ]);
    expect(summary.report).toMatchObject({ method: 'minmax', images: 3 });
    const bytes = new Uint8Array(readFileSync(out));
    const meta = readOnnxModel(bytes).metadata;
    expect(meta['quantization_method']).toBe('minmax');
    expect(meta['quantization_images']).toBe('3');
    const { createHash } = await import('node:crypto');
    expect(meta['quantization_source_sha256']).toBe(
      createHash('sha256').update(readFileSync(checkpoint)).digest('hex'),
    );
    const session = await ort.InferenceSession.create(bytes);
    const logits = await session.run({
      input: new ort.Tensor('float32', new Float32Array(3 * 224 * 224), [1, 3, 224, 224]),
    });
    expect(logits['logits']!.dims).toEqual([1, 10]); // legacy_tiny has 10 classes
    await session.release();
  });

  it('keeps the worst layer float on request; compare and eval read the int8 file', () => {
    const good = join(dir, 'good');
    mkdirSync(good);
    for (const f of ['chelsea.png', 'rocket.jpg', 'coffee.png'])
      copyFileSync(join(IMAGES, f), join(good, f));
    const out = join(dir, 'tiny-auto1.onnx');
    const q = cli(TINY_MODEL, '--calib', good, '--keep-float', 'auto:1', '-o', out, '--json');
    expect(q.status).toBe(0);
    const report = (
      JSON.parse(q.stdout) as {
        report: {
          keptFloat: string[];
          worst: string[];
          layers: { name: string; float: boolean }[];
          agreement: { top1Agreement: number; maxAbsProbabilityDiff: number; count: number };
        };
      }
    ).report;
    expect(report.keptFloat).toHaveLength(1);
    expect(report.layers.filter((l) => l.float).map((l) => l.name)).toEqual(report.keptFloat);

    // `compare` (the engine's own path: preprocess pool, classifyTensors, softmax) agrees with the
    // report on the same photos.
    const c = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        resolve(ROOT, 'src/cli/index.ts'),
        'compare',
        '--model',
        TINY_MODEL,
        '--model',
        out,
        '--data',
        good,
        '--exif',
        'ignore',
        '--json',
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(c.status).toBe(0);
    const cmp = JSON.parse(c.stdout) as {
      count: number;
      top1Agreement: number;
      maxAbsProbabilityDiff: number;
    };
    expect(cmp.count).toBe(report.agreement.count);
    expect(cmp.top1Agreement).toBe(report.agreement.top1Agreement);
    expect(cmp.maxAbsProbabilityDiff).toBeCloseTo(report.agreement.maxAbsProbabilityDiff, 6);

    const wnid = join(dir, 'val', 'n01440764');
    mkdirSync(wnid, { recursive: true });
    copyFileSync(join(IMAGES, 'chelsea.png'), join(wnid, 'chelsea.png'));
    const e = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        resolve(ROOT, 'src/cli/index.ts'),
        'eval',
        '--model',
        out,
        '--data',
        join(dir, 'val'),
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(e.status).toBe(0);
    expect(e.stdout).toMatch(/images 1 .* img\/s \(\d+\.\d ms per image, decoding included\)/);
  });

  it('says what is wrong with bad input', () => {
    const out = join(dir, 'x.onnx');
    const noCalib = cli(TINY_MODEL, '-o', out);
    expect(noCalib.status).toBe(1);
    expect(noCalib.stderr).toMatch(/needs calibration images: --calib/);

    const empty = join(dir, 'empty');
    mkdirSync(empty);
    writeFileSync(join(empty, 'notes.txt'), 'no images here');
    const none = cli(TINY_MODEL, '--calib', empty, '-o', out);
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/No calibration images found in/);

    const junk = join(dir, 'junk');
    mkdirSync(junk);
    writeFileSync(join(junk, 'a.jpg'), 'not a jpeg');
    writeFileSync(join(junk, 'b.png'), 'not a png either');
    const undecodable = cli(TINY_MODEL, '--calib', junk, '-o', out);
    expect(undecodable.status).toBe(1);
    expect(undecodable.stderr).toMatch(/No calibration image could be decoded \(2 skipped/);

    expect(existsSync(out)).toBe(false);
  });

  it('checks its options before any work (in-process)', async () => {
    const out = join(dir, 'y.onnx');
    const run = (...args: string[]) =>
      quantizeCommand([TINY_MODEL, '--calib', calib, '-o', out, ...args]);
    await expect(run('--method', 'mse')).rejects.toThrow(
      /--method must be one of minmax, percentile, kl, not "mse"/,
    );
    await expect(run('--percentile', '101')).rejects.toThrow(
      /--percentile must be a number in \(0, 100\], not "101"/,
    );
    await expect(run('--method', 'kl', '--percentile', '99')).rejects.toThrow(
      /--percentile applies to --method percentile only/,
    );
    await expect(run('--keep-float', 'nope')).rejects.toThrow(
      /No layer "nope" to keep in float. The layers are: \/stage0\/conv\/Conv/,
    );
    await expect(run('--limit', '0')).rejects.toThrow(
      /--limit must be a whole number of at least 1/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a model that is already quantized', () => {
    const int8 = join(dir, 'tiny-int8.onnx');
    expect(existsSync(int8)).toBe(true);
    const r = cli(int8, '--calib', calib, '-o', join(dir, 'twice.onnx'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/error: .*tiny-int8\.onnx: The model is already quantized/);
  });
});
