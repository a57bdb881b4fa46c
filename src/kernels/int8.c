/*
 * int8 convolutions: uint8 activations x int8 weights, accumulated exactly in int32 and
 * requantized in the store as onnxruntime's QLinearConv does (MLAS MlasRequantizeOutput):
 *   q = clamp(nearest_even(float(acc + bias) * scale), lo - zp, hi - zp) + zp,
 * scale = x_scale * w_scale[m] / y_scale in float32 (computed by the caller). Activations are CHW
 * uint8 (one image); a convolution is im2col (uint8 panels) + the GEMM below.
 *
 * Layouts.
 * - A (weights), packed once at load: blocks of 4 rows; within a block, for each quad of k
 *   (K padded to Kp, a multiple of 4, with zero weights), 16 bytes: row r's w[k..k+3] at 4 r.
 *   Rows past M are zero.
 * - B (im2col), panels of 4 columns: element (k, n) at B[(n / 4) * Kp * 4 + (k / 4) * 16 +
 *   (n % 4) * 4 + k % 4]: one 16-byte vector holds 4 k of 4 columns, each panel one sequential
 *   stream. A convolution's k runs (ky, kx, channel), channels padded to a multiple of 4. The activations' zero point is folded into the bias by the caller
 *   (bias[m] - zx * sum_k w[m][k]), so padding is written as zx and contributes nothing.
 *
 * Dot products.
 * - SIMD128: uint8 and int8 widened to int16, `i32x4.dot_i16x8_s` (8 multiply-adds per
 *   instruction, exact).
 * - Relaxed: `i32x4.relaxed_dot_i8x16_i7x16_add_s` (16 multiply-adds and the add in one) is exact
 *   only when the second operand fits 7 bits (0..127); uint8 activations do not. So each
 *   activation x is split as (x & 127) + 128 (x >> 7): two exact dots, two accumulator sets, the
 *   high one shifted by 7 at the end (mode 1). Mode 2 makes one dot of the whole byte: valid only
 *   where the engine reads the i7 operand as unsigned without saturating (V8 on x86 with VNNI),
 *   which `lens_qdot_probe` checks at load; the caller runs the best mode it allows.
 */
#include <stdint.h>
#include "lens.h"

/* y = clamp(nearest_even(x / scale) + zp, 0, 255): ONNX QuantizeLinear to uint8 (MLAS's order). */
void EXPORT(lens_quantize_u8)(const float *x, int n, float scale, int zp, uint8_t *y) {
  const v128_t s = wasm_f32x4_splat(scale);
  const v128_t lo = wasm_f32x4_splat((float)-zp), hi = wasm_f32x4_splat((float)(255 - zp));
  const v128_t z = wasm_i32x4_splat(zp);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t v = wasm_f32x4_div(wasm_v128_load(x + i), s);
    v = wasm_f32x4_nearest(wasm_f32x4_pmin(wasm_f32x4_pmax(v, lo), hi));
    v = wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(v), z);
    const v128_t h = wasm_i16x8_narrow_i32x4(v, v);
    wasm_v128_store32_lane(y + i, wasm_u8x16_narrow_i16x8(h, h), 0);
  }
  for (; i < n; i++) {
    float v = sclamp(x[i] / scale, (float)-zp, (float)(255 - zp));
    y[i] = (uint8_t)((int)__builtin_rintf(v) + zp);
  }
}

/* y = (x - zp) * scale: ONNX DequantizeLinear of uint8, in float32. */
void EXPORT(lens_dequantize_u8)(const uint8_t *x, int n, float scale, int zp, float *y) {
  for (int i = 0; i < n; i++) y[i] = (float)((int)x[i] - zp) * scale;
}

/*
 * The GEMM's B of a convolution, uint8 panels of 4 columns (layout above), panels [p0, p1).
 * Row k = (ky * kw + kx) * cp + ci, with cp = cin rounded up to 4 (the weights are packed in the
 * same order, zero for ci >= cin), so each 16-byte vector is 4 channels of 4 output pixels.
 * Column n = oy * Wo + ox; padding, channels past cin and columns past Ho Wo are `pad` (the zero
 * point). Panels whose 4 pixels lie in one output row and read no padding (most of them) are
 * gathered 4 channels at a time: one 8-byte load per channel and one shuffle (strides 1 and 2).
 */
void EXPORT(lens_im2col_u8)(const uint8_t *x, int cin, int H, int W, int kh, int kw, int sh, int sw,
                            int pt, int pl, int Ho, int Wo, int pad, uint8_t *col, int p0, int p1) {
  const int cp = (cin + 3) & ~3, Kp = kh * kw * cp, N = Ho * Wo, HW = H * W;
  for (int p = p0; p < p1; p++) {
    uint8_t *panel = col + (long)p * Kp * 4;
    const int n0 = p * 4, oy = n0 / Wo, ox = n0 % Wo;
    const int iy0 = oy * sh - pt, ix0 = ox * sw - pl;
    const int fast = n0 + 3 < N && ox + 3 < Wo && iy0 >= 0 && iy0 + kh <= H && ix0 >= 0 &&
                     ix0 + 3 * sw + kw <= W && sh <= 2 && sw <= 2;
    if (fast) {
      /* Channels past cin (the last group of 4 when cin is not a multiple of 4) read padding. */
      uint8_t padrow[8];
      for (int j = 0; j < 8; j++) padrow[j] = (uint8_t)pad;
      uint8_t *dst = panel;
      for (int ky = 0; ky < kh; ky++)
        for (int kx = 0; kx < kw; kx++) {
          const uint8_t *src = x + (iy0 + ky) * W + ix0 + kx;
          for (int c = 0; c < cp; c += 4, dst += 16) {
            const uint8_t *s0 = src + (long)c * HW;
            const uint8_t *s1 = c + 1 < cin ? s0 + HW : padrow;
            const uint8_t *s2 = c + 2 < cin ? s0 + 2 * HW : padrow;
            const uint8_t *s3 = c + 3 < cin ? s0 + 3 * HW : padrow;
            v128_t a = wasm_v128_load64_zero(s0);
            a = wasm_v128_load64_lane(s1, a, 1);
            v128_t b = wasm_v128_load64_zero(s2);
            b = wasm_v128_load64_lane(s3, b, 1);
            /* out[4 j + c] = channel c's byte sw * j: channels 0, 1 in a, 2, 3 in b. */
            const v128_t v =
                sw == 1 ? wasm_i8x16_shuffle(a, b, 0, 8, 16, 24, 1, 9, 17, 25, 2, 10, 18, 26, 3, 11,
                                             19, 27)
                        : wasm_i8x16_shuffle(a, b, 0, 8, 16, 24, 2, 10, 18, 26, 4, 12, 20, 28, 6, 14,
                                             22, 30);
            wasm_v128_store(dst, v);
          }
        }
      continue;
    }
    for (int j = 0; j < 4; j++) {
      const int n = n0 + j;
      uint8_t *dst = panel + j * 4;
      const int valid = n < N;
      const int y0 = (n / Wo) * sh - pt, x0 = (n % Wo) * sw - pl;
      int k = 0;
      for (int ky = 0; ky < kh; ky++)
        for (int kx = 0; kx < kw; kx++) {
          const int iy = y0 + ky, ix = x0 + kx;
          const int in = valid && iy >= 0 && iy < H && ix >= 0 && ix < W;
          const uint8_t *src = x + iy * W + ix;
          for (int c = 0; c < cp; c++, k++)
            dst[(k >> 2) * 16 + (k & 3)] = in && c < cin ? src[(long)c * HW] : (uint8_t)pad;
        }
    }
  }
}

/* The int16 tile (both builds): uint8 and int8 widened, `i32x4.dot_i16x8_s`. Per row, e holds
 * columns 0-1 and o columns 2-3, each lane a pair of k (the pairs are summed at the end). */
static inline void tile_i16(int quads, const int8_t *restrict a, const uint8_t *restrict b,
                            v128_t acc[4]) {
  v128_t e0 = wasm_i32x4_splat(0), e1 = e0, e2 = e0, e3 = e0, o0 = e0, o1 = e0, o2 = e0, o3 = e0;
  for (int q = 0; q < quads; q++, a += 16, b += 16) {
    const v128_t x = wasm_v128_load(b);
    const v128_t xl = wasm_u16x8_extend_low_u8x16(x), xh = wasm_u16x8_extend_high_u8x16(x);
    v128_t w = wasm_i16x8_extend_low_i8x16(wasm_v128_load32_splat(a));
    e0 = wasm_i32x4_add(e0, wasm_i32x4_dot_i16x8(xl, w));
    o0 = wasm_i32x4_add(o0, wasm_i32x4_dot_i16x8(xh, w));
    w = wasm_i16x8_extend_low_i8x16(wasm_v128_load32_splat(a + 4));
    e1 = wasm_i32x4_add(e1, wasm_i32x4_dot_i16x8(xl, w));
    o1 = wasm_i32x4_add(o1, wasm_i32x4_dot_i16x8(xh, w));
    w = wasm_i16x8_extend_low_i8x16(wasm_v128_load32_splat(a + 8));
    e2 = wasm_i32x4_add(e2, wasm_i32x4_dot_i16x8(xl, w));
    o2 = wasm_i32x4_add(o2, wasm_i32x4_dot_i16x8(xh, w));
    w = wasm_i16x8_extend_low_i8x16(wasm_v128_load32_splat(a + 12));
    e3 = wasm_i32x4_add(e3, wasm_i32x4_dot_i16x8(xl, w));
    o3 = wasm_i32x4_add(o3, wasm_i32x4_dot_i16x8(xh, w));
  }
#define PAIRS(e, o)                                                                                \
  wasm_i32x4_add(wasm_i32x4_shuffle(e, o, 0, 2, 4, 6), wasm_i32x4_shuffle(e, o, 1, 3, 5, 7))
  acc[0] = PAIRS(e0, o0);
  acc[1] = PAIRS(e1, o1);
  acc[2] = PAIRS(e2, o2);
  acc[3] = PAIRS(e3, o3);
#undef PAIRS
}

#ifdef LENS_RELAXED
#define RDOT(a, b, c) __builtin_wasm_relaxed_dot_i8x16_i7x16_add_s_i32x4((a), (b), (c))
/* Relaxed, exact: x = (x & 127) + 128 (x >> 7), two 7-bit dots, two accumulator sets. */
static inline void tile_split(int quads, const int8_t *restrict a, const uint8_t *restrict b,
                              v128_t acc[4]) {
  v128_t l0 = wasm_i32x4_splat(0), l1 = l0, l2 = l0, l3 = l0, h0 = l0, h1 = l0, h2 = l0, h3 = l0;
  const v128_t low7 = wasm_i8x16_splat(0x7f);
  for (int q = 0; q < quads; q++, a += 16, b += 16) {
    const v128_t x = wasm_v128_load(b);
    const v128_t lo = wasm_v128_and(x, low7), hi = wasm_u8x16_shr(x, 7);
    v128_t w = wasm_v128_load32_splat(a);
    l0 = RDOT(w, lo, l0);
    h0 = RDOT(w, hi, h0);
    w = wasm_v128_load32_splat(a + 4);
    l1 = RDOT(w, lo, l1);
    h1 = RDOT(w, hi, h1);
    w = wasm_v128_load32_splat(a + 8);
    l2 = RDOT(w, lo, l2);
    h2 = RDOT(w, hi, h2);
    w = wasm_v128_load32_splat(a + 12);
    l3 = RDOT(w, lo, l3);
    h3 = RDOT(w, hi, h3);
  }
  acc[0] = wasm_i32x4_add(l0, wasm_i32x4_shl(h0, 7));
  acc[1] = wasm_i32x4_add(l1, wasm_i32x4_shl(h1, 7));
  acc[2] = wasm_i32x4_add(l2, wasm_i32x4_shl(h2, 7));
  acc[3] = wasm_i32x4_add(l3, wasm_i32x4_shl(h3, 7));
}

/* Relaxed, one dot of the whole byte: exact only where lens_qdot_probe answered 2. */
static inline void tile_wide(int quads, const int8_t *restrict a, const uint8_t *restrict b,
                             v128_t acc[4]) {
  v128_t l0 = wasm_i32x4_splat(0), l1 = l0, l2 = l0, l3 = l0;
  for (int q = 0; q < quads; q++, a += 16, b += 16) {
    const v128_t x = wasm_v128_load(b);
    l0 = RDOT(wasm_v128_load32_splat(a), x, l0);
    l1 = RDOT(wasm_v128_load32_splat(a + 4), x, l1);
    l2 = RDOT(wasm_v128_load32_splat(a + 8), x, l2);
    l3 = RDOT(wasm_v128_load32_splat(a + 12), x, l3);
  }
  acc[0] = l0, acc[1] = l1, acc[2] = l2, acc[3] = l3;
}
#endif

#ifdef LENS_RELAXED
/* Mode 2 on two panels at once (4 rows x 8 columns): 8 accumulators, each weight splat feeds two
 * dots, so loads per dot fall from 5/4 to 6/8. */
static inline void tile_wide_4x8(int quads, const int8_t *restrict a, const uint8_t *restrict b0,
                                 const uint8_t *restrict b1, v128_t acc[8]) {
  v128_t l0 = wasm_i32x4_splat(0), l1 = l0, l2 = l0, l3 = l0, r0 = l0, r1 = l0, r2 = l0, r3 = l0;
  for (int q = 0; q < quads; q++, a += 16, b0 += 16, b1 += 16) {
    const v128_t x = wasm_v128_load(b0), y = wasm_v128_load(b1);
    v128_t w = wasm_v128_load32_splat(a);
    l0 = RDOT(w, x, l0);
    r0 = RDOT(w, y, r0);
    w = wasm_v128_load32_splat(a + 4);
    l1 = RDOT(w, x, l1);
    r1 = RDOT(w, y, r1);
    w = wasm_v128_load32_splat(a + 8);
    l2 = RDOT(w, x, l2);
    r2 = RDOT(w, y, r2);
    w = wasm_v128_load32_splat(a + 12);
    l3 = RDOT(w, x, l3);
    r3 = RDOT(w, y, r3);
  }
  acc[0] = l0, acc[1] = l1, acc[2] = l2, acc[3] = l3;
  acc[4] = r0, acc[5] = r1, acc[6] = r2, acc[7] = r3;
}
#endif

/* 4 rows x 4 columns over Kp / 4 quads of k, by mode (see lens_qdot_probe). */
static inline void tile_4x4(int quads, const int8_t *restrict a, const uint8_t *restrict b,
                            v128_t acc[4], int mode) {
#ifdef LENS_RELAXED
  if (mode == 2) return tile_wide(quads, a, b, acc);
  if (mode == 1) return tile_split(quads, a, b, acc);
#endif
  (void)mode;
  tile_i16(quads, a, b, acc);
}

static void qgemm(int M, int N, int Kp, const int8_t *A, const uint8_t *B, uint8_t *C, int ldc,
                  const int32_t *bias, const float *scale, int zp, int qlo, int qhi, int mode) {
  const v128_t lo = wasm_f32x4_splat((float)(qlo - zp)), hi = wasm_f32x4_splat((float)(qhi - zp));
  const v128_t z = wasm_i32x4_splat(zp);
  const int quads = Kp / 4;
  /* Row chunks of A up to 256 KiB (L2); within a chunk, each B panel (Kp x 4 bytes, at most
   * 18 KiB in RepOpt-VGG) stays in L1 while the chunk's row blocks pass over it. */
  int step = (256 * 1024 / (Kp > 0 ? Kp : 1)) & ~3;
  if (step < 4) step = 4;
  for (int m0 = 0; m0 < M; m0 += step) {
    const int m1 = m0 + step < M ? m0 + step : M;
    int n = 0;
#ifdef LENS_RELAXED
    if (mode == 2)
      for (; n + 8 <= N; n += 8) {
        const uint8_t *b = B + (long)(n / 4) * Kp * 4;
        for (int m = m0; m < m1; m += 4) {
          v128_t acc[8];
          tile_wide_4x8(quads, A + (long)m * Kp, b, b + Kp * 4, acc);
          const int rows = M - m < 4 ? M - m : 4;
          for (int r = 0; r < rows; r++) {
            uint8_t *c = C + (long)(m + r) * ldc + n;
            store_q4(acc[r], bias[m + r], scale[m + r], lo, hi, z, c, 4);
            store_q4(acc[4 + r], bias[m + r], scale[m + r], lo, hi, z, c + 4, 4);
          }
        }
      }
#endif
    for (; n < N; n += 4) {
      const uint8_t *b = B + (long)(n / 4) * Kp * 4;
      const int cols = N - n < 4 ? N - n : 4;
      for (int m = m0; m < m1; m += 4) {
        v128_t acc[4];
        tile_4x4(quads, A + (long)m * Kp, b, acc, mode);
        const int rows = M - m < 4 ? M - m : 4;
        for (int r = 0; r < rows; r++)
          store_q4(acc[r], bias[m + r], scale[m + r], lo, hi, z, C + (long)(m + r) * ldc + n, cols);
      }
    }
  }
}

/*
 * C[m][n] (uint8, row-major, ldc) = requantized sum_k A[m][k] B[k][n] + bias[m], rows [0, M).
 * A and B as in the header; `qlo`/`qhi` the output's clamp in uint8 (0/255, or the zero point for a
 * fused Relu); `mode` 0 (int16 dot), 1 or 2 (relaxed, only what lens_qdot_probe allows).
 */
void EXPORT(lens_qgemm_u8i8)(int M, int N, int Kp, const int8_t *A, const uint8_t *B, uint8_t *C,
                             int ldc, const int32_t *bias, const float *scale, int zp, int qlo,
                             int qhi, int mode) {
  qgemm(M, N, Kp, A, B, C, ldc, bias, scale, zp, qlo, qhi, mode);
}

/* One relaxed dot of a (int8) and b (bytes) into lane `lane`, against the exact sum. */
#ifdef LENS_RELAXED
static int dot_exact(const int8_t *ca, const uint8_t *cb) {
  /* Copied through volatile so that the compiler cannot fold the dot into a constant. */
  int8_t a[16] __attribute__((aligned(16)));
  uint8_t b[16] __attribute__((aligned(16)));
  for (int i = 0; i < 16; i++) {
    a[i] = ((volatile const int8_t *)ca)[i];
    b[i] = ((volatile const uint8_t *)cb)[i];
  }
  const v128_t r = RDOT(wasm_v128_load(a), wasm_v128_load(b), wasm_i32x4_splat(0));
  int32_t got[4] __attribute__((aligned(16)));
  wasm_v128_store(got, r);
  for (int i = 0; i < 4; i++) {
    int32_t want = 0;
    for (int j = 0; j < 4; j++) want += (int32_t)a[4 * i + j] * (int32_t)b[4 * i + j];
    if (got[i] != want) return 0;
  }
  return 1;
}
#endif

/*
 * Which relaxed dot this engine computes exactly: 2 when bytes above 127 are read as unsigned and
 * the pairwise sums do not saturate (VNNI's vpdpbusd: chromium 156 on x86 here), 1 when only
 * 7-bit values are exact (the specified part), 0 when not even those (Node 20's V8 11.3 returns
 * twice the dot product) and always in the SIMD128 build: then the int16 dot runs.
 */
int EXPORT(lens_qdot_probe)(void) {
#ifdef LENS_RELAXED
  static const int8_t w7[16] = {1, -1, 2, 3, -128, 127, -128, 127, 5, -7, 11, -13, 0, 1, -1, 64};
  static const uint8_t x7[16] = {1, 1, 1, 1, 127, 127, 127, 127, 3, 0, 127, 99, 1, 2, 3, 4};
  static const int8_t w8[16] = {-128, -128, -128, -128, 127, 127, 127, 127,
                                -128, 127,  -128, 127,  1,   -1,  -128, 127};
  static const uint8_t x8[16] = {255, 255, 255, 255, 255, 255, 255, 255,
                                 255, 255, 128, 200, 129, 255, 0,   255};
  if (!dot_exact(w7, x7)) return 0;
  return dot_exact(w8, x8) ? 2 : 1;
#else
  return 0;
#endif
}

/*
 * y[m] = float(bias[m] + sum_k w[m][k] x[k]) * scale[m] (w int8 row-major [M][K], x uint8): the
 * classifier, as onnxruntime's QGemm with a float output. The zero point is in `bias`.
 */
void EXPORT(lens_qgemv_u8i8)(int M, int K, const int8_t *w, const uint8_t *x, const int32_t *bias,
                             const float *scale, float *y) {
  for (int m = 0; m < M; m++) {
    const int8_t *row = w + (long)m * K;
    v128_t acc = wasm_i32x4_splat(0);
    int k = 0;
    for (; k + 8 <= K; k += 8)
      acc = wasm_i32x4_add(acc, wasm_i32x4_dot_i16x8(wasm_u16x8_load8x8(x + k),
                                                     wasm_i16x8_load8x8(row + k)));
    int32_t s = wasm_i32x4_extract_lane(acc, 0) + wasm_i32x4_extract_lane(acc, 1) +
                wasm_i32x4_extract_lane(acc, 2) + wasm_i32x4_extract_lane(acc, 3);
    for (; k < K; k++) s += (int32_t)row[k] * (int32_t)x[k];
    y[m] = (float)(s + bias[m]) * scale[m];
  }
}

/*
 * Scalar reference of a quantized convolution (groups 1 or depthwise), weights as ONNX stores
 * them ([cout][cin / groups][kh][kw] int8, zero point 0), `bias` int32 (not folded), x uint8 with
 * zero point zx; the requantization as in the header.
 */
void EXPORT(lens_qconv_ref)(const uint8_t *x, int cin, int H, int W, int zx, const int8_t *w,
                            const int32_t *bias, int cout, int groups, int kh, int kw, int sh,
                            int sw, int pt, int pl, uint8_t *y, int Ho, int Wo, const float *scale,
                            int zp, int qlo, int qhi) {
  const int cpg = cin / groups, opg = cout / groups;
  for (int co = 0; co < cout; co++) {
    const int g = co / opg;
    for (int oy = 0; oy < Ho; oy++)
      for (int ox = 0; ox < Wo; ox++) {
        int32_t acc = bias ? bias[co] : 0;
        for (int c = 0; c < cpg; c++)
          for (int ky = 0; ky < kh; ky++) {
            const int iy = oy * sh - pt + ky;
            if (iy < 0 || iy >= H) continue;
            for (int kx = 0; kx < kw; kx++) {
              const int ix = ox * sw - pl + kx;
              if (ix < 0 || ix >= W) continue;
              acc += ((int32_t)x[((g * cpg + c) * H + iy) * W + ix] - zx) *
                     (int32_t)w[((co * cpg + c) * kh + ky) * kw + kx];
            }
          }
        float v = sclamp((float)acc * scale[co], (float)(qlo - zp), (float)(qhi - zp));
        y[(co * Ho + oy) * Wo + ox] = (uint8_t)((int)__builtin_rintf(v) + zp);
      }
  }
}

/*
 * Depthwise (groups = channels): the scalar loop above on channels [0, C) of the pointers given
 * (the caller offsets them per thread). Depthwise layers are a small share of GhostNet's work.
 */
void EXPORT(lens_qdepthwise_u8)(const uint8_t *x, int C, int H, int W, int zx, const int8_t *w,
                                const int32_t *bias, int kh, int kw, int sh, int sw, int pt, int pl,
                                uint8_t *y, int Ho, int Wo, const float *scale, int zp, int qlo,
                                int qhi) {
  lens_qconv_ref(x, C, H, W, zx, w, bias, C, C, kh, kw, sh, sw, pt, pl, y, Ho, Wo, scale, zp, qlo,
                 qhi);
}
