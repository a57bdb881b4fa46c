/** IEEE 754 half precision from a JS number (float64), rounded once, to nearest even. */

const roundHalfEven = (v: number): number => {
  const r = Math.round(v);
  // Math.round rounds .5 up; ties go to the even neighbour instead
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
};

// The binary exponent is read from the float64's bits (Math.log2 made this 10x slower).
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const HIGH_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
/** 2^-e for the normal half exponents e = -14..15. */
const INV_POW2 = Array.from({ length: 30 }, (_, i) => 2 ** -(i - 14));

/** The float16 bit pattern of `x` (overflow to +-Infinity, NaN kept, subnormals exact). */
export function float16Bits(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  // 65504 is the largest half; from the midpoint to the next power of two up, it rounds to inf
  if (a >= 65520) return sign | 0x7c00;
  // subnormal range: multiples of 2^-24 (a result of 1024 is the smallest normal, same bits)
  if (a < 2 ** -14) return sign | roundHalfEven(a * 2 ** 24);
  f64[0] = a;
  const e = ((u32[HIGH_WORD]! >>> 20) & 0x7ff) - 1023;
  // a * 2^-e is exact and lies in [1, 2); a carry into the exponent adds correctly
  const m = roundHalfEven((a * INV_POW2[e + 14]! - 1) * 1024);
  return sign | (((e + 15) << 10) + m);
}

/** The value of a float16 bit pattern. */
export function float16Value(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const e = (bits >> 10) & 0x1f;
  const m = bits & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}
