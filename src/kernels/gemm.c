/*
 * f32 GEMM, 4x8 register tile: C[m][n] = clamp(bias[m] + sum_k A[m][k] B[k][n]).
 * V8 gives WebAssembly 15 usable SIMD registers on x86: 8 accumulators, 2 B vectors and one
 * broadcast A value fit; 6x8 spills (measured: 25 vs 11 GMAC/s).
 *
 * A is packed once at load: for each block of 4 rows, K x 4 floats (rows past M are zero).
 * B is read in panels of 8 columns: element (k, n) is at B[(n / 8) * pstride + k * ldb + n % 8],
 * so one call takes a row-major B (ldb = row length, pstride = 8) or a panel-packed one (ldb = 8,
 * pstride = 8 K: each panel is read sequentially, as im2col and the Winograd input transform
 * write it). Panels are readable in full (callers pad the last one).
 */
#include "lens.h"

static void tile_4x8(int K, const float *restrict a, const float *restrict b, int ldb,
                     float *restrict c, int ldc, int rows, int cols, const float *bias, float lo,
                     float hi) {
  v128_t c00, c01, c10, c11, c20, c21, c30, c31;
  if (bias) {
    c00 = c01 = wasm_f32x4_splat(bias[0]);
    c10 = c11 = wasm_f32x4_splat(bias[1]);
    c20 = c21 = wasm_f32x4_splat(bias[2]);
    c30 = c31 = wasm_f32x4_splat(bias[3]);
  } else {
    c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = wasm_f32x4_splat(0.0f);
  }
  for (int k = 0; k < K; k++) {
    const v128_t b0 = wasm_v128_load(b);
    const v128_t b1 = wasm_v128_load(b + 4);
    b += ldb;
    v128_t av = wasm_v128_load32_splat(a);
    c00 = VFMA(c00, av, b0);
    c01 = VFMA(c01, av, b1);
    av = wasm_v128_load32_splat(a + 1);
    c10 = VFMA(c10, av, b0);
    c11 = VFMA(c11, av, b1);
    av = wasm_v128_load32_splat(a + 2);
    c20 = VFMA(c20, av, b0);
    c21 = VFMA(c21, av, b1);
    av = wasm_v128_load32_splat(a + 3);
    c30 = VFMA(c30, av, b0);
    c31 = VFMA(c31, av, b1);
    a += 4;
  }
  const v128_t vlo = wasm_f32x4_splat(lo), vhi = wasm_f32x4_splat(hi);
  v128_t out[8] = {vclamp(c00, vlo, vhi), vclamp(c01, vlo, vhi), vclamp(c10, vlo, vhi),
                   vclamp(c11, vlo, vhi), vclamp(c20, vlo, vhi), vclamp(c21, vlo, vhi),
                   vclamp(c30, vlo, vhi), vclamp(c31, vlo, vhi)};
  if (cols == 8) {
    for (int r = 0; r < rows; r++) {
      wasm_v128_store(c + r * ldc, out[2 * r]);
      wasm_v128_store(c + r * ldc + 4, out[2 * r + 1]);
    }
  } else {
    float tmp[32] __attribute__((aligned(16)));
    for (int i = 0; i < 8; i++) wasm_v128_store(tmp + 4 * i, out[i]);
    for (int r = 0; r < rows; r++)
      for (int j = 0; j < cols; j++) c[r * ldc + j] = tmp[8 * r + j];
  }
}

void EXPORT(lens_gemm_f32_4x8)(int M, int N, int K, const float *A, const float *B, int ldb,
                               int pstride, float *C, int ldc, const float *bias, float lo,
                               float hi) {
  /*
   * Loop order by what fits where. B within 32 KiB (the Winograd GEMMs, whose blocks are sized
   * for it): row blocks outer, so B stays in L1 and A streams exactly once (it is the big one).
   * Otherwise (im2col): row chunks of A up to 512 KiB (L2), and within a chunk each 8-column B
   * panel (one sequential stream) stays in L1 while the chunk's row blocks pass over it. Stage 4
   * of B1 (M 2048, K 4608, N 49) then reads its 38 MB of weights from memory once.
   */
  const int mc = (long)K * N * 4 <= 32 * 1024 ? M : ((512 * 1024 / 4) / (K > 0 ? K : 1)) & ~3;
  const int step = mc < 4 ? 4 : mc;
  for (int m0 = 0; m0 < M; m0 += step) {
    const int m1 = m0 + step < M ? m0 + step : M;
    if (step == M)
      for (int m = m0; m < m1; m += 4)
        for (int n = 0; n < N; n += 8)
          tile_4x8(K, A + m * K, B + (n / 8) * pstride, ldb, C + m * ldc + n, ldc,
                   M - m < 4 ? M - m : 4, N - n < 8 ? N - n : 8, bias ? bias + m : 0, lo, hi);
    else
      for (int n = 0; n < N; n += 8)
        for (int m = m0; m < m1; m += 4)
          tile_4x8(K, A + m * K, B + (n / 8) * pstride, ldb, C + m * ldc + n, ldc,
                   M - m < 4 ? M - m : 4, N - n < 8 ? N - n : 8, bias ? bias + m : 0, lo, hi);
  }
}

/* The scalar reference of the same contract (A packed the same way). */
void EXPORT(lens_gemm_f32_ref)(int M, int N, int K, const float *A, const float *B, int ldb,
                               int pstride, float *C, int ldc, const float *bias, float lo,
                               float hi) {
  for (int m = 0; m < M; m++)
    for (int n = 0; n < N; n++) {
      float s = bias ? bias[m] : 0.0f;
      for (int k = 0; k < K; k++) s += A[(m / 4) * 4 * K + k * 4 + m % 4] * B[(n / 8) * pstride + k * ldb + n % 8];
      C[m * ldc + n] = sclamp(s, lo, hi);
    }
}

/*
 * A [rows][k] row-major into the GEMM's A layout (blocks of 4 rows, K x 4 each; rows past `rows`
 * zero), at load: out holds ceil(rows / 4) * 4 * k floats.
 */
void EXPORT(lens_pack_rows4)(const float *a, int rows, int k, float *out) {
  const int padded = (rows + 3) & ~3;
  for (int r0 = 0; r0 < padded; r0 += 4) {
    float *o = out + (long)r0 * k;
    for (int r = 0; r < 4; r++) {
      const float *src = r0 + r < rows ? a + (long)(r0 + r) * k : 0;
      for (int i = 0; i < k; i++) o[i * 4 + r] = src ? src[i] : 0.0f;
    }
  }
}
