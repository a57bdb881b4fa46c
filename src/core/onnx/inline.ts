/**
 * ONNX external data folded back into the model: each initializer stored EXTERNAL (its bytes at
 * `offset`/`length` of the file its "location" names) gets those bytes as raw_data, so tools that
 * take one buffer (the quantizer, a session made from bytes) see the weights. Pure: the caller
 * reads the files (beside the model, never elsewhere: a crafted model could name any path).
 */
import { LensError } from '../errors';
import { decodeModel, type EditModel, type EditTensor } from './edit';
import { DataType, ModelProto, toNumber } from './proto';

export interface DataFile {
  /** The name the model gives it (external_data "location"). */
  path: string;
  bytes: ArrayBuffer | Uint8Array;
}

/** Bytes per element of the types whose raw_data is fixed-size; null for strings and sub-byte types. */
function elementBytes(dataType: number): number | null {
  const name = Object.keys(DataType).find((k) => DataType[k] === dataType);
  switch (name) {
    case 'UINT8':
    case 'INT8':
    case 'BOOL':
    case 'FLOAT8E4M3FN':
    case 'FLOAT8E4M3FNUZ':
    case 'FLOAT8E5M2':
    case 'FLOAT8E5M2FNUZ':
      return 1;
    case 'UINT16':
    case 'INT16':
    case 'FLOAT16':
    case 'BFLOAT16':
      return 2;
    case 'FLOAT':
    case 'INT32':
    case 'UINT32':
      return 4;
    case 'DOUBLE':
    case 'INT64':
    case 'UINT64':
    case 'COMPLEX64':
      return 8;
    case 'COMPLEX128':
      return 16;
    default:
      return null;
  }
}

const keyOf = (t: EditTensor, key: string): string | undefined =>
  t.externalData?.find((e) => e.key === key)?.value;

/** Whether the model stores any initializer as external data. */
export function hasExternalData(model: EditModel): boolean {
  return (model.graph?.initializer ?? []).some((t) => t.dataLocation === 1);
}

/**
 * The model with every external initializer's bytes inside it. A file the model names but that is
 * not in `files`, or a range past its end, is refused with the names a user can act on.
 */
export function inlineExternalData(bytes: Uint8Array, files: readonly DataFile[]): Uint8Array {
  let model: EditModel;
  try {
    model = decodeModel(bytes);
  } catch {
    return bytes; // not a model: the reader that follows says so in its words
  }
  if (!hasExternalData(model)) return bytes;
  const byName = new Map(
    files.map((f) => [f.path, f.bytes instanceof Uint8Array ? f.bytes : new Uint8Array(f.bytes)]),
  );
  for (const t of model.graph!.initializer) {
    if (t.dataLocation !== 1) continue;
    const location = keyOf(t, 'location');
    const data = location === undefined ? undefined : byName.get(location);
    if (location === undefined || data === undefined)
      throw new LensError(
        'model-incompatible',
        `The model keeps its weights in a separate file (ONNX external data: "${location ?? `(no file named for ${t.name})`}"), which is not beside it. Put the data file in the model's folder, or save the model as one file (onnx.save_model(model, path, save_as_external_data=False)).`,
      );
    const count = t.dims.reduce<number>((a, d) => a * toNumber(d), 1);
    const size = elementBytes(t.dataType);
    const offset = Number(keyOf(t, 'offset') ?? 0);
    const given = keyOf(t, 'length');
    const length = given !== undefined ? Number(given) : size === null ? NaN : count * size;
    if (
      !Number.isSafeInteger(offset) ||
      !Number.isSafeInteger(length) ||
      offset < 0 ||
      length < 0 ||
      offset + length > data.byteLength ||
      (size !== null && length !== count * size)
    )
      throw new LensError(
        'model-load-failed',
        `The external data file "${location}" does not hold initializer "${t.name}" where the model says (bytes ${offset}..${offset + length} for ${count} values; the file has ${data.byteLength} bytes): the file is truncated or belongs to another model.`,
      );
    t.rawData = data.subarray(offset, offset + length);
    t.dataLocation = 0;
    t.externalData = [];
  }
  return ModelProto.encode(model).finish();
}
