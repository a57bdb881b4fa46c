/**
 * The quantizer's view of a float ONNX graph and its QDQ rewrite.
 *
 * A layer is a Conv, Gemm or MatMul whose weight is a float initializer (fp32, or fp16 behind a
 * Cast). Its activation input is its first input; its output is the node's output, or that of a
 * Relu when the Relu is its only consumer (the form onnxruntime fuses: DQ → Conv → Relu → Q
 * becomes one QLinearConv, the Relu absorbed by the uint8 zero point).
 *
 * The rewrite puts QuantizeLinear → DequantizeLinear (uint8, per tensor) on every activation that a
 * quantized layer reads or writes, replaces each quantized layer's weight by an int8 initializer
 * and a per-channel DequantizeLinear, and its bias by int32 (scale = input scale × weight scale).
 * A layer kept in float keeps its float weight and its output stays float (its input is still
 * quantized when the layer that writes it is). Graph outputs are never quantized.
 */
import { LensError } from '../errors';
import {
  decodeModel,
  encodeModel,
  tensorFloats,
  type EditModel,
  type EditNode,
  type EditTensor,
} from '../onnx/edit';
import { AttributeType, DataType, toNumber } from '../onnx/proto';
import { quantizeBias, quantizeWeights, type QParams } from './qparams';

export interface QuantLayer {
  /** The node's name, or its output's when unnamed. */
  name: string;
  op: 'Conv' | 'Gemm' | 'MatMul';
  input: string;
  weight: string;
  bias: string | null;
  /** The output-channel axis of the weight (per-channel scales run along it). */
  axis: number;
  /** The layer's output tensor (after its Relu when the Relu is folded). */
  output: string;
  /** Whether the output is a graph output (then it stays float). */
  isGraphOutput: boolean;
}

export interface QuantPlan {
  layers: QuantLayer[];
  /** Every activation a layer reads or writes (graph outputs excluded), in graph order. */
  activations: string[];
  inputName: string;
  outputName: string;
}

/** Ops that say a model is already quantized. */
const QUANTIZED_OPS = new Set([
  'QuantizeLinear',
  'DequantizeLinear',
  'DynamicQuantizeLinear',
  'QLinearConv',
  'QLinearMatMul',
  'ConvInteger',
  'MatMulInteger',
  'QGemm',
  'QLinearAdd',
]);

interface Ctx {
  model: EditModel;
  nodes: EditNode[];
  inits: Map<string, EditTensor>;
  producer: Map<string, EditNode>;
  consumers: Map<string, EditNode[]>;
  graphOutputs: Set<string>;
}

function context(model: EditModel): Ctx {
  const graph = model.graph;
  if (!graph) throw new LensError('not-a-model', 'The ONNX file has no graph.');
  const producer = new Map<string, EditNode>();
  const consumers = new Map<string, EditNode[]>();
  for (const n of graph.node) {
    for (const o of n.output) producer.set(o, n);
    for (const i of n.input) if (i) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  }
  return {
    model,
    nodes: graph.node,
    inits: new Map(graph.initializer.map((t) => [t.name, t])),
    producer,
    consumers,
    graphOutputs: new Set(graph.output.map((o) => o.name)),
  };
}

/** A float initializer reached directly or through Cast/Identity (fp16 weights). */
function floatSource(ctx: Ctx, name: string): EditTensor | null {
  for (let at = name, hops = 0; hops < 4; hops++) {
    const t = ctx.inits.get(at);
    if (t && !ctx.producer.has(at))
      return t.dataType === DataType['FLOAT'] || t.dataType === DataType['FLOAT16'] ? t : null;
    const p = ctx.producer.get(at);
    if (!p || (p.opType !== 'Cast' && p.opType !== 'Identity')) return null;
    at = p.input[0] ?? '';
  }
  return null;
}

const attr = (n: EditNode, name: string) => n.attribute.find((a) => a.name === name);
const attrInt = (n: EditNode, name: string, fallback: number) => {
  const a = attr(n, name);
  return a?.i !== undefined && a.i !== null ? toNumber(a.i) : fallback;
};
const attrFloat = (n: EditNode, name: string, fallback: number) => {
  const a = attr(n, name) as { f?: number } | undefined;
  return a?.f ?? fallback;
};

function findLayers(ctx: Ctx): QuantLayer[] {
  const layers: QuantLayer[] = [];
  for (const n of ctx.nodes) {
    if (n.opType !== 'Conv' && n.opType !== 'Gemm' && n.opType !== 'MatMul') continue;
    if ((n.domain ?? '') !== '' && n.domain !== 'ai.onnx') continue;
    const [x, w, b] = n.input;
    if (!x || !w || ctx.inits.has(x)) continue;
    const weight = floatSource(ctx, w);
    if (!weight) continue;
    const rank = weight.dims.length;
    let axis = 0;
    if (n.opType === 'Gemm') {
      if (attrInt(n, 'transA', 0) !== 0 || rank !== 2) continue;
      axis = attrInt(n, 'transB', 0) === 1 ? 0 : 1;
    } else if (n.opType === 'MatMul') {
      if (rank !== 2) continue;
      axis = 1;
    } else if (rank < 3) continue;
    const out = n.output[0]!;
    const next = ctx.consumers.get(out) ?? [];
    const relu =
      next.length === 1 && next[0]!.opType === 'Relu' && !ctx.graphOutputs.has(out)
        ? next[0]!
        : null;
    const output = relu ? relu.output[0]! : out;
    const biasTensor = b ? floatSource(ctx, b) : null;
    layers.push({
      name: n.name || out,
      op: n.opType,
      input: x,
      weight: w,
      bias: b && biasTensor ? b : null,
      axis,
      output,
      isGraphOutput: ctx.graphOutputs.has(output),
    });
  }
  return layers;
}

/** Refuses what cannot be quantized, with the reason; returns the layers otherwise. */
export function planQuantization(bytes: Uint8Array): QuantPlan {
  let model: EditModel;
  try {
    model = decodeModel(bytes);
  } catch (e) {
    throw new LensError('not-a-model', `Not an ONNX model: ${(e as Error).message}.`, {
      cause: e,
    });
  }
  const ctx = context(model);
  const graph = model.graph!;
  const quantOps = [...new Set(ctx.nodes.map((n) => n.opType).filter((o) => QUANTIZED_OPS.has(o)))];
  const intWeights = graph.initializer.filter(
    (t) => t.dataType === DataType['INT8'] || t.dataType === DataType['UINT8'],
  );
  if (quantOps.length > 0 || intWeights.length > 0)
    throw new LensError(
      'model-incompatible',
      `The model is already quantized (${quantOps.length > 0 ? quantOps.join(', ') : `${intWeights.length} int8/uint8 initializers`}): quantize the float model it was made from.`,
    );
  const opset = model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  if (!opset || toNumber(opset.version) < 13)
    throw new LensError(
      'model-incompatible',
      `The model uses operator set ${opset ? toNumber(opset.version) : 'none'}; int8 with per-channel weights needs 13 or newer (re-export with opset_version=13).`,
    );
  const layers = findLayers(ctx);
  if (layers.length === 0)
    throw new LensError(
      'model-incompatible',
      'The model has no Conv, Gemm or MatMul with float weights: nothing to quantize.',
    );
  const inits = new Set(ctx.inits.keys());
  const inputs = graph.input.filter((i) => !inits.has(i.name));
  if (inputs.length !== 1 || graph.output.length < 1)
    throw new LensError(
      'model-incompatible',
      `The quantizer needs one image input (the model has ${inputs.length}).`,
    );
  const activations: string[] = [];
  const seen = new Set<string>();
  for (const l of layers)
    for (const t of [l.input, l.output])
      if (!seen.has(t) && !ctx.graphOutputs.has(t)) {
        seen.add(t);
        activations.push(t);
      }
  return { layers, activations, inputName: inputs[0]!.name, outputName: graph.output[0]!.name };
}

const floatOutput = (name: string) => ({
  name,
  type: { tensorType: { elemType: DataType['FLOAT']!, shape: null } },
});

/** The model with `names` added as float graph outputs (for collecting activations). */
export function withOutputs(bytes: Uint8Array, names: readonly string[]): Uint8Array {
  const model = decodeModel(bytes);
  const graph = model.graph!;
  const have = new Set(graph.output.map((o) => o.name));
  for (const n of names) if (!have.has(n)) graph.output.push(floatOutput(n));
  return encodeModel(model).bytes;
}

/** Which activations the rewrite quantizes, given the layers kept in float. */
export function quantizedTensors(plan: QuantPlan, keep: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  const keptOutputs = new Set(plan.layers.filter((l) => keep.has(l.name)).map((l) => l.output));
  for (const l of plan.layers) {
    if (keep.has(l.name)) continue;
    if (!keptOutputs.has(l.input)) out.add(l.input);
    if (!l.isGraphOutput) out.add(l.output);
  }
  for (const t of keptOutputs) out.delete(t);
  return out;
}

const tensor = (name: string, type: string, dims: number[], data: ArrayBufferView) => ({
  name,
  dims,
  dataType: DataType[type]!,
  rawData: leBytes(data),
});

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
function leBytes(a: ArrayBufferView): Uint8Array {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
  if (LITTLE_ENDIAN || a instanceof Int8Array || a instanceof Uint8Array) return bytes;
  const size = (a as Float32Array).BYTES_PER_ELEMENT;
  for (let i = 0; i < bytes.length; i += size) bytes.subarray(i, i + size).reverse();
  return bytes;
}

export interface QdqResult {
  bytes: Uint8Array;
  /** Per float tensor name, the tensor that holds its value in the int8 model (its DQ output). */
  dequantized: Map<string, string>;
  /** Per quantized layer, its weights' per-channel scales. */
  weightScales: Map<string, Float32Array>;
}

/**
 * The QDQ model. `params` gives the uint8 parameters of every tensor in `quantizedTensors(plan,
 * keep)`; `metadata` is merged into the model's metadata_props.
 */
export function rewriteQdq(
  bytes: Uint8Array,
  plan: QuantPlan,
  params: ReadonlyMap<string, QParams>,
  keep: ReadonlySet<string>,
  metadata: Readonly<Record<string, string>>,
): QdqResult {
  const model = decodeModel(bytes);
  const ctx = context(model);
  const graph = model.graph!;
  const used = new Set<string>([
    ...ctx.producer.keys(),
    ...ctx.inits.keys(),
    ...graph.input.map((i) => i.name),
  ]);
  const fresh = (base: string) => {
    let name = base;
    for (let k = 1; used.has(name); k++) name = `${base}_${k}`;
    used.add(name);
    return name;
  };
  const newInits: EditTensor[] = [];
  const head: EditNode[] = [];
  const after = new Map<EditNode, EditNode[]>();
  const dequantized = new Map<string, string>();
  const quantized = quantizedTensors(plan, keep);

  // 1. Activations: Q → DQ right after the producer; every consumer reads the DQ output.
  for (const t of quantized) {
    const q = params.get(t);
    if (!q) throw new LensError('internal', `No quantization parameters for ${t}.`);
    const scale = fresh(`${t}_scale`);
    const zp = fresh(`${t}_zero_point`);
    const qOut = fresh(`${t}_quantized`);
    const dqOut = fresh(`${t}_dequantized`);
    newInits.push(
      tensor(scale, 'FLOAT', [], new Float32Array([q.scale])),
      tensor(zp, 'UINT8', [], new Uint8Array([q.zeroPoint])),
    );
    for (const n of ctx.consumers.get(t) ?? []) n.input = n.input.map((i) => (i === t ? dqOut : i));
    const pair: EditNode[] = [
      {
        name: qOut,
        opType: 'QuantizeLinear',
        input: [t, scale, zp],
        output: [qOut],
        attribute: [],
      },
      {
        name: dqOut,
        opType: 'DequantizeLinear',
        input: [qOut, scale, zp],
        output: [dqOut],
        attribute: [],
      },
    ];
    const p = ctx.producer.get(t);
    if (p) after.set(p, [...(after.get(p) ?? []), ...pair]);
    else head.push(...pair);
    dequantized.set(t, dqOut);
  }

  // 2. Weights (int8 per channel) and biases (int32) of the quantized layers.
  const weightScales = new Map<string, Float32Array>();
  const nodeOf = new Map(ctx.nodes.map((n) => [n.name || n.output[0]!, n]));
  const axisAttr = (axis: number) => ({ name: 'axis', type: AttributeType['INT']!, i: axis });
  for (const l of plan.layers) {
    if (keep.has(l.name)) continue;
    const node = nodeOf.get(l.name)!;
    const src = floatSource(ctx, l.weight)!;
    const w = tensorFloats(src);
    if (!w) throw new LensError('model-incompatible', `The weights of ${l.name} cannot be read.`);
    const dims = src.dims.map(toNumber);
    const { data, scales } = quantizeWeights(w, dims, l.axis);
    weightScales.set(l.name, scales);
    const base = src.name;
    const qw = fresh(`${base}_quantized`);
    const sw = fresh(`${base}_scale`);
    const zw = fresh(`${base}_zero_point`);
    const dqw = fresh(`${base}_dequantized`);
    newInits.push(
      tensor(qw, 'INT8', dims, data),
      tensor(sw, 'FLOAT', [scales.length], scales),
      tensor(zw, 'INT8', [scales.length], new Int8Array(scales.length)),
    );
    head.push({
      name: dqw,
      opType: 'DequantizeLinear',
      input: [qw, sw, zw],
      output: [dqw],
      attribute: [axisAttr(l.axis)],
    });
    node.input[1] = dqw;

    const xq = params.get(l.input);
    const biasOk =
      l.op !== 'Gemm' || (attrFloat(node, 'alpha', 1) === 1 && attrFloat(node, 'beta', 1) === 1);
    if (l.bias && quantized.has(l.input) && xq && biasOk) {
      const bsrc = floatSource(ctx, l.bias)!;
      const b = tensorFloats(bsrc);
      if (b && b.length === scales.length) {
        const qb = quantizeBias(b, xq.scale, scales);
        const bq = fresh(`${bsrc.name}_quantized`);
        const bs = fresh(`${bsrc.name}_scale`);
        const bz = fresh(`${bsrc.name}_zero_point`);
        const dqb = fresh(`${bsrc.name}_dequantized`);
        newInits.push(
          tensor(bq, 'INT32', [b.length], qb.data),
          tensor(bs, 'FLOAT', [b.length], qb.scales),
          tensor(bz, 'INT32', [b.length], new Int32Array(b.length)),
        );
        head.push({
          name: dqb,
          opType: 'DequantizeLinear',
          input: [bq, bs, bz],
          output: [dqb],
          attribute: [axisAttr(0)],
        });
        node.input[2] = dqb;
      }
    }
  }

  // 3. New node order; float weights (and their Casts) that nothing reads any more are dropped.
  const nodes: EditNode[] = [...head];
  for (const n of ctx.nodes) nodes.push(n, ...(after.get(n) ?? []));
  for (let changed = true; changed;) {
    changed = false;
    const read = new Set(nodes.flatMap((n) => n.input));
    for (const o of graph.output) read.add(o.name);
    for (let i = nodes.length - 1; i >= 0; i--) {
      const n = nodes[i]!;
      if ((n.opType === 'Cast' || n.opType === 'Identity') && !n.output.some((o) => read.has(o))) {
        nodes.splice(i, 1);
        changed = true;
      }
    }
  }
  const read = new Set(nodes.flatMap((n) => n.input));
  for (const o of graph.output) read.add(o.name);
  graph.node = nodes;
  graph.initializer = [...graph.initializer.filter((t) => read.has(t.name)), ...newInits];
  const initNames = new Set(graph.initializer.map((t) => t.name));
  graph.input = graph.input.filter((i) => !ctx.inits.has(i.name) || initNames.has(i.name));
  const props = (model as unknown as { metadataProps?: { key: string; value: string }[] })
    .metadataProps;
  const merged = new Map((props ?? []).map((p) => [p.key, p.value]));
  for (const [k, v] of Object.entries(metadata)) merged.set(k, v);
  (model as unknown as { metadataProps: { key: string; value: string }[] }).metadataProps = [
    ...merged,
  ].map(([key, value]) => ({ key, value }));
  return { bytes: encodeModel(model).bytes, dequantized, weightScales };
}
