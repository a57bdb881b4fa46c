/**
 * The ONNX message types, built once from the vendored schema with protobufjs (reflection, no
 * generated code). Encoding and decoding go through these; nothing here writes bytes by hand.
 */
// The explicit .js: protobufjs has no "exports" map, and Node's ESM resolver (Playwright, tsx) needs the file name.
import protobuf from 'protobufjs/light.js';
import { onnxDescriptor } from './schema';

const root = protobuf.Root.fromJSON(onnxDescriptor);

export const ModelProto = root.lookupType('onnx.ModelProto');
export const GraphProto = root.lookupType('onnx.GraphProto');
export const TensorProto = root.lookupType('onnx.TensorProto');
export const { Writer } = protobuf;

const enumValues = (name: string): Readonly<Record<string, number>> => root.lookupEnum(name).values;

/** TensorProto.DataType, e.g. FLOAT = 1, FLOAT16 = 10. */
export const DataType = enumValues('onnx.TensorProto.DataType');
/** AttributeProto.AttributeType, e.g. INT = 2, INTS = 7. */
export const AttributeType = enumValues('onnx.AttributeProto.AttributeType');

/** The protobuf field number of `field` in `type` (from the schema, not hard-coded). */
export function fieldId(type: protobuf.Type, field: string): number {
  const f = type.fields[field];
  if (!f) throw new Error(`onnx schema: ${type.name} has no field ${field}`);
  return f.id;
}

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
