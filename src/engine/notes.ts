/** The engine's own notes for people, as English text with its message (src/core/message.ts). */
import { message, type Note } from '../core/message';

/** Null when the orientation is absent or 1 (nothing to say). */
export function orientationNote(orientation: number | null, rotated: boolean): Note | null {
  if (rotated)
    return {
      text: `Rotated per EXIF orientation ${orientation}; PyTorch's default loader does not rotate.`,
      message: message('orientationRotated', { orientation: String(orientation) }),
    };
  if (orientation === null || orientation === 1) return null;
  return {
    text: `EXIF orientation ${orientation} ignored, as PyTorch's default loader does: the pixels as stored.`,
    message: message('orientationIgnored', { orientation }),
  };
}

/** Null when the label set fits the model; `source` null for the bundled list. */
export function labelWarningNote(
  classes: number,
  labels: number,
  source: string | null,
): Note | null {
  if (classes === labels) return null;
  const list = source === null ? 'the labels list' : `${source} lists`;
  return {
    text: `The model has ${classes} classes but ${list} ${labels}; labels that do not match the classes would mislead, so every class is shown as "class N".`,
    message:
      source === null
        ? message('labelCountBundled', { classes, labels })
        : message('labelCountFile', { classes, labels, source }),
  };
}

/** Whether class-activation maps can be shown for a model, and why (not). */
export function camNote(
  classifier: boolean,
  featuresName: string | null,
): { available: boolean } & Note {
  if (classifier)
    return {
      available: true,
      text: `exact CAM from the "${featuresName}" output and the final Linear layer`,
      message: message('cam.exact', { output: featuresName ?? '' }),
    };
  return featuresName
    ? {
        available: false,
        text: 'the graph does not end in one Linear layer whose weights can be read',
        message: message('cam.noLinear'),
      }
    : {
        available: false,
        text: 'the model has no "features" output (convert with --features to get one)',
        message: message('cam.noFeatures'),
      };
}
