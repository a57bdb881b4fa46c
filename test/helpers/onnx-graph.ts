/** Small ONNX graphs written by hand in tests: tensors, attributes, nodes and graph inputs. */
import { AttributeType, DataType } from '../../src/core/onnx/proto';
import { randomArray } from './lens';

/** A float initializer of seeded values in [-scale, scale). */
export const floatTensor = (name: string, dims: number[], seed: number, scale = 0.5) => ({
  name,
  dims,
  dataType: DataType['FLOAT'],
  rawData: new Uint8Array(
    randomArray(
      dims.reduce((a, b) => a * b, 1),
      seed,
      scale,
    ).buffer,
  ),
});
export const i64 = (name: string, values: number[]) => ({
  name,
  dims: [values.length],
  dataType: DataType['INT64'],
  rawData: new Uint8Array(BigInt64Array.from(values, BigInt).buffer),
});
export const ints = (name: string, v: number[]) => ({
  name,
  type: AttributeType['INTS'],
  ints: v,
});
export const int = (name: string, v: number) => ({ name, type: AttributeType['INT'], i: v });
export const float = (name: string, v: number) => ({ name, type: AttributeType['FLOAT'], f: v });
/** A node named after its first output. */
export const node = (
  opType: string,
  input: string[],
  output: string[],
  attribute: object[] = [],
) => ({
  opType,
  name: output[0],
  input,
  output,
  attribute,
});
/** A float graph input or output; a string dimension is symbolic. */
export const io = (name: string, dims: (number | string)[]) => ({
  name,
  type: {
    tensorType: {
      elemType: DataType['FLOAT'],
      shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
    },
  },
});
