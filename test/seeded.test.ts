import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { convertStateDict, countParams, detectArch } from '../src/core/convert';
import { seededStateDict } from '../src/core/convert/seeded';

describe('seeded state dicts (benchmark models without Python)', () => {
  it('are RepOpt-VGG target-mode checkpoints the converter accepts, deterministic by seed', async () => {
    const sd = seededStateDict([1, 2, 2, 1], [0.25, 0.25, 0.25, 0.5], 1000, 3);
    expect(detectArch(sd)).toMatchObject({
      mode: 'target',
      blocks: [1, 2, 2, 1],
      numClasses: 1000,
      se: false,
    });
    // 3->16, 16->16, 16->32, 32->32, 32->64, 64->64, 64->256: conv + BN weight/bias, then linear.
    const convs = [
      [3, 16],
      [16, 16],
      [16, 32],
      [32, 32],
      [32, 64],
      [64, 64],
      [64, 256],
    ] as const;
    expect(countParams(sd)).toBe(
      convs.reduce((n, [i, o]) => n + i * o * 9 + 2 * o, 0) + 256 * 1000 + 1000,
    );
    expect(
      seededStateDict([1, 2, 2, 1], [0.25, 0.25, 0.25, 0.5], 1000, 3).get('stage2.1.conv.weight')!
        .data,
    ).toEqual(sd.get('stage2.1.conv.weight')!.data);
    const session = await ort.InferenceSession.create(convertStateDict(sd).onnx);
    const input = new Float32Array(3 * 224 * 224).map((_, i) => Math.sin(i));
    const logits = (
      await session.run({ input: new ort.Tensor('float32', input, [1, 3, 224, 224]) })
    )['logits']!.data as Float32Array;
    const std = Math.sqrt(logits.reduce((a, v) => a + v * v, 0) / logits.length);
    expect(std).toBeGreaterThan(0.01); // neither vanished
    expect(std).toBeLessThan(100); // nor exploded
  });
});
