/** Tensors read out of a PyTorch checkpoint: plain data, never live objects. */

export type DType =
  'float32' | 'float16' | 'bfloat16' | 'float64' | 'int64' | 'int32' | 'uint8' | 'bool';

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

/**
 * Where the weights were found: the file is the state_dict; under checkpoint['model'] (as the
 * RepOptimizers training script saves); under checkpoint['state_dict']; under another key
 * (`Checkpoint.key` says which); or the file is a whole pickled nn.Module (torch.save(model)).
 */
export type CheckpointLayout =
  'state_dict' | 'model' | 'state_dict_key' | 'other_key' | 'pickled_module';

export interface Checkpoint {
  /** The tensors `ReadCheckpointOptions.select` chose (all of them by default). */
  stateDict: StateDict;
  /** Every tensor's shape, selected or not: enough to detect an architecture and count it. */
  shapes: Map<string, number[]>;
  layout: CheckpointLayout;
  /** The top-level key holding the weights; null when the file itself is the weights. */
  key: string | null;
  /** The prefix removed from every key ('module.' from DataParallel), or null. */
  stripped: string | null;
  /** 'zip': torch >= 1.6 default; 'legacy': `_use_new_zipfile_serialization=False` and older. */
  format: 'zip' | 'legacy';
  /**
   * The other top-level entries (epoch, config, optimizer, ...) as JSON-like data: tensors as
   * `{__tensor__: dtype, shape}`, objects of unknown classes as `{__global__, args, state}`.
   */
  extras: Record<string, unknown>;
  /** Keys of the weights dict whose values are not tensors (they are left out of stateDict). */
  skipped: string[];
}

export interface ReadCheckpointOptions {
  /** Refuse files whose contents (zip entries, tensors) take more bytes than this. Default 4 GiB. */
  maxBytes?: number;
  /** Check zip entries' CRC-32 (default true; about 0.3 s more per 200 MB in Node 20). */
  verifyCrc?: boolean;
  /**
   * Which tensors to read (default: all). The others are neither read nor checked nor allocated;
   * only their shapes are reported, so a 200 MB checkpoint can be described from its shapes.
   */
  select?: (name: string, shape: readonly number[]) => boolean;
  signal?: AbortSignal;
}
