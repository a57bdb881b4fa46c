/**
 * Whole-model editing: decode every field of an ONNX file, change nodes and initializers, encode it
 * again. New large initializers get reserved raw_data slots in the one output buffer (the same
 * protobuf concatenation rule as writer.ts: a GraphProto is its encoded fields followed by more
 * initializer fields), so a rewrite that adds hundreds of MB of weights holds them once.
 */
import { float16Value } from './float16';
import {
  AttributeType,
  DataType,
  fieldId,
  frame,
  GraphProto,
  ModelProto,
  TensorProto,
  toNumber,
  type DecodedValueInfo,
  type Int64,
} from './proto';

export interface EditAttribute {
  name: string;
  type?: number;
  i?: Int64 | null;
  ints?: Int64[];
  s?: Uint8Array;
}
export interface EditNode {
  name?: string;
  opType: string;
  domain?: string;
  input: string[];
  output: string[];
  attribute: EditAttribute[];
}
export interface EditTensor {
  name: string;
  dims: Int64[];
  dataType: number;
  rawData?: Uint8Array;
  floatData?: number[];
  /** 1 (EXTERNAL): the values are in another file, named by `externalData`'s "location". */
  dataLocation?: number;
  externalData?: { key: string; value: string }[];
}
export interface EditGraph {
  name: string;
  node: EditNode[];
  initializer: EditTensor[];
  input: DecodedValueInfo[];
  output: DecodedValueInfo[];
  valueInfo: DecodedValueInfo[];
}
export interface EditModel {
  opsetImport: { domain: string; version: Int64 }[];
  graph: EditGraph | null;
}

export const decodeModel = (bytes: Uint8Array): EditModel =>
  ModelProto.decode(bytes) as unknown as EditModel;

export const attrInt = (name: string, i: number): EditAttribute => ({
  name,
  type: AttributeType['INT']!,
  i,
});
export const attrInts = (name: string, ints: readonly number[]): EditAttribute => ({
  name,
  type: AttributeType['INTS']!,
  ints: [...ints],
});

/** The attribute's int or ints, as numbers; `fallback` when absent. */
export function attrValue(node: EditNode, name: string): number | number[] | undefined {
  const a = node.attribute.find((x) => x.name === name);
  if (!a) return undefined;
  if (a.ints && a.ints.length) return a.ints.map(toNumber);
  if (a.i !== undefined && a.i !== null) return toNumber(a.i);
  return undefined;
}
export const attrString = (node: EditNode, name: string): string | undefined => {
  const s = node.attribute.find((x) => x.name === name)?.s;
  return s ? new TextDecoder().decode(s) : undefined;
};

const bytesOf = (a: Int32Array | Float32Array | BigInt64Array): Uint8Array => {
  const out = new Uint8Array(a.byteLength);
  // raw_data is little-endian; typed arrays are native-endian
  const view = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) {
    if (a instanceof BigInt64Array) view.setBigInt64(i * 8, a[i]!, true);
    else if (a instanceof Int32Array) view.setInt32(i * 4, a[i]!, true);
    else view.setFloat32(i * 4, a[i]!, true);
  }
  return out;
};

export const int64Tensor = (name: string, values: readonly number[], dims = [values.length]) => ({
  name,
  dims,
  dataType: DataType['INT64']!,
  rawData: bytesOf(BigInt64Array.from(values, (v) => BigInt(v))),
});
export const int32Tensor = (name: string, values: Int32Array, dims: number[]) => ({
  name,
  dims,
  dataType: DataType['INT32']!,
  rawData: bytesOf(values),
});
export const floatTensor = (name: string, values: Float32Array, dims: number[]) => ({
  name,
  dims,
  dataType: DataType['FLOAT']!,
  rawData: bytesOf(values),
});

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Whether `tensorFloats` reads `t` (embedded float32, or float16 raw data, of its dims' size),
 * without copying anything: a 207 MB model's weights are checked in no time.
 */
export function floatsReadable(t: EditTensor): boolean {
  if (t.dataLocation === 1) return false;
  const count = t.dims.reduce<number>((a, d) => a * toNumber(d), 1);
  const raw = t.rawData && t.rawData.length ? t.rawData : null;
  if (t.dataType === DataType['FLOAT'])
    return raw ? raw.length === count * 4 : t.floatData?.length === count;
  return t.dataType === DataType['FLOAT16'] && raw !== null && raw.length === count * 2;
}

/** float32 or float16 initializer values as float32 (both exact); null for other types or external data. */
export function tensorFloats(t: EditTensor): Float32Array | null {
  if (!floatsReadable(t)) return null;
  const count = t.dims.reduce<number>((a, d) => a * toNumber(d), 1);
  const raw = t.rawData && t.rawData.length ? t.rawData : null;
  const out = new Float32Array(count);
  if (t.dataType === DataType['FLOAT16']) {
    const view = new DataView(raw!.buffer, raw!.byteOffset, raw!.byteLength);
    for (let i = 0; i < count; i++) out[i] = float16Value(view.getUint16(i * 2, true));
  } else if (!raw) out.set(t.floatData!);
  else if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(raw);
  else {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
  }
  return out;
}

export interface ReservedFloats {
  name: string;
  dims: number[];
}

/**
 * Padding before a tensor's raw_data so that the data starts at a multiple of 4: an empty or short
 * `doc_string` (field 12), which parsers accept in any field order. 0 or 2-5 bytes cover every
 * remainder.
 */
const padding = (bytes: number): Uint8Array => {
  if (bytes === 0) return new Uint8Array(0);
  const docField = fieldId(TensorProto, 'docString');
  const out = new Uint8Array(bytes);
  out.set(frame(docField, bytes - 2));
  out.fill(0x20, 2);
  return out;
};

/**
 * Encodes `model`, appending float32 initializers `reserved` whose raw_data is left zero for the
 * caller to fill through `slots` (little-endian float32, 4 bytes per element). Every slot starts
 * at a multiple of 4 bytes, so a little-endian caller can write through a Float32Array view.
 */
export function encodeModel(
  model: EditModel,
  reserved: readonly ReservedFloats[] = [],
): { bytes: Uint8Array; slots: Map<string, Uint8Array> } {
  const graph = model.graph;
  const head = ModelProto.encode({ ...model, graph: null }).finish();
  if (!graph) return { bytes: head, slots: new Map() };
  const graphHead = GraphProto.encode(graph).finish();
  const rawField = fieldId(TensorProto, 'rawData');
  const initField = fieldId(GraphProto, 'initializer');
  const tensors = reserved.map((t) => {
    const header = TensorProto.encode({
      name: t.name,
      dims: t.dims,
      dataType: DataType['FLOAT']!,
    }).finish();
    const rawLength = t.dims.reduce((a, b) => a * b, 1) * 4;
    return { name: t.name, header, rawFrame: frame(rawField, rawLength), rawLength };
  });
  type Part = (typeof tensors)[number] & { outer: Uint8Array; pad: Uint8Array; length: number };
  /** The parts laid out from `start` (where the first initializer frame begins). */
  const layout = (start: number): Part[] => {
    let at = start;
    return tensors.map((t) => {
      for (const n of [0, 2, 3, 4, 5]) {
        const pad = padding(n);
        const length = t.header.length + n + t.rawFrame.length + t.rawLength;
        const outer = frame(initField, length);
        if ((at + outer.length + length - t.rawLength) % 4 === 0) {
          at += outer.length + length;
          return { ...t, outer, pad, length };
        }
      }
      throw new Error('onnx encode: no padding aligns the data');
    });
  };
  // The graph frame's length prefix depends on the padding, and the padding on where it starts.
  let graphFrame = frame(fieldId(ModelProto, 'graph'), 0);
  let parts: Part[] = [];
  for (let tries = 0; ; tries++) {
    parts = layout(head.length + graphFrame.length + graphHead.length);
    const graphLength = parts.reduce((n, p) => n + p.outer.length + p.length, graphHead.length);
    const next = frame(fieldId(ModelProto, 'graph'), graphLength);
    const settled = next.length === graphFrame.length;
    graphFrame = next;
    if (settled) break;
    if (tries > 8) throw new Error('onnx encode: layout did not settle');
  }
  const total = parts.reduce((n, p) => n + p.outer.length + p.length, graphHead.length);
  const bytes = new Uint8Array(head.length + graphFrame.length + total);
  let at = 0;
  const put = (b: Uint8Array) => {
    bytes.set(b, at);
    at += b.length;
  };
  put(head);
  put(graphFrame);
  put(graphHead);
  const slots = new Map<string, Uint8Array>();
  for (const p of parts) {
    put(p.outer);
    put(p.header);
    put(p.pad);
    put(p.rawFrame);
    slots.set(p.name, bytes.subarray(at, at + p.rawLength));
    at += p.rawLength;
  }
  if (at !== bytes.length) throw new Error(`onnx encode: wrote ${at} of ${bytes.length} bytes`);
  return { bytes, slots };
}
