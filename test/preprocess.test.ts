import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  centerCrop,
  PRESETS,
  preprocess,
  resizedSize,
  roundHalfEven,
  toNormalizedTensor,
  type PresetId,
} from '../src/core/preprocess/preprocess';
import { resize, resizeBilinear } from '../src/core/preprocess/resize';
import { fixturePixels, references } from './helpers/fixtures';

const sha256 = (b: Uint8Array | Float32Array) =>
  createHash('sha256')
    .update(new Uint8Array(b.buffer, b.byteOffset, b.byteLength))
    .digest('hex');

const names = Object.keys(references.images).filter((n) => !n.includes('#'));

describe('preprocessing equals torchvision + Pillow on every fixture', () => {
  it('has fixtures to check', () => {
    expect(names.length).toBeGreaterThanOrEqual(10);
  });

  it('has a Pillow reference for every preset, with its interpolation', () => {
    for (const name of names)
      expect(Object.keys(references.images[name]!.presets).sort()).toEqual(
        Object.keys(PRESETS).sort(),
      );
    for (const p of Object.values(PRESETS))
      expect(references.presets[p.id]!.interpolation).toBe(p.interpolation);
  });

  for (const name of names) {
    const ref = references.images[name]!;
    describe(name, () => {
      it('decodes to the same pixels as Pillow', async () => {
        const img = await fixturePixels(name);
        expect([img.width, img.height]).toEqual([ref.width, ref.height]);
        expect(sha256(img.data)).toBe(ref.decoded_sha256);
      });

      for (const [presetId, p] of Object.entries(ref.presets)) {
        it(`${presetId}: resize is bit-exact, crop and tensor match`, async () => {
          const preset = PRESETS[presetId as PresetId];
          const img = await fixturePixels(name);
          const size = resizedSize(img.width, img.height, preset);
          expect([size.width, size.height]).toEqual([p.resized_width, p.resized_height]);
          const resized = resize(img, size.width, size.height, preset.interpolation);
          expect(sha256(resized.data)).toBe(p.resized_sha256);
          const crop = centerCrop(resized, preset.crop);
          expect(sha256(crop.data)).toBe(p.crop_sha256);
          const tensor = toNormalizedTensor(crop);
          expect(sha256(tensor)).toBe(p.tensor_sha256);
          expect([...tensor.slice(0, p.tensor_first.length)]).toEqual(
            p.tensor_first.map(Math.fround),
          );
          const pre = preprocess(img, preset);
          expect(sha256(pre.tensor)).toBe(p.tensor_sha256);
          expect(pre.dims).toEqual([1, 3, 224, 224]);
        });
      }
    });
  }
});

describe('preprocessing arithmetic, by hand', () => {
  it("rounds like Python's round(): half to even", () => {
    expect([0.5, 1.5, 2.5, 3.5, -0.5, 16, 16.5, 17.5].map(roundHalfEven)).toEqual([
      0, 2, 2, 4, -0, 16, 16, 18,
    ]);
  });

  it('computes the resized size as int(256 * long / short)', () => {
    const p = PRESETS['torchvision-256-224'];
    expect(resizedSize(451, 300, p)).toEqual({ width: 384, height: 256 }); // 256*451/300 = 384.85
    expect(resizedSize(300, 500, p)).toEqual({ width: 256, height: 426 }); // 426.67
    expect(resizedSize(7, 5, p)).toEqual({ width: 358, height: 256 }); // 358.4
    expect(resizedSize(600, 100, PRESETS['squash-256-224'])).toEqual({ width: 256, height: 256 });
  });

  it('normalises 0 and 255 to the float32 values torch computes', () => {
    const img = { width: 1, height: 1, data: new Uint8Array([0, 255, 128]) };
    const t = toNormalizedTensor(img);
    expect(t[0]).toBe(Math.fround(Math.fround(0 - Math.fround(0.485)) / Math.fround(0.229)));
    expect(t[1]).toBe(Math.fround(Math.fround(1 - Math.fround(0.456)) / Math.fround(0.224)));
    expect(t[2]).toBeCloseTo((128 / 255 - 0.406) / 0.225, 6);
  });

  it('averages a 2x1 -> 1x1 downscale with Pillow rounding', () => {
    const img = { width: 2, height: 1, data: new Uint8Array([0, 10, 255, 1, 11, 0]) };
    // Each output is (a + b) / 2 in 22-bit fixed point, rounded half up: 0.5 -> 1, 10.5 -> 11, 127.5 -> 128.
    expect([...resizeBilinear(img, 1, 1).data]).toEqual([1, 11, 128]);
  });

  it("bicubic: Pillow's a = -0.5 kernel, its negative lobes clipped to 0..255 (by hand)", () => {
    // 1x4 -> 1x2 doubles the support (4 taps at scale 2); output 0 has its center at 1.0, taps at
    // x = 0, 1, 2, 3 with kernel arguments (x - 1 + 0.5) / 2 = -0.25, 0.25, 0.75, 1.25:
    // k(0.25) = 1.5/64 - 2.5/16 + 1 = 0.8671875, k(0.75) = 0.2265625, k(1.25) = -0.0703125.
    const k = [0.8671875, 0.8671875, 0.2265625, -0.0703125];
    const sum = k.reduce((a, b) => a + b, 0);
    const fixed = k.map((w) => Math.trunc((w / sum) * 2 ** 22 + (w < 0 ? -0.5 : 0.5)));
    const data = new Uint8Array([200, 200, 0, 255, 0, 0]);
    const img = { width: 4, height: 1, data: new Uint8Array(12) };
    for (let x = 0; x < 4; x++) img.data[x * 3] = data[x]!;
    img.data[3 * 3 + 1] = 255; // green: only the negative tap sees light
    const got = resize(img, 2, 1, 'bicubic');
    const expected = Math.min(
      255,
      Math.max(0, (2 ** 21 + data.slice(0, 4).reduce((a, v, i) => a + v * fixed[i]!, 0)) >> 22),
    );
    expect(got.data[0]).toBe(expected);
    expect(got.data[1]).toBe(0); // 255 * negative weight: clipped to 0, not wrapped
    expect([...got.data.slice(0, 3)]).toEqual([174, 0, 0]); // Pillow 9.4 on the same pixels
    expect(expected).not.toBe(resize(img, 2, 1, 'bilinear').data[0]);
  });

  it('center-crops with zero padding when the crop is larger than the image', () => {
    const img = { width: 1, height: 1, data: new Uint8Array([9, 9, 9]) };
    const crop = centerCrop(img, 3);
    expect(crop.width).toBe(3);
    expect([...crop.data.slice(12, 15)]).toEqual([9, 9, 9]);
    expect(crop.data.reduce((a, b) => a + b, 0)).toBe(27);
  });
});
