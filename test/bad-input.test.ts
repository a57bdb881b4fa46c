/**
 * The image rows of the bad-input matrix on the Node path: sharp (and the project's PNG decoder)
 * must give Pillow's pixels or the same clear error as the browser, and the CLI's `classify` must
 * report each bad file and go on classifying the rest.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAD_DIR, BAD_ROWS, badReferences, makeBigPhoto, reference } from '../e2e/bad-inputs';
import { PRESETS, preprocess } from '../src/core/preprocess/preprocess';
import { decodeBytes } from '../src/node/decode-node';
import { ROOT, TINY_MODEL } from './helpers/fixtures';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const read = (file: string) => new Uint8Array(readFileSync(resolve(BAD_DIR, file)));
const preset = PRESETS['torchvision-256-224'];

describe('bad-input matrix: Node decoding (sharp + the PNG decoder)', () => {
  it('covers every generated file', () => {
    expect(BAD_ROWS.map((r) => r.file).sort()).toEqual(Object.keys(badReferences.files).sort());
  });

  for (const row of BAD_ROWS) {
    if (row.outcome === 'error') {
      it(`${row.file}: ${row.code}, ${row.message.source}`, async () => {
        const error = await decodeBytes(read(row.file)).then(
          () => null,
          (e: unknown) => e,
        );
        expect(error).toMatchObject({ name: 'LensError', code: row.code });
        expect((error as Error).message).toMatch(row.message);
      });
      continue;
    }
    it(`${row.file}: Pillow's pixels, crop and size`, async () => {
      const ref = reference(row.file, row.node);
      const { image } = await decodeBytes(read(row.file));
      expect([image.width, image.height]).toEqual([ref.width, ref.height]);
      expect(sha256(image.data)).toBe(ref.decoded_sha256);
      const pre = preprocess(image, preset);
      expect([pre.resized.width, pre.resized.height]).toEqual([
        ref.resized_width,
        ref.resized_height,
      ]);
      expect(sha256(pre.crop.data)).toBe(ref.crop_sha256);
      if (row.node === 'transposed') {
        // `--exif ignore` gives what PyTorch's default loader gives.
        const stored = await decodeBytes(read(row.file), 'ignore');
        expect(sha256(stored.image.data)).toBe(reference(row.file, 'pillow').decoded_sha256);
      }
    });
  }
});

describe('bad-input matrix: the CLI', () => {
  it('classify reports each bad file, classifies the others as PyTorch does, and exits 1', () => {
    const files = BAD_ROWS.map((r) => resolve(BAD_DIR, r.file));
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        resolve(ROOT, 'src/cli/index.ts'),
        'classify',
        '--model',
        TINY_MODEL,
        '--json',
        ...files,
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(1);
    const results = JSON.parse(r.stdout) as {
      file: string;
      top5: { index: number; probability: number }[];
    }[];
    const byName = new Map(results.map((x) => [x.file.split('/').pop()!, x]));
    for (const row of BAD_ROWS) {
      if (row.outcome === 'error') {
        expect(byName.has(row.file), row.file).toBe(false);
        const line = r.stderr.split('\n').find((l) => l.includes(`${row.file}:`));
        expect(line, row.file).toMatch(row.message);
        continue;
      }
      const ref = reference(row.file, row.node);
      const got = byName.get(row.file);
      expect(
        got?.top5.map((p) => p.index),
        row.file,
      ).toEqual(ref.top5.map((p) => p.index));
      got!.top5.forEach((p, i) =>
        // 6x the measured 1.6e-6 (test/engine.test.ts): the same pipeline, the same bound.
        expect(Math.abs(p.probability - ref.top5[i]!.probability)).toBeLessThan(1e-5),
      );
    }
  });
});

describe('a 50-megapixel photo (made at test time)', () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lens-50mp-'));
    file = join(dir, 'photo-50mp.jpg');
    await makeBigPhoto(file);
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('decodes and preprocesses within a memory bound, equal to Pillow where Python is here', () => {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', resolve(ROOT, 'test/helpers/measure-decode.ts'), file],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout) as {
      width: number;
      height: number;
      baselineRss: number;
      peakRss: number;
      cropSha256: string;
    };
    const pixels = m.width * m.height * 3;
    console.log(
      `50 MP (${m.width}x${m.height}) in Node: peak RSS ${mb(m.peakRss)} MB, ` +
        `${mb(m.peakRss - m.baselineRss)} MB above the process before decoding; RGB pixels ${mb(pixels)} MB`,
    );
    expect(m.width * m.height).toBeGreaterThanOrEqual(50e6);
    // The RGB pixels plus libvips' working set: well under 3x the pixels.
    expect(m.peakRss - m.baselineRss).toBeLessThan(3 * pixels);
    const pillow = pillowCrop(file);
    if (pillow === null) console.log('Pillow comparison skipped: /usr/bin/python3 lacks torch/PIL');
    else expect(m.cropSha256).toBe(pillow);
  });
});

function mb(n: number): number {
  return Math.round(n / 2 ** 20);
}

/** Pillow + torchvision's crop sha256 of a file, or null when Debian's Python is not installed. */
function pillowCrop(path: string): string | null {
  const script = [
    'import sys; sys.path.insert(0, "tools")',
    'from preprocess import load_rgb, preprocess, pil_sha256',
    'from pathlib import Path',
    'print(pil_sha256(preprocess(load_rgb(Path(sys.argv[1])))["cropped"]))',
  ].join('\n');
  const r = spawnSync('/usr/bin/python3', ['-c', script, path], { cwd: ROOT, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}
