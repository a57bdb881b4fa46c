/*
 * int8 3x3 stride-1 convolutions as integer Winograd F(2x2, 3x3): exact, the same int32 sums as
 * the direct convolution (int8.c), so the same uint8 answers as onnxruntime's QLinearConv.
 *
 * Why it is exact. With d = x - zx (uint8 input less its zero point, |d| <= 255) and g the int8
 * weights, the transforms below use only integers:
 *   V = Bt d B        (entries 0, +-1: |V| <= 4 * 255 = 1020, fits int16)
 *   U = (2G) g (2G)t  (2G has entries 0, 1, +-1, 2: |U| <= 9 * 128 = 1152, fits int16)
 *   4 y = At [sum over channels of U . V] A
 * The sums run in int32 with wrap-around: every step is an addition, subtraction or
 * multiplication, so the result is right modulo 2^32, and it is exact wherever the true 4 y
 * fits int32: |4 y| <= 4 * cin * 9 * 255 * 128, so cin <= 1827 (the caller checks). Then y = 4 y
 * >> 2 exactly, the int32 bias is added and the store requantizes as the direct GEMM's (store_q4).
 * The products run as `i32x4.dot_i16x8_s` (8 multiply-adds per instruction, both builds): 16
 * per 4 outputs where the direct form has 36, so 2.25 times fewer. Where the engine's relaxed
 * dot takes whole bytes (int8.c's mode 2: 16 multiply-adds per instruction) the direct form wins
 * and the caller keeps it.
 *
 * Phases (the caller splits each over the threads, a barrier between them):
 *   1. lens_qwino_pad: the input copied into xp [cin][Hp][Wp] with zx around it (Hp = 2 th + 2,
 *      Wp = 2 tw + 2 for th x tw tiles), so every tile reads inside it.
 *   Then for each chunk of panels of 8 tiles (the caller bounds Mo's size):
 *   2. lens_qwino_input: V = Bt d B for the chunk's panels, two channels at a time.
 *   3. lens_qwino_gemm: for each of the 16 positions, Mo[pos] = U[pos] x V[pos] (int32).
 *   4. lens_qwino_output: At Mo A, >> 2, + bias, requantized into y (uint8, CHW).
 *
 * Layouts (int16 unless said; K2 = cin / 2 rounded up, P = panels of 8 tiles in the chunk, tile
 * t = ty tw + tx):
 * - U [16][cout / 4 blocks][K2][4 rows][2 channels]: per pair of channels, 4 rows' two weights.
 * - V [16][P][K2][8 tiles][2 channels].
 * - Mo int32 [16][cout rounded up to 4][P * 8].
 */
#include <stdint.h>
#include "lens.h"

/* U = (2G) g (2G)t for w [cout][cin][3][3] (int8), rows [m0, m1) of the packed layout above. */
void EXPORT(lens_qwino_pack)(const int8_t *w, int cout, int cin, int16_t *U, int m0, int m1) {
  const int K2 = (cin + 1) / 2, blocks = (cout + 3) / 4;
  for (int m = m0; m < m1; m++)
    for (int c = 0; c < 2 * K2; c++) {
      int u[4][4];
      if (m < cout && c < cin) {
        const int8_t *g = w + ((long)m * cin + c) * 9;
        int t[4][3]; /* (2G) g: rows 2 g0, g0 + g1 + g2, g0 - g1 + g2, 2 g2 */
        for (int j = 0; j < 3; j++) {
          t[0][j] = 2 * g[j];
          t[1][j] = g[j] + g[3 + j] + g[6 + j];
          t[2][j] = g[j] - g[3 + j] + g[6 + j];
          t[3][j] = 2 * g[6 + j];
        }
        for (int i = 0; i < 4; i++) {
          u[i][0] = 2 * t[i][0];
          u[i][1] = t[i][0] + t[i][1] + t[i][2];
          u[i][2] = t[i][0] - t[i][1] + t[i][2];
          u[i][3] = 2 * t[i][2];
        }
      } else {
        for (int i = 0; i < 16; i++) u[i / 4][i % 4] = 0;
      }
      for (int p = 0; p < 16; p++)
        U[(((long)p * blocks + m / 4) * K2 + c / 2) * 8 + (m % 4) * 2 + (c & 1)] =
            (int16_t)u[p / 4][p % 4];
    }
}

/* xp[c] = x[c] placed at (pt, pl) in an Hp x Wp plane of zx, channels [c0, c1). */
void EXPORT(lens_qwino_pad)(const uint8_t *x, int H, int W, int pt, int pl, int zx, uint8_t *xp,
                            int Hp, int Wp, int c0, int c1) {
  for (int c = c0; c < c1; c++) {
    const uint8_t *src = x + (long)c * H * W;
    uint8_t *dst = xp + (long)c * Hp * Wp;
    for (int r = 0; r < Hp; r++) {
      const int iy = r - pt;
      uint8_t *row = dst + (long)r * Wp;
      if (iy < 0 || iy >= H) {
        __builtin_memset(row, zx, Wp);
        continue;
      }
      const int left = pl < Wp ? pl : Wp;
      const int n = W < Wp - left ? W : Wp - left;
      __builtin_memset(row, zx, left);
      __builtin_memcpy(row + left, src + (long)iy * W, n);
      __builtin_memset(row + left + n, zx, Wp - left - n);
    }
  }
}

/*
 * The 16 transformed values of 8 tiles of one channel, as int16x8 vectors (lane = tile): each
 * tile's 4 x 4 patch gathered row by row (4 bytes per tile and row), less the zero point.
 */
static inline void input_tiles(const uint8_t *plane, const int *base, int Wp, v128_t z,
                               v128_t out[16]) {
  v128_t d[4][4];
  for (int i = 0; i < 4; i++) {
    const uint8_t *r = plane + (long)i * Wp;
    v128_t a = wasm_v128_load32_zero(r + base[0]);
    a = wasm_v128_load32_lane(r + base[1], a, 1);
    a = wasm_v128_load32_lane(r + base[2], a, 2);
    a = wasm_v128_load32_lane(r + base[3], a, 3);
    v128_t b = wasm_v128_load32_zero(r + base[4]);
    b = wasm_v128_load32_lane(r + base[5], b, 1);
    b = wasm_v128_load32_lane(r + base[6], b, 2);
    b = wasm_v128_load32_lane(r + base[7], b, 3);
    /* byte j of each tile: lanes 0-3 from a, 4-7 from b. */
    const v128_t j0 = wasm_i8x16_shuffle(a, b, 0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21,
                                         25, 29);
    const v128_t j1 = wasm_i8x16_shuffle(a, b, 2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23,
                                         27, 31);
    d[i][0] = wasm_i16x8_sub(wasm_u16x8_extend_low_u8x16(j0), z);
    d[i][1] = wasm_i16x8_sub(wasm_u16x8_extend_high_u8x16(j0), z);
    d[i][2] = wasm_i16x8_sub(wasm_u16x8_extend_low_u8x16(j1), z);
    d[i][3] = wasm_i16x8_sub(wasm_u16x8_extend_high_u8x16(j1), z);
  }
  /* Bt d: rows d0 - d2, d1 + d2, d2 - d1, d1 - d3; then the same along the columns. */
  v128_t t[4][4];
  for (int j = 0; j < 4; j++) {
    t[0][j] = wasm_i16x8_sub(d[0][j], d[2][j]);
    t[1][j] = wasm_i16x8_add(d[1][j], d[2][j]);
    t[2][j] = wasm_i16x8_sub(d[2][j], d[1][j]);
    t[3][j] = wasm_i16x8_sub(d[1][j], d[3][j]);
  }
  for (int i = 0; i < 4; i++) {
    out[4 * i + 0] = wasm_i16x8_sub(t[i][0], t[i][2]);
    out[4 * i + 1] = wasm_i16x8_add(t[i][1], t[i][2]);
    out[4 * i + 2] = wasm_i16x8_sub(t[i][2], t[i][1]);
    out[4 * i + 3] = wasm_i16x8_sub(t[i][1], t[i][3]);
  }
}

/*
 * V for panels [q0, q1) of 8 tiles (tiles past T repeat the last one: their columns are never
 * stored), into a buffer of P panels whose first is panel qbase. xp as lens_qwino_pad left it; tw
 * tiles per row.
 */
void EXPORT(lens_qwino_input)(const uint8_t *xp, int cin, int Hp, int Wp, int tw, int T, int zx,
                              int16_t *V, int P, int qbase, int q0, int q1) {
  const int K2 = (cin + 1) / 2;
  const v128_t z = wasm_i16x8_splat((int16_t)zx);
  const long plane = (long)Hp * Wp;
  for (int q = q0; q < q1; q++) {
    int base[8];
    for (int j = 0; j < 8; j++) {
      const int t = q * 8 + j < T ? q * 8 + j : T - 1;
      base[j] = 2 * (t / tw) * Wp + 2 * (t % tw);
    }
    for (int k = 0; k < K2; k++) {
      v128_t a[16], b[16];
      input_tiles(xp + 2 * k * plane, base, Wp, z, a);
      if (2 * k + 1 < cin) {
        input_tiles(xp + (2 * k + 1) * plane, base, Wp, z, b);
      } else {
        for (int p = 0; p < 16; p++) b[p] = wasm_i16x8_splat(0);
      }
      for (int p = 0; p < 16; p++) {
        int16_t *dst = V + (((long)p * P + q - qbase) * K2 + k) * 16;
        wasm_v128_store(dst, wasm_i16x8_shuffle(a[p], b[p], 0, 8, 1, 9, 2, 10, 3, 11));
        wasm_v128_store(dst + 8, wasm_i16x8_shuffle(a[p], b[p], 4, 12, 5, 13, 6, 14, 7, 15));
      }
    }
  }
}

/* The last panel when it holds at most 4 of the chunk's tiles: 4 rows x 4 tiles, half the work. */
static void gemm_half(int K2, const int16_t *A, const int16_t *B, int32_t *c, int ldm) {
  v128_t c0 = wasm_i32x4_splat(0), c1 = c0, c2 = c0, c3 = c0;
  for (int k = 0; k < K2; k++) {
    const v128_t v0 = wasm_v128_load(B + k * 16);
    const int16_t *a = A + k * 8;
    c0 = wasm_i32x4_add(c0, wasm_i32x4_dot_i16x8(v0, wasm_v128_load32_splat(a)));
    c1 = wasm_i32x4_add(c1, wasm_i32x4_dot_i16x8(v0, wasm_v128_load32_splat(a + 2)));
    c2 = wasm_i32x4_add(c2, wasm_i32x4_dot_i16x8(v0, wasm_v128_load32_splat(a + 4)));
    c3 = wasm_i32x4_add(c3, wasm_i32x4_dot_i16x8(v0, wasm_v128_load32_splat(a + 6)));
  }
  wasm_v128_store(c, c0);
  wasm_v128_store(c + ldm, c1);
  wasm_v128_store(c + 2 * ldm, c2);
  wasm_v128_store(c + 3 * ldm, c3);
}

/*
 * Mo[pos] rows of blocks [b0, b1) (4 output channels each) = U[pos] x V[pos] for every position:
 * 4 rows x 8 tiles per step, each pair of channels one `dot_i16x8` per row and half-panel. `tiles`
 * of the chunk's P * 8 columns are real: a last panel with at most 4 of them takes half the work
 * (B1's 14x14 layers: 49 tiles, 7 panels).
 */
void EXPORT(lens_qwino_gemm)(int cout, int cin, int P, int tiles, const int16_t *U,
                             const int16_t *V, int32_t *Mo, int b0, int b1) {
  const int K2 = (cin + 1) / 2, blocks = (cout + 3) / 4, ldm = P * 8;
  const int rows = blocks * 4;
  for (int p = 0; p < 16; p++) {
    const int16_t *Up = U + (long)p * blocks * K2 * 8;
    const int16_t *Vp = V + (long)p * P * K2 * 16;
    int32_t *Mp = Mo + (long)p * rows * ldm;
    for (int b = b0; b < b1; b++) {
      const int16_t *A = Up + (long)b * K2 * 8;
      for (int q = 0; q < P; q++) {
        const int16_t *B = Vp + (long)q * K2 * 16;
        if (tiles - q * 8 <= 4) {
          gemm_half(K2, A, B, Mp + (long)b * 4 * ldm + q * 8, ldm);
          continue;
        }
        v128_t c00 = wasm_i32x4_splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
               c30 = c00, c31 = c00;
        for (int k = 0; k < K2; k++) {
          const v128_t v0 = wasm_v128_load(B + k * 16), v1 = wasm_v128_load(B + k * 16 + 8);
          const int16_t *a = A + k * 8;
          v128_t w = wasm_v128_load32_splat(a);
          c00 = wasm_i32x4_add(c00, wasm_i32x4_dot_i16x8(v0, w));
          c01 = wasm_i32x4_add(c01, wasm_i32x4_dot_i16x8(v1, w));
          w = wasm_v128_load32_splat(a + 2);
          c10 = wasm_i32x4_add(c10, wasm_i32x4_dot_i16x8(v0, w));
          c11 = wasm_i32x4_add(c11, wasm_i32x4_dot_i16x8(v1, w));
          w = wasm_v128_load32_splat(a + 4);
          c20 = wasm_i32x4_add(c20, wasm_i32x4_dot_i16x8(v0, w));
          c21 = wasm_i32x4_add(c21, wasm_i32x4_dot_i16x8(v1, w));
          w = wasm_v128_load32_splat(a + 6);
          c30 = wasm_i32x4_add(c30, wasm_i32x4_dot_i16x8(v0, w));
          c31 = wasm_i32x4_add(c31, wasm_i32x4_dot_i16x8(v1, w));
        }
        int32_t *c = Mp + (long)b * 4 * ldm + q * 8;
        wasm_v128_store(c, c00);
        wasm_v128_store(c + 4, c01);
        wasm_v128_store(c + ldm, c10);
        wasm_v128_store(c + ldm + 4, c11);
        wasm_v128_store(c + 2 * ldm, c20);
        wasm_v128_store(c + 2 * ldm + 4, c21);
        wasm_v128_store(c + 3 * ldm, c30);
        wasm_v128_store(c + 3 * ldm + 4, c31);
      }
    }
  }
}

/*
 * y[m] for output channels [m0, m1) and tiles [t0, t1): At Mo A, up to 4 tiles at a time along a
 * row of tiles, >> 2, + bias, requantized (scale per channel, zero point zp, clamp [qlo, qhi] in
 * uint8). Mo holds P panels of tiles from tile tbase on.
 */
void EXPORT(lens_qwino_output)(const int32_t *Mo, int cout, int P, int tbase, int t0, int t1,
                               int tw, int Ho, int Wo, const int32_t *bias, const float *scale,
                               int zp, int qlo, int qhi, uint8_t *y, int m0, int m1) {
  const int ldm = P * 8, rows = (cout + 3) / 4 * 4;
  const long pstride = (long)rows * ldm;
  const v128_t lo = wasm_f32x4_splat((float)(qlo - zp)), hi = wasm_f32x4_splat((float)(qhi - zp));
  const v128_t z = wasm_i32x4_splat(zp);
  for (int m = m0; m < m1; m++) {
    const int32_t bm = bias[m];
    const float sm = scale[m];
    uint8_t *ym = y + (long)m * Ho * Wo;
    for (int t = t0; t < t1;) {
      const int ty = t / tw, tx = t % tw;
      int n = tw - tx < 4 ? tw - tx : 4;
      if (t1 - t < n) n = t1 - t;
      {
        const int32_t *src = Mo + (long)m * ldm + t - tbase;
        v128_t v[16];
        for (int p = 0; p < 16; p++) v[p] = wasm_v128_load(src + p * pstride);
        /* At rows: r0 = m0 + m1 + m2, r1 = m1 - m2 - m3, per column j of the 4 x 4. */
        v128_t r0[4], r1[4];
        for (int j = 0; j < 4; j++) {
          r0[j] = wasm_i32x4_add(wasm_i32x4_add(v[j], v[4 + j]), v[8 + j]);
          r1[j] = wasm_i32x4_sub(wasm_i32x4_sub(v[4 + j], v[8 + j]), v[12 + j]);
        }
        const v128_t y00 = wasm_i32x4_shr(wasm_i32x4_add(wasm_i32x4_add(r0[0], r0[1]), r0[2]), 2);
        const v128_t y01 = wasm_i32x4_shr(wasm_i32x4_sub(wasm_i32x4_sub(r0[1], r0[2]), r0[3]), 2);
        const v128_t y10 = wasm_i32x4_shr(wasm_i32x4_add(wasm_i32x4_add(r1[0], r1[1]), r1[2]), 2);
        const v128_t y11 = wasm_i32x4_shr(wasm_i32x4_sub(wasm_i32x4_sub(r1[1], r1[2]), r1[3]), 2);
        const int ox = 2 * tx, oy = 2 * ty;
        /* Only the n tiles' columns, none past Wo (the last tile's second one when Wo is odd). */
        const int cols = Wo - ox < 2 * n ? Wo - ox : 2 * n;
        uint8_t *row = ym + (long)oy * Wo + ox;
        store_q4(wasm_i32x4_shuffle(y00, y01, 0, 4, 1, 5), bm, sm, lo, hi, z, row, cols);
        store_q4(wasm_i32x4_shuffle(y00, y01, 2, 6, 3, 7), bm, sm, lo, hi, z, row + 4, cols - 4);
        if (oy + 1 < Ho) {
          store_q4(wasm_i32x4_shuffle(y10, y11, 0, 4, 1, 5), bm, sm, lo, hi, z, row + Wo, cols);
          store_q4(wasm_i32x4_shuffle(y10, y11, 2, 6, 3, 7), bm, sm, lo, hi, z, row + Wo + 4,
                   cols - 4);
        }
      }
      t += n;
    }
  }
}
