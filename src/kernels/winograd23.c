/*
 * Winograd F(2x2, 3x3) convolution, stride 1, any padding: the small tile the engine's per-layer
 * rule picks for small maps (7x7, where F(4x4)'s tiles would be mostly padding) and where the
 * transformed-weight budget is tight (16 / 9 of the weights instead of F(4x4)'s 36 / 9). Same
 * structure as winograd.c: tiles in blocks of nt, per block the input transform writes
 * V[16][nt / 8][cin][8], 16 GEMMs write M[16][coutPad][nt], and the output transform adds the
 * bias, clamps and stores into the CHW output. U is packed at load as 16 GEMM A matrices.
 */
#include "lens.h"

int lens_wino_stride(int rows, int nt);

/* B^T d for one 4-vector: B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]. */
#define BT2(d0, d1, d2, d3, o0, o1, o2, o3)                                                    \
  do {                                                                                         \
    o0 = wasm_f32x4_sub(d0, d2);                                                               \
    o1 = wasm_f32x4_add(d1, d2);                                                               \
    o2 = wasm_f32x4_sub(d2, d1);                                                               \
    o3 = wasm_f32x4_sub(d1, d3);                                                               \
  } while (0)

/* A^T m for one 4-vector: A^T = [1 1 1 0; 0 1 -1 -1]. */
#define AT2(m0, m1, m2, m3, y0, y1)                                                            \
  do {                                                                                         \
    y0 = wasm_f32x4_add(wasm_f32x4_add(m0, m1), m2);                                           \
    y1 = wasm_f32x4_sub(wasm_f32x4_sub(m1, m2), m3);                                           \
  } while (0)

/* Input transform of 4 tiles (one per lane) of one channel into V[xi][.][t..t+3]. */
static void input_tiles2(const float *x, int H, int W, const int *oy, const int *ox, float *v,
                         int vs) {
  float d[16][4] __attribute__((aligned(16)));
  for (int j = 0; j < 4; j++)
    for (int r = 0; r < 4; r++) {
      const int y = oy[j] + r;
      const int inside = y >= 0 && y < H;
      for (int c = 0; c < 4; c++) {
        const int xx = ox[j] + c;
        d[r * 4 + c][j] = inside && xx >= 0 && xx < W ? x[y * W + xx] : 0.0f;
      }
    }
  v128_t t[16];
  for (int c = 0; c < 4; c++) /* columns: B^T d */
    BT2(wasm_v128_load(d[c]), wasm_v128_load(d[4 + c]), wasm_v128_load(d[8 + c]),
        wasm_v128_load(d[12 + c]), t[c], t[4 + c], t[8 + c], t[12 + c]);
  for (int r = 0; r < 4; r++) { /* rows: (B^T d) B */
    v128_t o0, o1, o2, o3;
    BT2(t[4 * r], t[4 * r + 1], t[4 * r + 2], t[4 * r + 3], o0, o1, o2, o3);
    wasm_v128_store(v + (4 * r + 0) * vs, o0);
    wasm_v128_store(v + (4 * r + 1) * vs, o1);
    wasm_v128_store(v + (4 * r + 2) * vs, o2);
    wasm_v128_store(v + (4 * r + 3) * vs, o3);
  }
}

/* Output transform of 4 tiles of one output channel, bias and clamp fused into the store. */
static void output_tiles2(const float *m, int ms, float *y, int Ho, int Wo, const int *oy,
                          const int *ox, float bias, float lo, float hi) {
  v128_t t[8];
  for (int c = 0; c < 4; c++)
    AT2(wasm_v128_load(m + c * ms), wasm_v128_load(m + (4 + c) * ms),
        wasm_v128_load(m + (8 + c) * ms), wasm_v128_load(m + (12 + c) * ms), t[c], t[4 + c]);
  const v128_t vb = wasm_f32x4_splat(bias), vlo = wasm_f32x4_splat(lo),
               vhi = wasm_f32x4_splat(hi);
  float out[4][4] __attribute__((aligned(16)));
  for (int r = 0; r < 2; r++) {
    v128_t y0, y1;
    AT2(t[4 * r], t[4 * r + 1], t[4 * r + 2], t[4 * r + 3], y0, y1);
    wasm_v128_store(out[2 * r + 0], vclamp(wasm_f32x4_add(y0, vb), vlo, vhi));
    wasm_v128_store(out[2 * r + 1], vclamp(wasm_f32x4_add(y1, vb), vlo, vhi));
  }
  for (int j = 0; j < 4; j++) {
    if (oy[j] < 0) continue; /* a lane past the last tile */
    const int rows = Ho - oy[j] < 2 ? Ho - oy[j] : 2, cols = Wo - ox[j] < 2 ? Wo - ox[j] : 2;
    for (int r = 0; r < rows; r++)
      for (int c = 0; c < cols; c++) y[(oy[j] + r) * Wo + ox[j] + c] = out[2 * r + c][j];
  }
}

/*
 * Tiles [t0, t1) of the layer (tile t is row t / ceil(Wo/2), column t % ceil(Wo/2)), in blocks
 * of nt (a multiple of 8). V holds 16 * vs floats, M 16 * ms (vs, ms from lens_wino_stride).
 */
void EXPORT(lens_conv3x3_wino_f23)(const float *x, int cin, int H, int W, int pt, int pl,
                                   float *y, int cout, int Ho, int Wo, const float *U,
                                   const float *bias, float lo, float hi, float *V, float *M,
                                   int nt, int t0, int t1) {
  const int tw = (Wo + 1) / 2;
  const int coutPad = (cout + 3) & ~3;
  const int vs = lens_wino_stride(cin, nt), ms = lens_wino_stride(coutPad, nt);
  for (int b0 = t0; b0 < t1; b0 += nt) {
    const int n = t1 - b0 < nt ? t1 - b0 : nt;
    for (int t = 0; t < nt; t += 4) {
      int iy[4], ix[4];
      for (int j = 0; j < 4; j++) {
        const int tile = b0 + t + j;
        iy[j] = t + j < n ? (tile / tw) * 2 - pt : -2000000; /* past the block: zeros */
        ix[j] = t + j < n ? (tile % tw) * 2 - pl : 0;
      }
      float *panel = V + (t / 8) * cin * 8 + t % 8;
      for (int c = 0; c < cin; c++) input_tiles2(x + c * H * W, H, W, iy, ix, panel + c * 8, vs);
    }
    for (int xi = 0; xi < 16; xi++)
      lens_gemm_f32_4x8(coutPad, nt, cin, U + xi * coutPad * cin, V + xi * vs, 8, cin * 8,
                        M + xi * ms, nt, 0, -__builtin_inff(), __builtin_inff());
    for (int t = 0; t < n; t += 4) {
      int oy[4], ox[4];
      for (int j = 0; j < 4; j++) {
        const int tile = b0 + t + j;
        oy[j] = t + j < n ? (tile / tw) * 2 : -1;
        ox[j] = t + j < n ? (tile % tw) * 2 : 0;
      }
      for (int co = 0; co < cout; co++)
        output_tiles2(M + co * nt + t, ms, y + co * Ho * Wo, Ho, Wo, oy, ox, bias[co], lo, hi);
    }
  }
}

/*
 * The weight transform, once at load: U = G g G^T for every (co, ci) with
 * G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1], in double precision and rounded once, packed as
 * 16 GEMM A matrices [coutPad / 4][cin][4]. w: ONNX's [cout][cin][3][3].
 */
void EXPORT(lens_pack_wino_f23)(const float *w, int cout, int cin, float *U) {
  static const double G[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
  const int coutPad = (cout + 3) & ~3;
  const long xs = (long)coutPad * cin;
  for (int co = 0; co < cout; co++)
    for (int ci = 0; ci < cin; ci++) {
      const float *g = w + ((long)co * cin + ci) * 9;
      double t[4][3];
      for (int r = 0; r < 4; r++)
        for (int c = 0; c < 3; c++)
          t[r][c] = G[r][0] * g[c] + G[r][1] * g[3 + c] + G[r][2] * g[6 + c];
      float *u = U + (long)(co / 4) * 4 * cin + ci * 4 + co % 4;
      for (int r = 0; r < 4; r++)
        for (int c = 0; c < 4; c++)
          u[(4 * r + c) * xs] = (float)(t[r][0] * G[c][0] + t[r][1] * G[c][1] + t[r][2] * G[c][2]);
    }
}
