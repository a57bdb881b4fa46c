/*
 * Shared definitions of the lens kernels. One source builds two WebAssembly files:
 * LENS_RELAXED uses relaxed SIMD's fused multiply-add, otherwise plain SIMD128 multiply + add.
 * Layouts: activations are CHW float32 (one image); every activation buffer has at least 16
 * readable floats after its end (the GEMM reads whole 8-column panels).
 */
#ifndef LENS_H
#define LENS_H
#include <stdint.h>
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name))) name

#ifdef LENS_RELAXED
/* a * b + c, fused where the engine fuses it (relaxed semantics: either is allowed). */
#define VFMA(c, a, b) __builtin_wasm_relaxed_madd_f32x4((a), (b), (c))
#else
#define VFMA(c, a, b) wasm_f32x4_add((c), wasm_f32x4_mul((a), (b)))
#endif

/* Clamp to [lo, hi]: none is (-inf, inf), Relu (0, inf), Clip (min, max). */
static inline v128_t vclamp(v128_t x, v128_t lo, v128_t hi) {
  return wasm_f32x4_pmin(wasm_f32x4_pmax(x, lo), hi);
}
static inline float sclamp(float x, float lo, float hi) {
  x = x < lo ? lo : x;
  return x > hi ? hi : x;
}

/*
 * int8 (int8.c, int8wino.c): requantizes 4 int32 sums as onnxruntime's QLinearConv does and stores
 * `cols` of them (none when cols <= 0) as uint8: clamp(nearest_even(float(acc + bias) * scale),
 * lo, hi) + z, with lo, hi the clamp less the zero point z.
 */
static inline void store_q4(v128_t acc, int32_t bias, float scale, v128_t lo, v128_t hi, v128_t z,
                             uint8_t *c, int cols) {
  if (cols <= 0) return;
  v128_t v = wasm_f32x4_convert_i32x4(wasm_i32x4_add(acc, wasm_i32x4_splat(bias)));
  v = wasm_f32x4_mul(v, wasm_f32x4_splat(scale));
  v = wasm_f32x4_nearest(wasm_f32x4_pmin(wasm_f32x4_pmax(v, lo), hi));
  v = wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(v), z);
  const v128_t h = wasm_i16x8_narrow_i32x4(v, v);
  const v128_t b = wasm_u8x16_narrow_i16x8(h, h);
  if (cols >= 4) {
    wasm_v128_store32_lane(c, b, 0);
    return;
  }
  uint8_t tmp[16] __attribute__((aligned(16)));
  wasm_v128_store(tmp, b);
  for (int j = 0; j < cols; j++) c[j] = tmp[j];
}

void lens_gemm_f32_4x8(int M, int N, int K, const float *A, const float *B, int ldb, int pstride,
                       float *C, int ldc, const float *bias, float lo, float hi);
#endif
