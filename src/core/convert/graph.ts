/** The plain graph of a fused RepOpt-VGG: per block Conv3x3 + ReLU (+ SE), then GAP, Flatten, Gemm. */
import { DataType } from '../onnx/proto';
import type { ElemType } from '../onnx/raw';
import type { InitializerSpec, ModelSpec, NodeSpec, ValueInfo } from '../onnx/writer';
import { convOut } from './count';
import type { ArchPlan } from './types';

export const INPUT_NAME = 'input';
export const LOGITS_NAME = 'logits';
export const FEATURES_NAME = 'features';

export interface GraphOptions {
  fp16: boolean;
  features: boolean;
  inputSize: number;
  producerVersion: string;
  metadata: Record<string, string>;
}

/** Weights (more than one dimension) are stored as float16 under this name when fp16 is on. */
export const storedName = (name: string, fp16: boolean, dims: readonly number[]) =>
  fp16 && dims.length > 1 && name !== 'linear.weight' ? `${name}.fp16` : name;

export function buildGraph(plan: ArchPlan, opts: GraphOptions): ModelSpec {
  const nodes: NodeSpec[] = [];
  const initializers: InitializerSpec[] = [];
  const param = (name: string, dims: number[]) => {
    const stored = storedName(name, opts.fp16, dims);
    const elemType: ElemType = stored === name ? 'float32' : 'float16';
    initializers.push({ name: stored, elemType, dims });
    if (stored !== name) {
      nodes.push({
        opType: 'Cast',
        name: `${name}.cast`,
        inputs: [stored],
        outputs: [name],
        attributes: { to: { int: DataType['FLOAT']! } },
      });
    }
    return name;
  };
  const op = (
    opType: string,
    name: string,
    inputs: string[],
    attributes?: NodeSpec['attributes'],
    output = name,
  ) => {
    nodes.push({ opType, name, inputs, outputs: [output], ...(attributes ? { attributes } : {}) });
    return output;
  };

  let x = INPUT_NAME;
  let size = opts.inputSize;
  const last = plan.blocks[plan.blocks.length - 1]!;
  for (const b of plan.blocks) {
    const p = b.prefix;
    const isLast = b === last && opts.features;
    size = convOut(size, b.stride);
    const w = param(`${p}.weight`, [b.outChannels, b.inChannels, 3, 3]);
    const bias = param(`${p}.bias`, [b.outChannels]);
    x = op('Conv', `${p}.conv`, [x, w, bias], {
      kernel_shape: { ints: [3, 3] },
      pads: { ints: [1, 1, 1, 1] },
      strides: { ints: [b.stride, b.stride] },
    });
    const relu = op(
      'Relu',
      `${p}.relu`,
      [x],
      undefined,
      isLast && b.seChannels === null ? FEATURES_NAME : `${p}.relu`,
    );
    x = relu;
    if (b.seChannels !== null) {
      const r = b.seChannels;
      const c = b.outChannels;
      const one = { kernel_shape: { ints: [1, 1] } };
      let s = op('GlobalAveragePool', `${p}.se.pool`, [x]);
      s = op(
        'Conv',
        `${p}.se.down`,
        [s, param(`${p}.post_se.down.weight`, [r, c, 1, 1]), param(`${p}.post_se.down.bias`, [r])],
        one,
      );
      s = op('Relu', `${p}.se.relu`, [s]);
      s = op(
        'Conv',
        `${p}.se.up`,
        [s, param(`${p}.post_se.up.weight`, [c, r, 1, 1]), param(`${p}.post_se.up.bias`, [c])],
        one,
      );
      s = op('Sigmoid', `${p}.se.gate`, [s]);
      x = op('Mul', `${p}.se.mul`, [relu, s], undefined, isLast ? FEATURES_NAME : `${p}.out`);
    }
  }
  const classes = plan.arch.numClasses;
  x = op('GlobalAveragePool', 'gap', [x]);
  x = op('Flatten', 'flatten', [x], { axis: { int: 1 } });
  const lw = param('linear.weight', [classes, last.outChannels]);
  const lb = param('linear.bias', [classes]);
  op('Gemm', 'linear', [x, lw, lb], { transB: { int: 1 } }, LOGITS_NAME);

  const outputs: ValueInfo[] = [{ name: LOGITS_NAME, elemType: 'float32', shape: ['N', classes] }];
  if (opts.features) {
    outputs.push({
      name: FEATURES_NAME,
      elemType: 'float32',
      shape: ['N', last.outChannels, size, size],
    });
  }
  return {
    irVersion: 7,
    opsetVersion: 13,
    producerName: 'repopt-lens',
    producerVersion: opts.producerVersion,
    docString: plan.arch.description,
    graphName: 'repopt_vgg',
    inputs: [
      { name: INPUT_NAME, elemType: 'float32', shape: ['N', 3, opts.inputSize, opts.inputSize] },
    ],
    outputs,
    nodes,
    initializers,
    metadata: opts.metadata,
  };
}
