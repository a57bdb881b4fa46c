/** The top classes' CAMs from a captured feature map, in the payload's shape. */
import { classActivationMap } from '../core/inference/cam';
import type { ModelInspection } from '../core/model/details';
import type { ClassifyPayload } from './types';

export interface FeatureCapture {
  features: { data: Float32Array; dims: number[] } | null;
}

/** CAMs of the given classes, each h x w; null when the model has no usable classifier. */
export function camsFor(
  features: FeatureCapture['features'],
  classifier: ModelInspection['classifier'],
  classes: number[],
): ClassifyPayload['cams'] {
  if (!features || !classifier) return null;
  const [, channels = 0, height = 0, width = 0] = features.dims;
  if (channels !== classifier.channels) return null;
  const map = { data: features.data, channels, height, width };
  return {
    height,
    width,
    maps: classes.map((index) => ({
      index,
      values: classActivationMap(map, classifier.weights, index),
    })),
  };
}
