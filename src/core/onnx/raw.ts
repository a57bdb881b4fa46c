/** Little-endian element data for TensorProto.raw_data, written into a preallocated slot. */
import { float16Bits } from './float16';

export type ElemType = 'float32' | 'float16';

export const elemBytes = (t: ElemType): number => (t === 'float32' ? 4 : 2);

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Writes `values` as `type` into `slot` starting at element `offset`. float64 inputs are rounded
 * once to the target type (float32 by the typed-array conversion, float16 by float16Bits).
 */
export function writeElements(
  slot: Uint8Array,
  type: ElemType,
  offset: number,
  values: Float32Array | Float64Array,
): void {
  const size = elemBytes(type);
  if ((offset + values.length) * size > slot.length) {
    throw new RangeError(`raw data overflow: ${offset + values.length} elements of ${type}`);
  }
  if (type === 'float16') {
    const view = new DataView(slot.buffer, slot.byteOffset + offset * 2, values.length * 2);
    for (let i = 0; i < values.length; i++) view.setUint16(i * 2, float16Bits(values[i]!), true);
    return;
  }
  const f32 = values instanceof Float32Array ? values : Float32Array.from(values);
  if (LITTLE_ENDIAN) {
    slot.set(new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength), offset * 4);
    return;
  }
  const view = new DataView(slot.buffer, slot.byteOffset + offset * 4, f32.length * 4);
  for (let i = 0; i < f32.length; i++) view.setFloat32(i * 4, f32[i]!, true);
}
