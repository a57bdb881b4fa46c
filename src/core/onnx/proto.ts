/**
 * The ONNX message types. Encoding and decoding go through protobufjs's precompiled ("static")
 * code for the vendored onnx.proto (onnx-static.mjs): the reflection API would generate those
 * functions at run time with `Function()`, which the app's Content-Security-Policy refuses (no
 * 'unsafe-eval'). Field numbers and enum values come from the JSON descriptor, as plain data.
 * Nothing here writes bytes by hand.
 */
import protobuf from 'protobufjs/minimal.js';
import { onnx, type StaticMessageType } from './generated/onnx-static.mjs';
import { onnxDescriptor } from './generated/schema';

export const ModelProto = onnx.ModelProto;
export const GraphProto = onnx.GraphProto;
export const TensorProto = onnx.TensorProto;
/** protobufjs is CommonJS: a default import works in Vite and in Node's ESM loader alike. */
export const { Writer } = protobuf;

interface DescribedType {
  fields?: Record<string, { id: number }>;
  values?: Record<string, number>;
  nested?: Record<string, DescribedType>;
}
const messages = onnxDescriptor.nested.onnx.nested as unknown as Record<string, DescribedType>;

/** TensorProto.DataType, e.g. FLOAT = 1, FLOAT16 = 10. */
export const DataType: Readonly<Record<string, number>> =
  messages['TensorProto']!.nested!['DataType']!.values!;
/** AttributeProto.AttributeType, e.g. INT = 2, INTS = 7. */
export const AttributeType: Readonly<Record<string, number>> =
  messages['AttributeProto']!.nested!['AttributeType']!.values!;

/** Schema names of the codecs (not their function names, which a minifier renames). */
const NAMES = new Map<StaticMessageType, string>([
  [ModelProto, 'ModelProto'],
  [GraphProto, 'GraphProto'],
  [TensorProto, 'TensorProto'],
]);

/** The protobuf field number of `field` in `type` (from the schema, not hard-coded). */
export function fieldId(type: StaticMessageType, field: string): number {
  const name = NAMES.get(type) ?? '?';
  const f = messages[name]?.fields?.[field];
  if (!f) throw new Error(`onnx schema: ${name} has no field ${field}`);
  return f.id;
}

/** Tag and length of a length-delimited field (wire type 2), as protobufjs writes them. */
export const frame = (field: number, length: number): Uint8Array =>
  Writer.create()
    .uint32((field << 3) | 2)
    .uint32(length)
    .finish();

/** int64 fields decode to numbers, or to Long objects where long.js is loaded (Node). */
export type Int64 = number | { toNumber(): number };
export const toNumber = (v: Int64 | null | undefined): number =>
  v === null || v === undefined ? 0 : typeof v === 'number' ? v : v.toNumber();

// The decoded shapes of the messages the reader looks at (protobufjs camelCases field names;
// absent optional fields read as their defaults, absent messages as null).
export interface DecodedDim {
  dimValue?: Int64 | null;
  dimParam?: string | null;
}
export interface DecodedValueInfo {
  name: string;
  type?: {
    tensorType?: { elemType: number; shape?: { dim: DecodedDim[] } | null } | null;
  } | null;
}
export interface DecodedTensor {
  name: string;
  dims: Int64[];
  dataType: number;
}
export interface DecodedNode {
  opType: string;
  domain: string;
}
export interface DecodedGraph {
  name: string;
  node: DecodedNode[];
  initializer: DecodedTensor[];
  input: DecodedValueInfo[];
  output: DecodedValueInfo[];
}
export interface DecodedModel {
  irVersion: Int64;
  producerName: string;
  producerVersion: string;
  docString: string;
  opsetImport: { domain: string; version: Int64 }[];
  metadataProps: { key: string; value: string }[];
  graph: DecodedGraph | null;
}
