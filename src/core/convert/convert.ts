/**
 * RepOpt-VGG or GhostNet checkpoint (state_dict) -> ONNX, in plain TypeScript: runs in a worker
 * or in Node (GhostNet: ghost/convert.ts).
 *
 * The output file is laid out first and each block is fused straight into its slots, so besides
 * the caller's checkpoint only the ONNX bytes and one block's kernel row are held.
 */
import { LensError } from '../errors';
import { writeElements } from '../onnx/raw';
import { layoutOnnxModel } from '../onnx/writer';
import { countParams, macsOfPlan } from './count';
import { floats, fuseBlock } from './fuse';
import { buildGraph, storedName } from './graph';
import { badValuesError, findBadValues } from './values';
import { convertGhostNet, ghostArch, ghostMacs } from './ghost/convert';
import { planModel } from './family';
import type { ConvertOptions, ConvertResult, DetectedArch, WeightMap } from './types';

export const CONVERTER_VERSION = '1.0.0';
export const DEFAULT_PRESET = 'torchvision-256-224';

/** The preset a GhostNet defaults to: timm's evaluation, Resize(256, bicubic) + CenterCrop(224). */
export const GHOSTNET_PRESET = 'bicubic-256-224';

function metadata(
  a: DetectedArch,
  opts: ConvertOptions,
  inputSize: number,
  checkpointParams: number,
): Record<string, string> {
  const ghost = a.family === 'ghostnet';
  return {
    architecture: ghost
      ? a.description.slice(0, a.description.indexOf(' ('))
      : a.name
        ? `RepOpt-VGG-${a.name}`
        : 'RepOpt-VGG',
    description: a.description,
    mode: a.mode,
    blocks: JSON.stringify(a.blocks),
    widths: JSON.stringify(a.widths),
    se: String(a.se),
    num_classes: String(a.numClasses),
    input_size: String(inputSize),
    preset: opts.preset ?? (ghost ? GHOSTNET_PRESET : DEFAULT_PRESET),
    ...(a.ghost
      ? {
          family: 'ghostnet',
          ghost: JSON.stringify(a.ghost),
          checkpoint_params: String(checkpointParams),
        }
      : {}),
    weights: opts.fp16 ? 'float16' : 'float32',
    ...(opts.sourceSha256 ? { source_sha256: opts.sourceSha256.toLowerCase() } : {}),
    converter: `repopt-lens convert ${CONVERTER_VERSION}`,
  };
}

export function convertStateDict(sd: WeightMap, opts: ConvertOptions = {}): ConvertResult {
  const inputSize = opts.inputSize ?? 224;
  if (!Number.isInteger(inputSize) || inputSize < 1) {
    throw new LensError(
      'internal',
      `The input size must be a positive whole number, not ${inputSize}.`,
    );
  }
  if (opts.sourceSha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(opts.sourceSha256)) {
    throw new LensError('internal', `"${opts.sourceSha256}" is not a sha256 (64 hex digits).`);
  }
  const model = planModel(sd);
  const badValues = findBadValues(sd);
  if (badValues.length > 0 && opts.allowNonFinite !== true) throw badValuesError(badValues);
  const fp16 = opts.fp16 ?? false;
  if (model.family === 'ghostnet') {
    const arch = ghostArch(model.plan);
    const onnx = convertGhostNet(sd, model.plan, {
      fp16,
      inputSize,
      producerVersion: CONVERTER_VERSION,
      metadata: metadata(arch, opts, inputSize, countParams(sd)),
    });
    const total = model.plan.stages.length + 1;
    opts.onProgress?.({ done: total, total, block: 'classifier' });
    return {
      onnx,
      badValues,
      arch,
      params: countParams(sd),
      gmacs: ghostMacs(model.plan, inputSize) / 1e9,
      // CAM needs pooling then one linear layer; GhostNet's head has a 1x1 conv and a ReLU
      // between them, so no features output is made (see docs/ghostnet.md).
      outputs: ['logits'],
    };
  }
  const plan = model.plan;
  const features = opts.features ?? false;
  const spec = buildGraph(plan, {
    fp16,
    features,
    inputSize,
    producerVersion: CONVERTER_VERSION,
    metadata: metadata(plan.arch, opts, inputSize, 0),
  });
  const { bytes, slots } = layoutOnnxModel(spec);
  const typeOf = new Map(spec.initializers.map((t) => [t.name, t.elemType]));

  /** Writes `values` at element `offset` of the parameter `name` (as stored: float16 or 32). */
  const write = (
    name: string,
    dims: readonly number[],
    offset: number,
    values: Float32Array | Float64Array,
  ) => {
    const stored = storedName(name, fp16, dims);
    const slot = slots.get(stored);
    const type = typeOf.get(stored);
    if (!slot || !type)
      throw new LensError('internal', `The ONNX layout has no slot for ${stored}.`);
    writeElements(slot, type, offset, values);
  };
  const copy = (key: string) => write(key, sd.get(key)!.shape, 0, floats(sd, key));

  const total = plan.blocks.length + 1;
  plan.blocks.forEach((b, k) => {
    const fused = fuseBlock(sd, plan.arch.mode, b);
    const dims = [b.outChannels, b.inChannels, 3, 3];
    const row = new Float64Array(b.inChannels * 9);
    for (let o = 0; o < b.outChannels; o++) {
      fused.kernelRow(o, row);
      write(`${b.prefix}.weight`, dims, o * row.length, row);
    }
    write(`${b.prefix}.bias`, [b.outChannels], 0, fused.bias);
    if (b.seChannels !== null) {
      for (const part of ['down.weight', 'down.bias', 'up.weight', 'up.bias'])
        copy(`${b.prefix}.post_se.${part}`);
    }
    opts.onProgress?.({ done: k + 1, total, block: b.prefix });
  });
  copy('linear.weight');
  copy('linear.bias');
  opts.onProgress?.({ done: total, total, block: 'linear' });

  return {
    onnx: bytes,
    badValues,
    arch: plan.arch,
    params: countParams(sd),
    gmacs: macsOfPlan(plan, inputSize) / 1e9,
    outputs: features ? ['logits', 'features'] : ['logits'],
  };
}
