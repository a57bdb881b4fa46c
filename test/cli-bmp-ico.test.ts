/**
 * Issue 12, rows 18 and 20: the CLI decodes BMP and ICO as Pillow does (every layout of
 * test/helpers/make_bmp_ico.py, bit for bit through the Node door), classifies them exactly as the
 * PNG of Pillow's pixels, refuses what Pillow refuses, and calls a valid but over-limit image
 * "too large (W x H, limit …)", not damaged.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeBytes } from '../src/node/decode-node';
import { lensRejection } from './helpers/errors';
import { ROOT } from './helpers/fixtures';
import { makePillowFiles, PILLOW_MISSING, pillowAvailable } from './helpers/pillow-files';

const available = pillowAvailable();
if (!available) console.log(`test/cli-bmp-ico.test.ts ${PILLOW_MISSING}`);

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', resolve(ROOT, 'src/cli/index.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
  });

/** A BMP header claiming `w` x `h` 8-bit RLE pixels, followed by one end-of-bitmap code. */
export function rleBmpClaiming(w: number, h: number): Uint8Array {
  const head = new DataView(new ArrayBuffer(14 + 40 + 8 + 2));
  const size = head.byteLength;
  head.setUint8(0, 0x42);
  head.setUint8(1, 0x4d);
  head.setUint32(2, size, true);
  head.setUint32(10, 14 + 40 + 8, true);
  head.setUint32(14, 40, true);
  head.setInt32(18, w, true);
  head.setInt32(22, h, true);
  head.setUint16(26, 1, true);
  head.setUint16(28, 8, true);
  head.setUint32(30, 1, true); // BI_RLE8
  head.setUint32(46, 2, true); // two palette entries
  head.setUint8(14 + 40 + 4, 0xff); // second entry blue
  head.setUint8(size - 1, 1); // 00 01: end of bitmap
  return new Uint8Array(head.buffer);
}

describe.skipIf(!available)('BMP and ICO in the CLI (row 18)', () => {
  const pillow = available ? makePillowFiles() : null;
  const names = pillow ? Object.keys(pillow.files).filter((n) => !n.startsWith('webp')) : [];

  it("decodes every layout to Pillow's pixels, and refuses what Pillow refuses", async () => {
    const p = pillow!;
    expect(names.length).toBeGreaterThanOrEqual(25);
    for (const name of names) {
      const f = p.files[name]!;
      if (f.error !== undefined) {
        const e = await lensRejection(decodeBytes(p.bytes(name), 'ignore'));
        expect(e.code, name).toBe('corrupt-image');
        continue;
      }
      const { image } = await decodeBytes(p.bytes(name), 'ignore');
      expect([image.width, image.height], name).toEqual(f.size);
      expect(Buffer.compare(Buffer.from(image.data), Buffer.from(p.rgb(name))), name).toBe(0);
    }
  });

  it("classify: each BMP/ICO gives the top-5 of the PNG of Pillow's pixels", () => {
    const p = pillow!;
    const dir = mkdtempSync(join(tmpdir(), 'lens-bmp-cli-'));
    const chosen = ['pil-rgb', 'rle8', 'bits16-565', 'ico-png', 'ico-dib-depths'];
    mkdirSync(join(dir, 'in'));
    mkdirSync(join(dir, 'png'));
    for (const name of chosen) {
      const f = p.files[name]!;
      copyFileSync(join(p.dir, f.file), join(dir, 'in', f.file));
    }
    const made = spawnSync(
      '/usr/bin/python3',
      [
        '-c',
        'import sys\nfrom PIL import Image\nfor n in sys.argv[3:]:\n    Image.open(sys.argv[1] + "/" + n).convert("RGB").save(sys.argv[2] + "/" + n + ".png")',
        join(dir, 'in'),
        join(dir, 'png'),
        ...chosen.map((n) => p.files[n]!.file),
      ],
      { encoding: 'utf8' },
    );
    expect(made.status, made.stderr).toBe(0);
    const model = resolve(ROOT, 'models/repopt-tiny.onnx');
    const run = (folder: string) => {
      const r = cli('classify', '--model', model, '--exif', 'ignore', '--json', folder);
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { file: string; top5: unknown[]; logits: number[] }[];
    };
    const ours = run(join(dir, 'in'));
    const theirs = run(join(dir, 'png'));
    expect(ours).toHaveLength(chosen.length);
    for (const item of ours) {
      const twin = theirs.find((t) => t.file.endsWith(`/${item.file.split('/').pop()!}.png`))!;
      expect(item.top5, item.file).toEqual(twin.top5);
      expect(item.logits, item.file).toEqual(twin.logits);
    }
  });
});

describe('over-limit images (row 20)', () => {
  it('say "too large (W x H, limit …)" in the CLI, and the next image still classifies', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lens-big-'));
    writeFileSync(join(dir, 'a-big.bmp'), rleBmpClaiming(26000, 26000));
    copyFileSync(resolve(ROOT, 'e2e/fixtures/images/chelsea.png'), join(dir, 'b.png'));
    const r = cli('classify', '--model', resolve(ROOT, 'models/repopt-tiny.onnx'), dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      'a-big.bmp: The image is too large (26000 x 26000, limit 100 megapixels): it has 676 megapixels.',
    );
    expect(r.stderr).not.toMatch(/damaged|could not be decoded/);
    expect(r.stdout).toContain('b.png');
  });
});
