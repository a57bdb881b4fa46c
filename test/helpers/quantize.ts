/** The fixture photos as calibration images, and the quantizer run in Node, for the int8 tests. */
import { PRESETS } from '../../src/core/preprocess/preprocess';
import { preprocess } from '../../src/core/preprocess/preprocess';
import {
  quantizeModel,
  type CalibrationImage,
  type CalibrationMethod,
  type KeepFloat,
  type QuantizeResult,
} from '../../src/core/quantize';
import { nodeQuantRunner } from '../../src/node/quantize-node';
import { fixturePixels, references } from './fixtures';

/** The reference photos (Pillow's pixels), preprocessed with the default preset. */
export async function fixtureImages(): Promise<CalibrationImage[]> {
  const names = Object.keys(references.images).filter((n) => !n.includes('#'));
  return Promise.all(
    names.map(async (name) => ({
      name,
      tensor: preprocess(await fixturePixels(name), PRESETS['torchvision-256-224']).tensor,
    })),
  );
}

export function quantizeWith(
  bytes: Uint8Array,
  images: readonly CalibrationImage[],
  method: CalibrationMethod,
  keepFloat: KeepFloat | null = null,
): Promise<QuantizeResult> {
  return quantizeModel(bytes, {
    method,
    keepFloat,
    // eslint-disable-next-line @typescript-eslint/require-await
    images: async function* () {
      yield* images;
    },
    imageCount: images.length,
    size: 224,
    createRunner: nodeQuantRunner(2),
    sourceSha256: '0'.repeat(64),
    date: '2026-11-28T00:00:00.000Z',
  });
}
