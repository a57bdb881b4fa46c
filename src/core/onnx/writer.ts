/**
 * Writes an ONNX ModelProto whose initializers are filled in afterwards, in place.
 *
 * A 200-470 MB checkpoint must not be held three times over (checkpoint, fused weights, encoded
 * file). So the file is laid out first: every message is encoded by protobufjs except the
 * initializers' raw_data payloads, which get reserved, correctly framed slots in the one output
 * buffer; the converter then writes each block's fused weights straight into its slots. This
 * relies on protobuf's rule that a message is the concatenation of its fields in any order (a
 * TensorProto is its encoded header fields followed by the raw_data field; a GraphProto is its
 * encoded nodes and values followed by the initializer fields; likewise the model and its graph).
 */
import { elemBytes, type ElemType } from './raw';
import {
  AttributeType,
  DataType,
  fieldId,
  frame,
  GraphProto,
  ModelProto,
  TensorProto,
} from './proto';

export type Dim = number | string;

export interface ValueInfo {
  name: string;
  elemType: ElemType;
  /** Numbers are fixed sizes; strings are symbolic dimensions (e.g. 'N'). */
  shape: readonly Dim[];
}

export type AttributeValue = { int: number } | { ints: readonly number[] };

export interface NodeSpec {
  opType: string;
  name: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes?: Readonly<Record<string, AttributeValue>>;
}

export interface InitializerSpec {
  name: string;
  elemType: ElemType;
  dims: readonly number[];
}

export interface ModelSpec {
  irVersion: number;
  opsetVersion: number;
  producerName: string;
  producerVersion: string;
  docString: string;
  graphName: string;
  inputs: readonly ValueInfo[];
  outputs: readonly ValueInfo[];
  nodes: readonly NodeSpec[];
  initializers: readonly InitializerSpec[];
  metadata: Readonly<Record<string, string>>;
}

export interface ModelLayout {
  /** The whole file; initializer payloads are zero until written. */
  bytes: Uint8Array;
  /** Per initializer name: its raw_data payload, a view into `bytes`. */
  slots: Map<string, Uint8Array>;
}

const ONNX_TYPE: Record<ElemType, string> = { float32: 'FLOAT', float16: 'FLOAT16' };
const dataType = (t: ElemType): number => DataType[ONNX_TYPE[t]]!;

const valueInfo = (v: ValueInfo) => ({
  name: v.name,
  type: {
    tensorType: {
      elemType: dataType(v.elemType),
      shape: {
        dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
      },
    },
  },
});

const attribute = (name: string, a: AttributeValue) =>
  'int' in a
    ? { name, type: AttributeType['INT'], i: a.int }
    : { name, type: AttributeType['INTS'], ints: [...a.ints] };

const node = (n: NodeSpec) => ({
  name: n.name,
  opType: n.opType,
  input: [...n.inputs],
  output: [...n.outputs],
  attribute: Object.entries(n.attributes ?? {}).map(([k, v]) => attribute(k, v)),
});

const numel = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

export function layoutOnnxModel(spec: ModelSpec): ModelLayout {
  const head = ModelProto.encode({
    irVersion: spec.irVersion,
    opsetImport: [{ domain: '', version: spec.opsetVersion }],
    producerName: spec.producerName,
    producerVersion: spec.producerVersion,
    docString: spec.docString,
    metadataProps: Object.entries(spec.metadata).map(([key, value]) => ({ key, value })),
  }).finish();
  const graphHead = GraphProto.encode({
    name: spec.graphName,
    node: spec.nodes.map(node),
    input: spec.inputs.map(valueInfo),
    output: spec.outputs.map(valueInfo),
  }).finish();

  const rawField = fieldId(TensorProto, 'rawData');
  const inits = spec.initializers.map((t) => {
    const header = TensorProto.encode({
      name: t.name,
      dims: [...t.dims],
      dataType: dataType(t.elemType),
    }).finish();
    const rawLength = numel(t.dims) * elemBytes(t.elemType);
    const rawFrame = frame(rawField, rawLength);
    const length = header.length + rawFrame.length + rawLength;
    return { name: t.name, header, rawFrame, rawLength, length };
  });

  const initField = fieldId(GraphProto, 'initializer');
  const initFrames = inits.map((t) => frame(initField, t.length));
  const graphLength =
    graphHead.length + inits.reduce((sum, t, i) => sum + initFrames[i]!.length + t.length, 0);
  const graphFrame = frame(fieldId(ModelProto, 'graph'), graphLength);

  const bytes = new Uint8Array(head.length + graphFrame.length + graphLength);
  let at = 0;
  const put = (part: Uint8Array) => {
    bytes.set(part, at);
    at += part.length;
  };
  put(head);
  put(graphFrame);
  put(graphHead);
  const slots = new Map<string, Uint8Array>();
  inits.forEach((t, i) => {
    put(initFrames[i]!);
    put(t.header);
    put(t.rawFrame);
    slots.set(t.name, bytes.subarray(at, at + t.rawLength));
    at += t.rawLength;
  });
  if (at !== bytes.length) throw new Error(`onnx layout: wrote ${at} of ${bytes.length} bytes`);
  return { bytes, slots };
}
