/**
 * Checks that an ONNX model's declared inputs and outputs fit an image classifier fed with one
 * NCHW float32 image, and picks the tensors to use. Pure: it reads the metadata onnxruntime
 * (web or node) reports, so the message a user sees is the same everywhere.
 */
import { LensError } from './errors';

export interface IoMeta {
  name: string;
  isTensor: boolean;
  type?: string;
  shape?: ReadonlyArray<number | string>;
}

export interface ModelIo {
  inputName: string;
  outputName: string;
  /** Present when the model declares a fixed class count. */
  numClasses: number | null;
  /** Present when the model also exposes the last stage's feature map. */
  featuresName: string | null;
}

const fmt = (shape: ReadonlyArray<number | string> | undefined) =>
  shape && shape.length > 0
    ? `[${shape.map((d) => (typeof d === 'number' && d >= 0 ? d : typeof d === 'string' ? d : '?')).join(', ')}]`
    : '[unknown]';

export function checkModelIo(
  inputs: readonly IoMeta[],
  outputs: readonly IoMeta[],
  cropSize: number,
): ModelIo {
  if (inputs.length === 0) throw new LensError('model-incompatible', 'The model has no inputs.');
  if (outputs.length === 0) throw new LensError('model-incompatible', 'The model has no outputs.');
  const input = inputs[0]!;
  if (inputs.length > 1) {
    throw new LensError(
      'model-incompatible',
      `The model has ${inputs.length} inputs (${inputs.map((i) => i.name).join(', ')}); an image classifier takes one image tensor.`,
    );
  }
  if (!input.isTensor || (input.type !== undefined && input.type !== 'float32')) {
    throw new LensError(
      'model-incompatible',
      `Input "${input.name}" is ${input.isTensor ? input.type : 'not a tensor'}; RepOpt Lens feeds float32 images [N, 3, ${cropSize}, ${cropSize}].`,
    );
  }
  const shape = input.shape ?? [];
  if (shape.length !== 0) {
    const fixed = (d: number | string | undefined) => (typeof d === 'number' && d > 0 ? d : null);
    if (shape.length !== 4) {
      throw new LensError(
        'model-incompatible',
        `Input "${input.name}" has shape ${fmt(shape)}; expected an image batch [N, 3, H, W].`,
      );
    }
    const [, c, h, w] = shape.map(fixed);
    if (c !== 3 && fixed(shape[3]) === 3) {
      throw new LensError(
        'model-incompatible',
        `Input "${input.name}" has shape ${fmt(shape)}, channels last (NHWC); RepOpt Lens feeds NCHW [N, 3, H, W].`,
      );
    }
    if (c !== null && c !== 3) {
      throw new LensError(
        'model-incompatible',
        `Input "${input.name}" has ${c} channels (${fmt(shape)}); expected 3 (RGB).`,
      );
    }
    if ((h !== null && h !== cropSize) || (w !== null && w !== cropSize)) {
      throw new LensError(
        'model-incompatible',
        `Input "${input.name}" has a fixed size ${fmt(shape)}, but the preprocessing crops ${cropSize}x${cropSize}.`,
      );
    }
  }
  const output = outputs.find((o) => o.name === 'logits') ?? outputs[0]!;
  const outShape = output.shape ?? [];
  const last = outShape[outShape.length - 1];
  if (outShape.length > 2) {
    throw new LensError(
      'model-incompatible',
      `Output "${output.name}" has shape ${fmt(outShape)}; expected class scores [N, classes].`,
    );
  }
  const features = outputs.find((o) => o.name === 'features');
  return {
    inputName: input.name,
    outputName: output.name,
    numClasses: typeof last === 'number' && last > 0 ? last : null,
    featuresName: features ? features.name : null,
  };
}
