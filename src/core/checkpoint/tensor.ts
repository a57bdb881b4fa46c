/**
 * Materialising tensors: storage offset, shape and strides applied, bytes in the platform's order
 * (little-endian everywhere this runs), float16/bfloat16 widened to float32. Each tensor costs one
 * copy of its own values; the storage bytes it reads are views into the checkpoint file.
 */
import { allocate, corrupt, unsupported } from './fail';
import type { LazyTensor } from './values';
import type { DType, Float32Tensor, Tensor } from './types';

/** Bytes the materialised tensor will take (float16/bfloat16 become 4-byte floats). */
export function outputBytes(t: LazyTensor): number {
  const size = t.type.itemSize;
  return t.numel * (t.type.name === 'float16' || t.type.name === 'bfloat16' ? 4 : size);
}

export function materialize(
  t: LazyTensor,
  storage: Uint8Array,
  bigEndian: boolean,
  name: string,
): Tensor {
  const dtype = t.type.dtype;
  if (dtype === null) {
    throw unsupported(
      `tensor '${name}' has dtype torch.${t.type.name}`,
      'convert it to float32 first',
    );
  }
  const size = t.type.itemSize;
  const numel = t.numel;
  if (!Number.isSafeInteger(numel * size))
    throw corrupt(`tensor '${name}' has an impossible shape`);
  if (numel > 0) {
    let last = t.offset;
    t.shape.forEach((n, i) => (last += (n - 1) * t.stride[i]!));
    const available = Math.floor(storage.length / size);
    if (last >= available) {
      throw corrupt(
        `tensor '${name}' (shape [${t.shape.join(', ')}], offset ${t.offset}) reads past the end of its storage (${available} ${t.type.name} values)`,
      );
    }
  }
  const raw = allocate(numel * size, `tensor '${name}'`);
  if (isContiguous(t)) {
    raw.set(storage.subarray(t.offset * size, (t.offset + numel) * size));
  } else {
    gatherStrided(t, storage, raw);
  }
  if (bigEndian && size > 1) swapBytes(raw, size);
  return { dtype, shape: [...t.shape], data: typed(dtype, raw, name) };
}

function isContiguous(t: LazyTensor): boolean {
  let expected = 1;
  for (let d = t.shape.length - 1; d >= 0; d--) {
    const n = t.shape[d]!;
    if (n !== 1 && t.stride[d] !== expected) return false;
    expected *= n;
  }
  return true;
}

/** Raw element copy in row-major order; 8-byte elements move as two 32-bit halves. */
function gatherStrided(t: LazyTensor, storage: Uint8Array, raw: Uint8Array): void {
  const size = t.type.itemSize;
  const unit = size === 1 ? 1 : size === 2 ? 2 : 4;
  const src = wordView(aligned(storage, unit), unit);
  const dst = wordView(raw, unit);
  const width = size / unit;
  const { shape, stride } = t;
  const nd = shape.length;
  const inner = nd ? shape[nd - 1]! : 1;
  const innerStride = nd ? stride[nd - 1]! : 0;
  const outer = inner === 0 ? 0 : t.numel / inner;
  const index = new Array<number>(Math.max(nd - 1, 0)).fill(0);
  let base = t.offset;
  let o = 0;
  for (let k = 0; k < outer; k++) {
    for (let i = 0, s = base * width; i < inner; i++, s += innerStride * width) {
      for (let w = 0; w < width; w++) dst[o++] = src[s + w]!;
    }
    for (let d = nd - 2; d >= 0; d--) {
      base += stride[d]!;
      if (++index[d]! < shape[d]!) break;
      base -= stride[d]! * shape[d]!;
      index[d] = 0;
    }
  }
}

function aligned(bytes: Uint8Array, unit: number): Uint8Array {
  return bytes.byteOffset % unit === 0 ? bytes : bytes.slice();
}

function wordView(b: Uint8Array, unit: number): Uint8Array | Uint16Array | Uint32Array {
  const n = Math.floor(b.byteLength / unit);
  if (unit === 1) return b;
  return unit === 2
    ? new Uint16Array(b.buffer, b.byteOffset, n)
    : new Uint32Array(b.buffer, b.byteOffset, n);
}

function swapBytes(b: Uint8Array, size: number): void {
  for (let i = 0; i < b.length; i += size) {
    for (let lo = i, hi = i + size - 1; lo < hi; lo++, hi--) {
      const x = b[lo]!;
      b[lo] = b[hi]!;
      b[hi] = x;
    }
  }
}

function typed(dtype: DType, raw: Uint8Array, name: string): Tensor['data'] {
  const n = raw.byteLength;
  switch (dtype) {
    case 'float32':
      return new Float32Array(raw.buffer, 0, n / 4);
    case 'float64':
      return new Float64Array(raw.buffer, 0, n / 8);
    case 'int64':
      return new BigInt64Array(raw.buffer, 0, n / 8);
    case 'int32':
      return new Int32Array(raw.buffer, 0, n / 4);
    case 'uint8':
    case 'bool':
      return raw;
    case 'float16':
    case 'bfloat16': {
      const half = new Uint16Array(raw.buffer, 0, n / 2);
      const out = new Uint32Array(allocate(half.length * 4, `tensor '${name}'`).buffer);
      if (dtype === 'bfloat16') for (let i = 0; i < half.length; i++) out[i] = half[i]! << 16;
      else {
        const table = halfTable();
        for (let i = 0; i < half.length; i++) out[i] = table[half[i]!]!;
      }
      return new Float32Array(out.buffer);
    }
  }
}

let HALF_BITS: Uint32Array | null = null;

/** float32 bit patterns of all 65536 float16 values (exact, NaN payloads kept, as torch's .float()). */
function halfTable(): Uint32Array {
  if (HALF_BITS) return HALF_BITS;
  const bits = new Uint32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = (h & 0x8000) << 16;
    let exp = (h >> 10) & 0x1f;
    let mant = h & 0x3ff;
    if (exp === 0x1f) bits[h] = sign | 0x7f800000 | (mant << 13);
    else if (exp !== 0) bits[h] = sign | ((exp + 112) << 23) | (mant << 13);
    else if (mant === 0) bits[h] = sign;
    else {
      exp = 113; // subnormal: normalise the mantissa
      while (!(mant & 0x400)) {
        mant <<= 1;
        exp--;
      }
      bits[h] = sign | (exp << 23) | ((mant & 0x3ff) << 13);
    }
  }
  return (HALF_BITS = bits);
}

/** The converter's view of a tensor: float32 values (float64 rounded, integers and bools converted). */
export function toFloat32(t: Tensor): Float32Tensor {
  const shape = [...t.shape];
  const data = t.data;
  if (data instanceof Float32Array) return { shape, data };
  if (data instanceof BigInt64Array) {
    const out = new Float32Array(data.length);
    for (let i = 0; i < data.length; i++) out[i] = Number(data[i]!);
    return { shape, data: out };
  }
  return { shape, data: new Float32Array(data) };
}
