/**
 * Class-activation maps through the worker handler, against an independent computation: the
 * features from onnxruntime-node times the checkpoint's own Linear weights (not the ONNX's).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { upsampleBilinear } from '../src/core/inference/cam';
import { convertStateDict } from '../src/core/convert';
import { decodePng } from '../src/core/image/png';
import { PRESETS, preprocess } from '../src/core/preprocess/preprocess';
import { bytesSource, imageBlob, testEngine } from './helpers/engine';
import { loadFixture } from './convert-fixtures';
import { IMAGES } from './helpers/fixtures';

async function run(onnx: Uint8Array, image: string) {
  const engine = testEngine({ labels: { name: 'none', labels: [] } });
  const info = await engine.load({ source: bytesSource(onnx, 'm.onnx'), backend: 'auto' });
  const result = await engine.classify({ file: imageBlob(image), preset: 'torchvision-256-224' });
  return { info, result, engine };
}

describe('class activation maps', () => {
  const { sd } = loadFixture('target-se');
  const { onnx } = convertStateDict(sd, { inputSize: 224, features: true });

  it('equal W·F from onnxruntime-node features and the checkpoint weights; mean + bias = logit', async () => {
    const { info, result } = await run(onnx, 'chelsea.png');
    expect(info.cam.available).toBe(true);
    expect(result.cams).not.toBeNull();

    const session = await ort.InferenceSession.create(onnx);
    const image = (await decodePng(new Uint8Array(readFileSync(resolve(IMAGES, 'chelsea.png')))))
      .image;
    const tensor = preprocess(image, PRESETS['torchvision-256-224']).tensor;
    const out = await session.run({ input: new ort.Tensor('float32', tensor, [1, 3, 224, 224]) });
    const f = out['features']!;
    const [, channels, h, w] = f.dims as number[];
    const feats = f.data as Float32Array;
    const weight = sd.get('linear.weight')!.data as Float32Array;
    const bias = sd.get('linear.bias')!.data as Float32Array;
    expect([result.cams!.height, result.cams!.width]).toEqual([h, w]);
    expect(result.cams!.maps.map((m) => m.index)).toEqual(result.top5.map((p) => p.index));
    for (const { index, values } of result.cams!.maps) {
      let mean = 0;
      for (let i = 0; i < h! * w!; i++) {
        let v = 0;
        for (let k = 0; k < channels!; k++)
          v += weight[index * channels! + k]! * feats[k * h! * w! + i]!;
        expect(Math.abs(values[i]! - v)).toBeLessThan(1e-4);
        mean += values[i]! / (h! * w!);
      }
      expect(Math.abs(mean + bias[index]! - result.logits[index]!)).toBeLessThan(1e-4);
    }
  });

  it('says why CAMs are unavailable for a model without features', async () => {
    const { onnx: plain } = convertStateDict(sd, { inputSize: 224 });
    const { info, result } = await run(plain, 'coffee.png');
    expect(info.cam).toEqual({
      available: false,
      reason: expect.stringMatching(/no "features" output/) as unknown,
    });
    expect(result.cams).toBeNull();
  });

  it('reports the model details the panel shows', async () => {
    const { info, engine } = await run(onnx, 'coffee.png');
    expect(info.details).toMatchObject({ opset: 13, bytes: onnx.byteLength, repopt: { se: true } });
    // The hash is computed after the load answered; inspect() has it (checked against Node's).
    const { createHash } = await import('node:crypto');
    const expected = createHash('sha256').update(onnx).digest('hex');
    expect((await engine.inspect())!.details!.sha256).toBe(expected);
    expect(info.details!.outputs.map((o) => o.name)).toEqual(['logits', 'features']);
  });

  it('upsamples like torch interpolate (align_corners=false): constant stays constant, 2x2 -> 4x4 by hand', () => {
    expect(Array.from(upsampleBilinear(new Float32Array([3, 3, 3, 3]), 2, 2, 5))).toEqual(
      new Array(25).fill(3),
    );
    // torch.nn.functional.interpolate(torch.tensor([[[[0., 1.], [2., 3.]]]]), size=4, mode='bilinear')
    expect(Array.from(upsampleBilinear(new Float32Array([0, 1, 2, 3]), 2, 2, 4))).toEqual([
      0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3,
    ]);
  });
});
