/*
 * Convolutions that are not Winograd's: im2col + GEMM for any kernel, stride and padding
 * (groups 1), the depthwise convolution, global average pooling and the classifier's GEMV,
 * each with a scalar reference where the fast one is not already scalar.
 */
#include "lens.h"

/*
 * The GEMM's B of a convolution, panel-packed, panels [p0, p1) (threads split the panels): row
 * k = (ci * kh + ky) * kw + kx, column n = oy * Wo + ox, at col[(n / 8) * K * 8 + k * 8 + n % 8]
 * (K = cin kh kw). A panel is written front to back, one row of 8 columns at a time; columns past
 * Ho Wo are zero. Panels whose 8 pixels lie in one output row and read no padding (most of them
 * where Wo is a multiple of 8) are gathered with vector loads: two for stride 1, four and two
 * shuffles for stride 2 (the last load reads one float past the pixels, within the buffer's
 * slack); other panels take each pixel's offset once and check the bounds per row k.
 */
void EXPORT(lens_im2col)(const float *x, int cin, int H, int W, int kh, int kw, int sh, int sw,
                         int pt, int pl, int Ho, int Wo, float *col, int p0, int p1) {
  const int K = cin * kh * kw, N = Ho * Wo, HW = H * W;
  for (int p = p0; p < p1; p++) {
    float *dst = col + (long)p * K * 8;
    const int n0 = p * 8, oy = n0 / Wo, ox = n0 % Wo;
    const int iy0 = oy * sh - pt, ix0 = ox * sw - pl;
    const int fast = n0 + 7 < N && ox + 7 < Wo && iy0 >= 0 && iy0 + kh <= H && ix0 >= 0 &&
                     ix0 + 7 * sw + kw <= W && (sw == 1 || sw == 2);
    if (fast) {
      for (int ci = 0; ci < cin; ci++)
        for (int ky = 0; ky < kh; ky++) {
          const float *row = x + (long)ci * HW + (iy0 + ky) * W + ix0;
          for (int kx = 0; kx < kw; kx++, dst += 8) {
            const float *s = row + kx;
            if (sw == 1) {
              wasm_v128_store(dst, wasm_v128_load(s));
              wasm_v128_store(dst + 4, wasm_v128_load(s + 4));
            } else {
              const v128_t a = wasm_v128_load(s), b = wasm_v128_load(s + 4);
              const v128_t c = wasm_v128_load(s + 8), d = wasm_v128_load(s + 12);
              wasm_v128_store(dst, wasm_i32x4_shuffle(a, b, 0, 2, 4, 6));
              wasm_v128_store(dst + 4, wasm_i32x4_shuffle(c, d, 0, 2, 4, 6));
            }
          }
        }
      continue;
    }
    int y0[8], x0[8];
    for (int j = 0; j < 8; j++) {
      const int n = n0 + j;
      /* A column past Ho Wo reads nothing: a row no kernel offset brings inside. */
      y0[j] = n < N ? (n / Wo) * sh - pt : -kh - H;
      x0[j] = n < N ? (n % Wo) * sw - pl : 0;
    }
    for (int ci = 0; ci < cin; ci++)
      for (int ky = 0; ky < kh; ky++)
        for (int kx = 0; kx < kw; kx++, dst += 8)
          for (int j = 0; j < 8; j++) {
            const int iy = y0[j] + ky, ix = x0[j] + kx;
            dst[j] = iy >= 0 && iy < H && ix >= 0 && ix < W ? x[(long)ci * HW + iy * W + ix] : 0.0f;
          }
  }
}

/* Scalar direct convolution (groups 1), the reference of both fast paths. w: [cout][cin][kh][kw]. */
void EXPORT(lens_conv_ref)(const float *x, int cin, int H, int W, const float *w, const float *bias,
                           int cout, int kh, int kw, int sh, int sw, int pt, int pl, float *y,
                           int Ho, int Wo, float lo, float hi) {
  for (int co = 0; co < cout; co++)
    for (int oy = 0; oy < Ho; oy++)
      for (int ox = 0; ox < Wo; ox++) {
        float s = bias ? bias[co] : 0.0f;
        for (int ci = 0; ci < cin; ci++)
          for (int ky = 0; ky < kh; ky++) {
            const int iy = oy * sh - pt + ky;
            if (iy < 0 || iy >= H) continue;
            for (int kx = 0; kx < kw; kx++) {
              const int ix = ox * sw - pl + kx;
              if (ix >= 0 && ix < W)
                s += w[((co * cin + ci) * kh + ky) * kw + kx] * x[(ci * H + iy) * W + ix];
            }
          }
        y[(co * Ho + oy) * Wo + ox] = sclamp(s, lo, hi);
      }
}

/* Depthwise convolution (groups = channels, one filter per channel). w: [C][kh][kw]. */
void EXPORT(lens_depthwise)(const float *x, int C, int H, int W, const float *w, const float *bias,
                            int kh, int kw, int sh, int sw, int pt, int pl, float *y, int Ho,
                            int Wo, float lo, float hi) {
  for (int c = 0; c < C; c++) {
    const float *xc = x + c * H * W, *wc = w + c * kh * kw;
    for (int oy = 0; oy < Ho; oy++)
      for (int ox = 0; ox < Wo; ox++) {
        float s = bias ? bias[c] : 0.0f;
        for (int ky = 0; ky < kh; ky++) {
          const int iy = oy * sh - pt + ky;
          if (iy < 0 || iy >= H) continue;
          for (int kx = 0; kx < kw; kx++) {
            const int ix = ox * sw - pl + kx;
            if (ix >= 0 && ix < W) s += wc[ky * kw + kx] * xc[iy * W + ix];
          }
        }
        y[(c * Ho + oy) * Wo + ox] = sclamp(s, lo, hi);
      }
  }
}

static float hsum(v128_t v) {
  return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) +
         wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3);
}

/* y[c] = mean of x[c][0..HW). */
void EXPORT(lens_global_avg_pool)(const float *x, int C, int HW, float *y) {
  for (int c = 0; c < C; c++) {
    const float *p = x + c * HW;
    v128_t acc = wasm_f32x4_splat(0.0f);
    int i = 0;
    for (; i + 4 <= HW; i += 4) acc = wasm_f32x4_add(acc, wasm_v128_load(p + i));
    float s = hsum(acc);
    for (; i < HW; i++) s += p[i];
    y[c] = s / (float)HW;
  }
}

/* y[m] = bias[m] + sum_k w[m][k] x[k] (w row-major [M][K]), the classifier of one image. */
void EXPORT(lens_gemv_f32)(int M, int K, const float *w, const float *x, const float *bias,
                           float *y) {
  for (int m = 0; m < M; m++) {
    const float *row = w + m * K;
    v128_t a0 = wasm_f32x4_splat(0.0f), a1 = a0;
    int k = 0;
    for (; k + 8 <= K; k += 8) {
      a0 = VFMA(a0, wasm_v128_load(row + k), wasm_v128_load(x + k));
      a1 = VFMA(a1, wasm_v128_load(row + k + 4), wasm_v128_load(x + k + 4));
    }
    float s = hsum(wasm_f32x4_add(a0, a1));
    for (; k < K; k++) s += row[k] * x[k];
    y[m] = s + (bias ? bias[m] : 0.0f);
  }
}
