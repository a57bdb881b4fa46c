/*
 * Shared definitions of the lens kernels. One source builds two WebAssembly files:
 * LENS_RELAXED uses relaxed SIMD's fused multiply-add, otherwise plain SIMD128 multiply + add.
 * Layouts: activations are CHW float32 (one image); every activation buffer has at least 16
 * readable floats after its end (the GEMM reads whole 8-column panels).
 */
#ifndef LENS_H
#define LENS_H
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

void lens_gemm_f32_4x8(int M, int N, int K, const float *A, const float *B, int ldb, int pstride,
                       float *C, int ldc, const float *bias, float lo, float hi);
#endif
