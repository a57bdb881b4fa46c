/**
 * What an ONNX graph computes, read from its nodes: multiply-accumulates (by propagating shapes
 * from the image input), the RepOpt-VGG layout (stages, widths, classes) behind its 3x3
 * convolutions, and the float weights of one initializer (for class-activation maps).
 */
import { KNOWN_ARCHS } from '../convert/detect';
import { float16Value } from './float16';
import { DataType, ModelProto, toNumber, type DecodedModel, type Int64 } from './proto';

interface Attribute {
  name: string;
  i?: Int64;
  ints?: Int64[];
}
interface Node {
  opType: string;
  input: string[];
  output: string[];
  attribute: Attribute[];
}
interface Tensor {
  name: string;
  dims: Int64[];
  dataType: number;
  rawData?: Uint8Array;
  floatData?: number[];
  /** 1 (EXTERNAL): the values are in another file, named by `externalData`'s "location". */
  dataLocation?: number;
  externalData?: { key: string; value: string }[];
}
interface Graph {
  node: Node[];
  initializer: Tensor[];
  output?: { name: string }[];
  input: {
    name: string;
    type?: { tensorType?: { shape?: { dim: { dimValue?: Int64 | null }[] } | null } | null } | null;
  }[];
}

export interface RepOptLayout {
  blocks: number[];
  widths: number[];
  numClasses: number;
  se: boolean;
  /** B1, B2, L1 or L2 when blocks and widths match a released model. */
  name: string | null;
  /**
   * Parameters as PyTorch counts the target-mode checkpoint: each fused 3x3 convolution's bias
   * was BatchNorm's weight and bias, one more parameter per output channel.
   */
  checkpointParams: number;
}

export interface GraphAnalysis {
  /** Multiply-accumulates of Conv, Gemm and MatMul at the declared input size; null if unknown. */
  macs: number | null;
  inputSize: number;
  /** Ops whose output shape was guessed (their MACs, if any, are not counted). */
  unknownOps: string[];
  repopt: RepOptLayout | null;
  /** Name of the classifier's weight initializer ([classes, C] or [C, classes]) and whether it is transposed. */
  classifier: { weight: string; bias: string | null; transposed: boolean } | null;
}

const attr = (n: Node, name: string) => n.attribute.find((a) => a.name === name);
const ints = (n: Node, name: string, fallback: number[]) =>
  attr(n, name)?.ints?.map(toNumber) ?? fallback;
const int = (n: Node, name: string, fallback: number) => {
  const a = attr(n, name);
  return a?.i !== undefined && a.i !== null ? toNumber(a.i) : fallback;
};

export function decodeGraph(bytes: Uint8Array): Graph {
  const model = ModelProto.decode(bytes) as unknown as DecodedModel;
  return model.graph as unknown as Graph;
}

export function analyzeGraph(graph: Graph): GraphAnalysis {
  const dims = new Map<string, number[]>(
    graph.initializer.map((t) => [t.name, t.dims.map(toNumber)]),
  );
  const inits = new Set(dims.keys());
  const shapes = new Map<string, number[]>();
  const input = graph.input.find((i) => !inits.has(i.name));
  const declared = input?.type?.tensorType?.shape?.dim.map((d) => toNumber(d.dimValue)) ?? [];
  const inputSize = declared[2] && declared[2] > 0 ? declared[2] : 224;
  if (input)
    shapes.set(input.name, [
      declared[1] && declared[1] > 0 ? declared[1] : 3,
      inputSize,
      declared[3] && declared[3] > 0 ? declared[3] : inputSize,
    ]);
  let macs = 0;
  const unknownOps = new Set<string>();
  const convs: { cout: number; k: number; stride: number; isSe: boolean }[] = [];
  let classifier: GraphAnalysis['classifier'] = null;
  let numClasses = 0;
  const weightOf = (name: string | undefined) => (name === undefined ? undefined : dims.get(name));

  for (const n of graph.node) {
    const x = shapes.get(n.input[0] ?? '');
    const out = n.output[0] ?? '';
    switch (n.opType) {
      case 'Cast':
      case 'Identity':
      case 'QuantizeLinear':
      case 'DequantizeLinear':
        // fp16 exports cast their weights and int8 ones dequantize them: the output is the same
        // tensor, in float32 (and QDQ pairs on activations keep their shape).
        if (dims.has(n.input[0] ?? '')) dims.set(out, dims.get(n.input[0]!)!);
        else if (x) shapes.set(out, x);
        break;
      case 'Conv': {
        const w = weightOf(n.input[1]);
        if (!x || !w || w.length !== 4) {
          unknownOps.add('Conv');
          break;
        }
        const [cout, cinPerGroup, kh, kw] = w as [number, number, number, number];
        const [sh = 1, sw = 1] = ints(n, 'strides', [1, 1]);
        const [pt = 0, pl = 0, pb = 0, pr = 0] = ints(n, 'pads', [0, 0, 0, 0]);
        const [dh = 1, dw = 1] = ints(n, 'dilations', [1, 1]);
        const ho = Math.floor((x[1]! + pt + pb - dh * (kh - 1) - 1) / sh) + 1;
        const wo = Math.floor((x[2]! + pl + pr - dw * (kw - 1) - 1) / sw) + 1;
        macs += cout * ho * wo * cinPerGroup * kh * kw;
        shapes.set(out, [cout, ho, wo]);
        convs.push({ cout, k: kh, stride: sh, isSe: x[1] === 1 && x[2] === 1 });
        break;
      }
      case 'Gemm':
      case 'MatMul': {
        const w = weightOf(n.input[1]);
        if (!w || w.length !== 2) {
          unknownOps.add(n.opType);
          break;
        }
        const transposed = n.opType === 'Gemm' && int(n, 'transB', 0) === 1;
        const [k, m] = transposed ? [w[1]!, w[0]!] : [w[0]!, w[1]!];
        macs += k * m;
        shapes.set(out, [m]);
        numClasses = m;
        classifier = {
          weight: n.input[1]!,
          bias: n.opType === 'Gemm' ? (n.input[2] ?? null) : null,
          transposed,
        };
        break;
      }
      case 'GlobalAveragePool':
      case 'GlobalMaxPool':
      case 'ReduceMean':
        if (x) shapes.set(out, [x[0]!, 1, 1]);
        break;
      case 'Flatten':
      case 'Reshape':
      case 'Squeeze':
        if (x) shapes.set(out, [x.reduce((a, b) => a * b, 1)]);
        break;
      case 'Add':
      case 'Mul':
      case 'Sub':
      case 'Div': {
        const y = shapes.get(n.input[1] ?? '');
        const size = (s: number[] | undefined) => (s ? s.reduce((a, b) => a * b, 1) : 0);
        const bigger = size(y) > size(x) ? y : x;
        if (bigger) shapes.set(out, bigger);
        break;
      }
      case 'Relu':
      case 'Sigmoid':
      case 'Clip':
      case 'BatchNormalization':
      case 'Softmax':
      case 'Dropout':
        if (x) shapes.set(out, x);
        break;
      default:
        unknownOps.add(n.opType);
        if (x) shapes.set(out, x);
    }
  }
  return {
    macs:
      unknownOps.has('Conv') || unknownOps.has('Gemm') || unknownOps.has('MatMul') ? null : macs,
    inputSize,
    unknownOps: [...unknownOps],
    repopt: repoptLayout(
      convs,
      numClasses,
      graph.initializer.reduce(
        (n, t) => n + t.dims.reduce<number>((a, d) => a * toNumber(d), 1),
        0,
      ),
    ),
    classifier,
  };
}

const STAGE_BASE = [64, 128, 256, 512];

/** Stages begin at each stride-2 3x3 convolution; stage 0 is the first one alone. */
function repoptLayout(
  convs: { cout: number; k: number; stride: number; isSe: boolean }[],
  numClasses: number,
  fileParams: number,
): RepOptLayout | null {
  const body = convs.filter((c) => !c.isSe);
  if (body.length < 5 || body.some((c) => c.k !== 3) || body[0]!.stride !== 2) return null;
  const stages: { cout: number; count: number }[] = [];
  for (const c of body.slice(1)) {
    if (c.stride === 2) stages.push({ cout: c.cout, count: 1 });
    else if (stages.length > 0 && stages[stages.length - 1]!.cout === c.cout)
      stages[stages.length - 1]!.count++;
    else return null;
  }
  if (stages.length !== 4) return null;
  const blocks = stages.map((s) => s.count);
  const widths = stages.map((s, i) => s.cout / STAGE_BASE[i]!);
  const name =
    Object.entries(KNOWN_ARCHS).find(
      ([, a]) =>
        a.blocks.every((b, i) => b === blocks[i]) && a.widths.every((w, i) => w === widths[i]),
    )?.[0] ?? null;
  const checkpointParams = fileParams + body.reduce((n, c) => n + c.cout, 0);
  return { blocks, widths, numClasses, se: convs.some((c) => c.isSe), name, checkpointParams };
}

/**
 * The files an ONNX model keeps its weights in besides itself (ONNX external data: each
 * initializer with data_location EXTERNAL names its file in external_data's "location"), in order.
 */
export function externalDataFiles(graph: Graph): string[] {
  const files = new Set<string>();
  for (const t of graph.initializer) {
    if (t.dataLocation !== 1) continue;
    const location = t.externalData?.find((e) => e.key === 'location')?.value;
    files.add(location ?? `(no file named for ${t.name})`);
  }
  return [...files];
}

/**
 * Whether an external data file name stays beside the model: a relative path without "..", a
 * scheme or a drive. Others are never read or fetched (a crafted model could name any file).
 */
export function isSiblingDataFile(name: string): boolean {
  return (
    name.length > 0 &&
    !name.startsWith('/') &&
    !name.startsWith('\\') &&
    !name.includes(':') &&
    !name.split(/[\\/]/).includes('..')
  );
}

/**
 * A model's .onnx of this size or less is read for the external data files it names: a model with
 * external data keeps its weights outside, so its .onnx is small, and a big one is not parsed twice.
 */
export const EXTERNAL_DATA_PROBE_BYTES = 16 * 2 ** 20;

/**
 * The external data files beside the model that it names (`model.onnx.data`), for a loader to
 * read or fetch; none when it names none, is too big to be probed, or does not parse.
 */
export function siblingDataFilesOf(bytes: Uint8Array): string[] {
  if (bytes.byteLength > EXTERNAL_DATA_PROBE_BYTES) return [];
  try {
    return externalDataFiles(decodeGraph(bytes)).filter(isSiblingDataFile);
  } catch {
    return [];
  }
}

/** Ops that pass a tensor's values through unchanged (only its shape or storage may change). */
const PASS_THROUGH = new Set(['Identity', 'Cast', 'Flatten', 'Reshape', 'Squeeze', 'Unsqueeze']);

/**
 * The graph outputs computed by a final Softmax over the class axis (through shape-only ops): the
 * model already gives probabilities there. Axis 1 and -1 are both the class axis of [N, classes]
 * (opsets before 13 default to 1, later ones to -1); the engine confirms each vector at run time.
 */
export function softmaxOutputs(graph: Graph): string[] {
  const producer = new Map<string, Node>();
  for (const n of graph.node) for (const o of n.output) producer.set(o, n);
  const found: string[] = [];
  for (const { name } of graph.output ?? []) {
    let node = producer.get(name);
    for (let hops = 0; node && PASS_THROUGH.has(node.opType) && hops < 16; hops++)
      node = producer.get(node.input[0] ?? '');
    if (node?.opType === 'Softmax' && [1, -1].includes(int(node, 'axis', -1))) found.push(name);
  }
  return found;
}

/** An initializer's values as float32 (float32 or float16 storage), or null when absent. */
export function initializerFloats(
  graph: Graph,
  name: string,
): { dims: number[]; data: Float32Array } | null {
  const t = graph.initializer.find((i) => i.name === name);
  if (!t) return null;
  const dims = t.dims.map(toNumber);
  const count = dims.reduce((a, b) => a * b, 1);
  const out = new Float32Array(count);
  if (t.dataType === DataType['FLOAT']) {
    if (t.rawData && t.rawData.length >= count * 4) {
      const view = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
    } else if (t.floatData) out.set(t.floatData.slice(0, count));
  } else if (t.dataType === DataType['FLOAT16'] && t.rawData) {
    const view = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
    for (let i = 0; i < count; i++) out[i] = float16Value(view.getUint16(i * 2, true));
  } else return null;
  return { dims, data: out };
}
