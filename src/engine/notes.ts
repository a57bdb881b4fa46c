/** The engine's own notes for people, as English text with its message (src/core/message.ts). */
import { GHOST_MODE_NAMES, type DetectedArch } from '../core/convert';
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

const fmtNum = (w: number) => String(Math.round(w * 1e6) / 1e6);

/**
 * A converted model's architecture for people, made from its fields: the converter's own
 * `description`, and the message that says it in another language. Null when the fields do not
 * give the converter's words exactly (a wording this does not know): the English then stands.
 */
export function archNote(a: DetectedArch): Note | null {
  const classes = a.numClasses;
  let note: Note;
  if (a.family === 'ghostnet') {
    const mode = a.mode as keyof typeof GHOST_MODE_NAMES;
    const form = { text: GHOST_MODE_NAMES[mode], message: message(`arch.ghostMode.${mode}`) };
    const family =
      mode === 'rep' || mode === 'repghost' || mode === 'deploy'
        ? 'RepGhostNet'
        : 'RepOpt-GhostNet';
    const width = a.ghost?.width ?? null;
    const stages = a.blocks.length;
    const bottlenecks = a.blocks.reduce((x, y) => x + y, 0);
    note =
      width !== null
        ? {
            text: `${family}-${width}x (${form.text}, ${classes} classes)`,
            message: message('arch.ghostWidth', {
              family,
              width: String(width),
              form: form.message,
              classes,
            }),
          }
        : {
            text: `${family}, ${bottlenecks} bottlenecks in ${stages} stages (${form.text}, ${classes} classes)`,
            message: message('arch.ghostCustom', {
              family,
              bottlenecks,
              stages,
              form: form.message,
              classes,
            }),
          };
  } else if (a.name) {
    note = {
      text: `RepOpt-VGG-${a.name} (${a.mode} mode, ${classes} classes)`,
      message: message('arch.vggKnown', { name: a.name, mode: a.mode, classes }),
    };
  } else {
    const blocks = a.blocks.join(', ');
    const widths = a.widths.map(fmtNum).join(', ');
    note = {
      text: `RepOpt-VGG, blocks [${blocks}], widths [${widths}]${a.se ? ', with SE' : ''} (${a.mode} mode, ${classes} classes)`,
      message: message(a.se ? 'arch.vggCustomSe' : 'arch.vggCustom', {
        blocks,
        widths,
        mode: a.mode,
        classes,
      }),
    };
  }
  return note.text === a.description ? note : null;
}

/** Where the weights were in the checkpoint ("state_dict", …, a stripped prefix). */
export function checkpointLayoutNote(layout: string, stripped: string | null): Note | null {
  return stripped
    ? {
        text: `${layout}, "${stripped}" prefix removed`,
        message: message('convertLayoutStripped', { layout, prefix: stripped }),
      }
    : null;
}
