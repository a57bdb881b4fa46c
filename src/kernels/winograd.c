/*
 * Winograd F(4x4, 3x3) convolution, stride 1, any padding, with the transforms fused around the
 * multiply: tiles are taken in blocks of NT, and for each block the input transform writes
 * V[36][cin][NT], 36 GEMMs write M[36][coutPad][NT], and the output transform adds the bias,
 * clamps and stores into the CHW output. V is panel-packed for the GEMM: V[xi][t / 8][cin][8]. V and M are one block's size (they stay in cache), so no
 * layer-sized intermediate tensor exists.
 *
 * U (the transformed weights, G g G^T for every output/input channel pair) is packed at load in
 * the GEMM's A layout, one matrix per position xi: U + xi * coutPad * cin.
 * The 36 V and M matrices start `vs` and `ms` floats apart; lens_wino_stride picks strides that
 * are not multiples of 4 KiB (36 streams in one cache set otherwise).
 */
#include "lens.h"

int EXPORT(lens_wino_stride)(int rows, int nt) {
  int s = rows * nt;
  return (s * 4) % 4096 == 0 ? s + 16 : s;
}

/* B^T d for one 6-vector (d0..d5 along one axis). */
#define BT(d0, d1, d2, d3, d4, d5, o0, o1, o2, o3, o4, o5)                                     \
  do {                                                                                         \
    const v128_t f4 = wasm_f32x4_splat(4.0f), f5 = wasm_f32x4_splat(5.0f);                     \
    const v128_t f2 = wasm_f32x4_splat(2.0f);                                                  \
    const v128_t t1 = wasm_f32x4_sub(d4, wasm_f32x4_mul(f4, d2));  /* d4 - 4 d2 */             \
    const v128_t t2 = wasm_f32x4_sub(d3, wasm_f32x4_mul(f4, d1));  /* d3 - 4 d1 */             \
    const v128_t t3 = wasm_f32x4_sub(d4, d2);                                                  \
    const v128_t t4 = wasm_f32x4_mul(f2, wasm_f32x4_sub(d3, d1)); /* 2 (d3 - d1) */            \
    o0 = wasm_f32x4_add(wasm_f32x4_sub(wasm_f32x4_mul(f4, d0), wasm_f32x4_mul(f5, d2)), d4);   \
    o1 = wasm_f32x4_add(t1, t2);                                                               \
    o2 = wasm_f32x4_sub(t1, t2);                                                               \
    o3 = wasm_f32x4_add(t3, t4);                                                               \
    o4 = wasm_f32x4_sub(t3, t4);                                                               \
    o5 = wasm_f32x4_add(wasm_f32x4_sub(wasm_f32x4_mul(f4, d1), wasm_f32x4_mul(f5, d3)), d5);   \
  } while (0)

/* A^T m for one 6-vector. */
#define AT(m0, m1, m2, m3, m4, m5, y0, y1, y2, y3)                                             \
  do {                                                                                         \
    const v128_t s12 = wasm_f32x4_add(m1, m2), d12 = wasm_f32x4_sub(m1, m2);                   \
    const v128_t s34 = wasm_f32x4_add(m3, m4), d34 = wasm_f32x4_sub(m3, m4);                   \
    y0 = wasm_f32x4_add(wasm_f32x4_add(m0, s12), s34);                                         \
    y1 = wasm_f32x4_add(d12, wasm_f32x4_mul(wasm_f32x4_splat(2.0f), d34));                     \
    y2 = wasm_f32x4_add(s12, wasm_f32x4_mul(wasm_f32x4_splat(4.0f), s34));                     \
    y3 = wasm_f32x4_add(wasm_f32x4_add(d12, wasm_f32x4_mul(wasm_f32x4_splat(8.0f), d34)), m5); \
  } while (0)

/* Input transform of 4 tiles (one per lane) of one channel into V[xi][.][t..t+3]. */
static void input_tiles(const float *x, int H, int W, const int *oy, const int *ox, float *v,
                        int vs) {
  float d[36][4] __attribute__((aligned(16)));
  for (int j = 0; j < 4; j++) {
    for (int r = 0; r < 6; r++) {
      const int y = oy[j] + r;
      const int inside = y >= 0 && y < H;
      for (int c = 0; c < 6; c++) {
        const int xx = ox[j] + c;
        d[r * 6 + c][j] = inside && xx >= 0 && xx < W ? x[y * W + xx] : 0.0f;
      }
    }
  }
  v128_t t[36];
  for (int c = 0; c < 6; c++) /* columns: B^T d */
    BT(wasm_v128_load(d[c]), wasm_v128_load(d[6 + c]), wasm_v128_load(d[12 + c]),
       wasm_v128_load(d[18 + c]), wasm_v128_load(d[24 + c]), wasm_v128_load(d[30 + c]), t[c],
       t[6 + c], t[12 + c], t[18 + c], t[24 + c], t[30 + c]);
  for (int r = 0; r < 6; r++) { /* rows: (B^T d) B */
    v128_t o0, o1, o2, o3, o4, o5;
    BT(t[6 * r], t[6 * r + 1], t[6 * r + 2], t[6 * r + 3], t[6 * r + 4], t[6 * r + 5], o0, o1,
       o2, o3, o4, o5);
    wasm_v128_store(v + (6 * r + 0) * vs, o0);
    wasm_v128_store(v + (6 * r + 1) * vs, o1);
    wasm_v128_store(v + (6 * r + 2) * vs, o2);
    wasm_v128_store(v + (6 * r + 3) * vs, o3);
    wasm_v128_store(v + (6 * r + 4) * vs, o4);
    wasm_v128_store(v + (6 * r + 5) * vs, o5);
  }
}

/* Output transform of 4 tiles of one output channel, bias and clamp fused into the store. */
static void output_tiles(const float *m, int ms, float *y, int Ho, int Wo, const int *oy,
                         const int *ox, float bias, float lo, float hi) {
  v128_t t[24];
  for (int c = 0; c < 6; c++)
    AT(wasm_v128_load(m + c * ms), wasm_v128_load(m + (6 + c) * ms),
       wasm_v128_load(m + (12 + c) * ms), wasm_v128_load(m + (18 + c) * ms),
       wasm_v128_load(m + (24 + c) * ms), wasm_v128_load(m + (30 + c) * ms), t[c], t[6 + c],
       t[12 + c], t[18 + c]);
  const v128_t vb = wasm_f32x4_splat(bias), vlo = wasm_f32x4_splat(lo),
               vhi = wasm_f32x4_splat(hi);
  float out[16][4] __attribute__((aligned(16)));
  for (int r = 0; r < 4; r++) {
    v128_t y0, y1, y2, y3;
    AT(t[6 * r], t[6 * r + 1], t[6 * r + 2], t[6 * r + 3], t[6 * r + 4], t[6 * r + 5], y0, y1,
       y2, y3);
    wasm_v128_store(out[4 * r + 0], vclamp(wasm_f32x4_add(y0, vb), vlo, vhi));
    wasm_v128_store(out[4 * r + 1], vclamp(wasm_f32x4_add(y1, vb), vlo, vhi));
    wasm_v128_store(out[4 * r + 2], vclamp(wasm_f32x4_add(y2, vb), vlo, vhi));
    wasm_v128_store(out[4 * r + 3], vclamp(wasm_f32x4_add(y3, vb), vlo, vhi));
  }
  for (int j = 0; j < 4; j++) {
    if (oy[j] < 0) continue; /* a lane past the last tile */
    const int rows = Ho - oy[j] < 4 ? Ho - oy[j] : 4, cols = Wo - ox[j] < 4 ? Wo - ox[j] : 4;
    for (int r = 0; r < rows; r++)
      for (int c = 0; c < cols; c++) y[(oy[j] + r) * Wo + ox[j] + c] = out[4 * r + c][j];
  }
}

/*
 * Tiles [t0, t1) of the layer (tile t is row t / ceil(Wo/4), column t % ceil(Wo/4)), in blocks
 * of nt (a multiple of 8). V holds 36 * vs floats, M 36 * ms (vs, ms from lens_wino_stride).
 */
void EXPORT(lens_conv3x3_wino_f43)(const float *x, int cin, int H, int W, int pt, int pl,
                                   float *y, int cout, int Ho, int Wo, const float *U,
                                   const float *bias, float lo, float hi, float *V, float *M,
                                   int nt, int t0, int t1) {
  const int tw = (Wo + 3) / 4;
  const int coutPad = (cout + 3) & ~3;
  const int vs = lens_wino_stride(cin, nt), ms = lens_wino_stride(coutPad, nt);
  for (int b0 = t0; b0 < t1; b0 += nt) {
    const int n = t1 - b0 < nt ? t1 - b0 : nt;
    for (int t = 0; t < nt; t += 4) {
      int iy[4], ix[4];
      for (int j = 0; j < 4; j++) {
        const int tile = b0 + t + j;
        iy[j] = t + j < n ? (tile / tw) * 4 - pt : -2000000; /* past the block: zeros */
        ix[j] = t + j < n ? (tile % tw) * 4 - pl : 0;
      }
      float *panel = V + (t / 8) * cin * 8 + t % 8;
      for (int c = 0; c < cin; c++) input_tiles(x + c * H * W, H, W, iy, ix, panel + c * 8, vs);
    }
    for (int xi = 0; xi < 36; xi++)
      lens_gemm_f32_4x8(coutPad, nt, cin, U + xi * coutPad * cin, V + xi * vs, 8, cin * 8,
                        M + xi * ms, nt, 0, -__builtin_inff(), __builtin_inff());
    for (int t = 0; t < n; t += 4) {
      int oy[4], ox[4];
      for (int j = 0; j < 4; j++) {
        const int tile = b0 + t + j;
        oy[j] = t + j < n ? (tile / tw) * 4 : -1;
        ox[j] = t + j < n ? (tile % tw) * 4 : 0;
      }
      for (int co = 0; co < cout; co++)
        output_tiles(M + co * nt + t, ms, y + co * Ho * Wo, Ho, Wo, oy, ox, bias[co], lo, hi);
    }
  }
}

/*
 * The weight transform, once at load: U = G g G^T for every (co, ci), in double precision and
 * rounded once, packed as 36 GEMM A matrices [coutPad / 4][cin][4] (rows past cout stay as the
 * caller zeroed them). w: ONNX's [cout][cin][3][3].
 */
void EXPORT(lens_pack_wino_f43)(const float *w, int cout, int cin, float *U) {
  static const double G[6][3] = {{1.0 / 4, 0, 0},
                                 {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                                 {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                                 {1.0 / 24, 1.0 / 12, 1.0 / 6},
                                 {1.0 / 24, -1.0 / 12, 1.0 / 6},
                                 {0, 0, 1}};
  const int coutPad = (cout + 3) & ~3;
  const long xs = (long)coutPad * cin;
  /* Four output channels at a time: their 36 values for one input channel are 36 16-byte stores
   * (one per matrix, 4 lanes) instead of 144 scattered ones. Rows past cout stay zero. */
  for (int c4 = 0; c4 < coutPad; c4 += 4)
    for (int ci = 0; ci < cin; ci++) {
      float u4[36][4] __attribute__((aligned(16))) = {{0}};
      for (int lane = 0; lane < 4 && c4 + lane < cout; lane++) {
        const float *g = w + ((long)(c4 + lane) * cin + ci) * 9;
        double t[6][3];
        for (int r = 0; r < 6; r++)
          for (int c = 0; c < 3; c++)
            t[r][c] = G[r][0] * g[c] + G[r][1] * g[3 + c] + G[r][2] * g[6 + c];
        for (int r = 0; r < 6; r++)
          for (int c = 0; c < 6; c++)
            u4[6 * r + c][lane] =
                (float)(t[r][0] * G[c][0] + t[r][1] * G[c][1] + t[r][2] * G[c][2]);
      }
      float *u = U + (long)c4 * cin + ci * 4;
      for (int xi = 0; xi < 36; xi++) wasm_v128_store(u + xi * xs, wasm_v128_load(u4[xi]));
    }
}
