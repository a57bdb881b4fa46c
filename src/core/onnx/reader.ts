/** A summary of an ONNX file for inspection: what it takes, what it gives, what it is made of. */
import { LensError } from '../errors';
import { DataType, ModelProto, toNumber, type DecodedModel, type DecodedValueInfo } from './proto';

export interface OnnxValueInfo {
  name: string;
  /** e.g. 'float32', 'float16', 'int64'; 'unknown' when not declared. */
  elemType: string;
  /** Fixed sizes as numbers, symbolic ones as their names; null when no shape is declared. */
  shape: (number | string)[] | null;
}

export interface OnnxModelInfo {
  irVersion: number;
  /** Version of the default (ai.onnx) operator set; null when the model does not import it. */
  opset: number | null;
  producer: { name: string; version: string };
  graphName: string;
  docString: string;
  /** Graph inputs that are not initializers. */
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  metadata: Record<string, string>;
  /** Total element count of the initializers (the weights). */
  params: number;
  /** Element count per initializer data type, e.g. { float16: 51e6, float32: 2e4 }. */
  paramsByType: Record<string, number>;
  initializers: number;
  nodes: number;
  /** Node count per operator, e.g. { Conv: 28, Relu: 28, Gemm: 1 }. */
  opCounts: Record<string, number>;
}

const TYPE_NAMES: Record<string, string> = {
  FLOAT: 'float32',
  FLOAT16: 'float16',
  BFLOAT16: 'bfloat16',
  DOUBLE: 'float64',
};
const typeName = (code: number): string => {
  const name = Object.keys(DataType).find((k) => DataType[k] === code);
  return !name || name === 'UNDEFINED' ? 'unknown' : (TYPE_NAMES[name] ?? name.toLowerCase());
};

const valueInfo = (v: DecodedValueInfo): OnnxValueInfo => {
  const tensor = v.type?.tensorType;
  const dims = tensor?.shape?.dim;
  return {
    name: v.name,
    elemType: tensor ? typeName(tensor.elemType) : 'unknown',
    shape: dims ? dims.map((d) => (d.dimParam ? d.dimParam : toNumber(d.dimValue))) : null,
  };
};

const notAModel = (why: string, cause?: unknown) =>
  new LensError(
    'not-a-model',
    `This file is not an ONNX model: ${why}.`,
    cause === undefined ? undefined : { cause },
  );

export function readOnnxModel(bytes: Uint8Array): OnnxModelInfo {
  if (bytes.length === 0) throw notAModel('it is empty');
  let model: DecodedModel;
  try {
    model = ModelProto.decode(bytes) as unknown as DecodedModel;
  } catch (e) {
    throw notAModel('its bytes do not parse as an ONNX protobuf message', e);
  }
  const graph = model.graph;
  const irVersion = toNumber(model.irVersion);
  if (!graph || irVersion <= 0 || model.opsetImport.length === 0) {
    throw notAModel(
      'it parses as protobuf but has no ONNX graph, IR version or operator set, so it is probably another kind of file',
    );
  }
  const initNames = new Set(graph.initializer.map((t) => t.name));
  const paramsByType: Record<string, number> = {};
  let params = 0;
  for (const t of graph.initializer) {
    const n = t.dims.reduce<number>((a, d) => a * toNumber(d), 1);
    params += n;
    const type = typeName(t.dataType);
    paramsByType[type] = (paramsByType[type] ?? 0) + n;
  }
  const opCounts: Record<string, number> = {};
  for (const n of graph.node) {
    const op = n.domain && n.domain !== 'ai.onnx' ? `${n.domain}.${n.opType}` : n.opType;
    opCounts[op] = (opCounts[op] ?? 0) + 1;
  }
  const opset = model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  return {
    irVersion,
    opset: opset ? toNumber(opset.version) : null,
    producer: { name: model.producerName, version: model.producerVersion },
    graphName: graph.name,
    docString: model.docString,
    inputs: graph.input.filter((v) => !initNames.has(v.name)).map(valueInfo),
    outputs: graph.output.map(valueInfo),
    metadata: Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value])),
    params,
    paramsByType,
    initializers: graph.initializer.length,
    nodes: graph.node.length,
    opCounts,
  };
}
