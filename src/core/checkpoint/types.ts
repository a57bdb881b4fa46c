/** Tensors read out of a PyTorch checkpoint: plain data, never live objects. */

export type DType = 'float32' | 'float16' | 'bfloat16' | 'float64' | 'int64' | 'int32' | 'uint8' | 'bool';

/** A tensor materialised contiguous (storage offset and strides applied), row-major. */
export interface Tensor {
  dtype: DType;
  shape: number[];
  /** Contiguous values; float16/bfloat16 are widened to float32, int64 kept as BigInt64Array. */
  data: Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;
}

/** Parameter name (without `module.` prefix) -> tensor. Insertion order follows the file. */
export type StateDict = Map<string, Tensor>;

/** Float weights as the converter consumes them. */
export interface Float32Tensor {
  shape: number[];
  data: Float32Array;
}
