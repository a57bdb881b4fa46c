/*
 * Winograd convolution, 3x3 stride 1, any padding: F(4x4,3x3) (6x6 input tiles, 36 points) and
 * F(2x2,3x3) (4x4 tiles, 16 points, the tile the engine's per-layer rule picks for small maps
 * and tight weight budgets). One driver runs both: tiles are taken in blocks of nt, and for each
 * block the input transform writes V[points][cin][nt], `points` GEMMs write M[points][coutPad][nt],
 * and the output transform adds the bias, clamps and stores into the CHW output. V is
 * panel-packed for the GEMM: V[xi][t / 8][cin][8]. V and M are one block's size, so no
 * layer-sized intermediate tensor exists.
 *
 * The transforms work on 4 tiles at once, one per SIMD lane. A lane's input rows are two (or one)
 * vector loads where its tile lies inside the map, and gathered with zeros at the border; a 4x4
 * transpose turns rows of one tile into columns across the 4 tiles. The output goes the other
 * way: a transpose, then one vector store per row of a tile that lies inside.
 *
 * U (the transformed weights, G g G^T for every output/input channel pair) is packed at load in
 * the GEMM's A layout, one matrix per point xi: U + xi * coutPad * cin.
 * The V and M matrices start `vs` and `ms` floats apart; lens_wino_stride picks strides that
 * are not multiples of 4 KiB (the matrices' streams in one cache set otherwise).
 */
#include "lens.h"

int EXPORT(lens_wino_stride)(int rows, int nt) {
  int s = rows * nt;
  return (s * 4) % 4096 == 0 ? s + 16 : s;
}

#define ALWAYS_INLINE static inline __attribute__((always_inline))

/* (a, b, c, d) rows to columns: o_k = (a[k], b[k], c[k], d[k]). */
#define TRANSPOSE4(a, b, c, d, o0, o1, o2, o3)                                                 \
  do {                                                                                         \
    const v128_t t0 = wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(a, b, 2, 6, 3, 7); \
    const v128_t t2 = wasm_i32x4_shuffle(c, d, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(c, d, 2, 6, 3, 7); \
    o0 = wasm_i32x4_shuffle(t0, t2, 0, 1, 4, 5);                                               \
    o1 = wasm_i32x4_shuffle(t0, t2, 2, 3, 6, 7);                                               \
    o2 = wasm_i32x4_shuffle(t1, t3, 0, 1, 4, 5);                                               \
    o3 = wasm_i32x4_shuffle(t1, t3, 2, 3, 6, 7);                                               \
  } while (0)

/*
 * `n` (4 or 6) values of row y from column x0 of a channel, in p[0..1] (the second vector holds
 * columns 2..5 when n is 6): two loads where the row lies inside, else gathered with zeros.
 */
ALWAYS_INLINE void load_row(const float *x, int H, int W, int y, int x0, int n, v128_t *p) {
  if (y >= 0 && y < H && x0 >= 0 && x0 + n <= W) {
    p[0] = wasm_v128_load(x + y * W + x0);
    if (n == 6) p[1] = wasm_v128_load(x + y * W + x0 + 2);
    return;
  }
  float t[8] __attribute__((aligned(16))) = {0};
  if (y >= 0 && y < H)
    for (int c = 0; c < n; c++)
      if (x0 + c >= 0 && x0 + c < W) t[c] = x[y * W + x0 + c];
  p[0] = wasm_v128_load(t);
  if (n == 6) p[1] = wasm_v128_load(t + 2);
}

/* Row r of the 4 lanes' tiles as `n` column vectors d[0..n) (lane j = tile j). */
ALWAYS_INLINE void tile_row(const float *x, int H, int W, const int *oy, const int *ox, int r,
                            int n, v128_t *d) {
  v128_t p[4][2];
  for (int j = 0; j < 4; j++) load_row(x, H, W, oy[j] + r, ox[j], n, p[j]);
  TRANSPOSE4(p[0][0], p[1][0], p[2][0], p[3][0], d[0], d[1], d[2], d[3]);
  if (n == 6) {
    const v128_t t1 = wasm_i32x4_shuffle(p[0][1], p[1][1], 2, 6, 3, 7);
    const v128_t t3 = wasm_i32x4_shuffle(p[2][1], p[3][1], 2, 6, 3, 7);
    d[4] = wasm_i32x4_shuffle(t1, t3, 0, 1, 4, 5);
    d[5] = wasm_i32x4_shuffle(t1, t3, 2, 3, 6, 7);
  }
}

/*
 * Row r of the 4 lanes' output tiles (y[0..m) as lanes: column c of tile j in lane j of y[c]),
 * stored at (oy + r, ox): one vector (or 64-bit) store per tile that lies inside, else the
 * columns that do. A lane with oy < 0 is past the last tile.
 */
ALWAYS_INLINE void store_row(float *y, int Ho, int Wo, const int *oy, const int *ox, int r, int m,
                             const v128_t *v) {
  float rows[4][4] __attribute__((aligned(16)));
  v128_t o[4];
  if (m == 4) {
    TRANSPOSE4(v[0], v[1], v[2], v[3], o[0], o[1], o[2], o[3]);
  } else {
    const v128_t lo = wasm_i32x4_shuffle(v[0], v[1], 0, 4, 1, 5); /* tiles 0, 1 */
    const v128_t hi = wasm_i32x4_shuffle(v[0], v[1], 2, 6, 3, 7); /* tiles 2, 3 */
    o[0] = lo;
    o[1] = wasm_i32x4_shuffle(lo, lo, 2, 3, 0, 1);
    o[2] = hi;
    o[3] = wasm_i32x4_shuffle(hi, hi, 2, 3, 0, 1);
  }
  for (int j = 0; j < 4; j++) {
    const int yy = oy[j] + r;
    if (oy[j] < 0 || yy >= Ho) continue;
    float *dst = y + yy * Wo + ox[j];
    if (ox[j] + m <= Wo) {
      if (m == 4) wasm_v128_store(dst, o[j]);
      else wasm_v128_store64_lane(dst, o[j], 0);
    } else {
      wasm_v128_store(rows[j], o[j]);
      for (int c = 0; c < Wo - ox[j]; c++) dst[c] = rows[j][c];
    }
  }
}

/* B^T d for one 6-vector (F(4x4,3x3)). */
#define BT6(d, o)                                                                              \
  do {                                                                                         \
    const v128_t f4 = wasm_f32x4_splat(4.0f), f5 = wasm_f32x4_splat(5.0f);                     \
    const v128_t t1 = wasm_f32x4_sub(d[4], wasm_f32x4_mul(f4, d[2])); /* d4 - 4 d2 */          \
    const v128_t t2 = wasm_f32x4_sub(d[3], wasm_f32x4_mul(f4, d[1])); /* d3 - 4 d1 */          \
    const v128_t t3 = wasm_f32x4_sub(d[4], d[2]);                                              \
    const v128_t t4 = wasm_f32x4_mul(wasm_f32x4_splat(2.0f), wasm_f32x4_sub(d[3], d[1]));      \
    o[0] = wasm_f32x4_add(wasm_f32x4_sub(wasm_f32x4_mul(f4, d[0]), wasm_f32x4_mul(f5, d[2])), d[4]); \
    o[1] = wasm_f32x4_add(t1, t2);                                                             \
    o[2] = wasm_f32x4_sub(t1, t2);                                                             \
    o[3] = wasm_f32x4_add(t3, t4);                                                             \
    o[4] = wasm_f32x4_sub(t3, t4);                                                             \
    o[5] = wasm_f32x4_add(wasm_f32x4_sub(wasm_f32x4_mul(f4, d[1]), wasm_f32x4_mul(f5, d[3])), d[5]); \
  } while (0)

/* A^T m for one 6-vector (F(4x4,3x3)). */
#define AT6(m, y)                                                                              \
  do {                                                                                         \
    const v128_t s12 = wasm_f32x4_add(m[1], m[2]), d12 = wasm_f32x4_sub(m[1], m[2]);           \
    const v128_t s34 = wasm_f32x4_add(m[3], m[4]), d34 = wasm_f32x4_sub(m[3], m[4]);           \
    y[0] = wasm_f32x4_add(wasm_f32x4_add(m[0], s12), s34);                                     \
    y[1] = wasm_f32x4_add(d12, wasm_f32x4_mul(wasm_f32x4_splat(2.0f), d34));                   \
    y[2] = wasm_f32x4_add(s12, wasm_f32x4_mul(wasm_f32x4_splat(4.0f), s34));                   \
    y[3] = wasm_f32x4_add(wasm_f32x4_add(d12, wasm_f32x4_mul(wasm_f32x4_splat(8.0f), d34)), m[5]); \
  } while (0)

/* B^T d for one 4-vector (F(2x2,3x3)): B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]. */
#define BT4(d, o)                                                                              \
  do {                                                                                         \
    o[0] = wasm_f32x4_sub(d[0], d[2]);                                                         \
    o[1] = wasm_f32x4_add(d[1], d[2]);                                                         \
    o[2] = wasm_f32x4_sub(d[2], d[1]);                                                         \
    o[3] = wasm_f32x4_sub(d[1], d[3]);                                                         \
  } while (0)

/* A^T m for one 4-vector (F(2x2,3x3)): A^T = [1 1 1 0; 0 1 -1 -1]. */
#define AT4(m, y)                                                                              \
  do {                                                                                         \
    y[0] = wasm_f32x4_add(wasm_f32x4_add(m[0], m[1]), m[2]);                                   \
    y[1] = wasm_f32x4_sub(wasm_f32x4_sub(m[1], m[2]), m[3]);                                   \
  } while (0)

/*
 * Input transform of 4 tiles (one per lane) of one channel into V[xi][.][t..t+3]: each row's
 * d B first (into e), then B^T of each column of e, stored at xi = a * row + column.
 */
ALWAYS_INLINE void input_tiles(const float *x, int H, int W, const int *oy, const int *ox,
                               float *v, int vs, int a) {
  v128_t e[6][6];
  for (int r = 0; r < a; r++) {
    v128_t d[6];
    tile_row(x, H, W, oy, ox, r, a, d);
    if (a == 6) BT6(d, e[r]);
    else BT4(d, e[r]);
  }
  for (int c = 0; c < a; c++) {
    v128_t col[6], o[6];
    for (int r = 0; r < a; r++) col[r] = e[r][c];
    if (a == 6) BT6(col, o);
    else BT4(col, o);
    for (int r = 0; r < a; r++) wasm_v128_store(v + (a * r + c) * vs, o[r]);
  }
}

/* Output transform of 4 tiles of one output channel, bias and clamp fused into the store. */
ALWAYS_INLINE void output_tiles(const float *mm, int ms, float *y, int Ho, int Wo, const int *oy,
                                const int *ox, float bias, float lo, float hi, int a) {
  const int m = a - 2;
  v128_t t[4][6]; /* t[row of A^T m][column] */
  for (int c = 0; c < a; c++) {
    v128_t col[6], o[4];
    for (int r = 0; r < a; r++) col[r] = wasm_v128_load(mm + (a * r + c) * ms);
    if (a == 6) AT6(col, o);
    else AT4(col, o);
    for (int r = 0; r < m; r++) t[r][c] = o[r];
  }
  const v128_t vb = wasm_f32x4_splat(bias), vlo = wasm_f32x4_splat(lo),
               vhi = wasm_f32x4_splat(hi);
  for (int r = 0; r < m; r++) {
    v128_t o[4];
    if (a == 6) AT6(t[r], o);
    else AT4(t[r], o);
    for (int c = 0; c < m; c++) o[c] = vclamp(wasm_f32x4_add(o[c], vb), vlo, vhi);
    store_row(y, Ho, Wo, oy, ox, r, m, o);
  }
}

/*
 * Output channels [co0, co1) (multiples of 4, or co1 = coutPad) of tiles [t0, t1) of the layer
 * (tile t is row t / ceil(Wo/m), column t % ceil(Wo/m)), in blocks of nt (a multiple of 8), with
 * a = m + 2 (6: F(4x4,3x3), 4: F(2x2,3x3)). V holds a^2 * vs floats, M a^2 * ms (vs, ms from
 * lens_wino_stride). Threads split a layer by tiles, or by output channels: each then transforms
 * the same input tiles and streams only its rows of U.
 */
ALWAYS_INLINE void wino_conv(int a, const float *x, int cin, int H, int W, int pt, int pl,
                             float *y, int cout, int Ho, int Wo, const float *U,
                             const float *bias, float lo, float hi, float *V, float *M, int nt,
                             int t0, int t1, int co0, int co1) {
  const int m = a - 2, points = a * a;
  const int tw = (Wo + m - 1) / m;
  const int coutPad = (cout + 3) & ~3;
  const int vs = lens_wino_stride(cin, nt), ms = lens_wino_stride(coutPad, nt);
  for (int b0 = t0; b0 < t1; b0 += nt) {
    const int n = t1 - b0 < nt ? t1 - b0 : nt;
    for (int t = 0; t < nt; t += 4) {
      int iy[4], ix[4];
      for (int j = 0; j < 4; j++) {
        const int tile = b0 + t + j;
        iy[j] = t + j < n ? (tile / tw) * m - pt : -2000000; /* past the block: zeros */
        ix[j] = t + j < n ? (tile % tw) * m - pl : 0;
      }
      float *panel = V + (t / 8) * cin * 8 + t % 8;
      for (int c = 0; c < cin; c++)
        input_tiles(x + c * H * W, H, W, iy, ix, panel + c * 8, vs, a);
    }
    /* n columns, not nt: a short last block costs its own width (rounded to the GEMM's 8). */
    for (int xi = 0; xi < points; xi++)
      lens_gemm_f32_4x8(co1 - co0, n, cin, U + xi * coutPad * cin + co0 * cin, V + xi * vs, 8,
                        cin * 8, M + xi * ms + co0 * nt, nt, 0, -__builtin_inff(),
                        __builtin_inff());
    for (int t = 0; t < n; t += 4) {
      int oy[4], ox[4];
      for (int j = 0; j < 4; j++) {
        const int tile = b0 + t + j;
        oy[j] = t + j < n ? (tile / tw) * m : -1;
        ox[j] = t + j < n ? (tile % tw) * m : 0;
      }
      for (int co = co0; co < (co1 < cout ? co1 : cout); co++)
        output_tiles(M + co * nt + t, ms, y + co * Ho * Wo, Ho, Wo, oy, ox, bias[co], lo, hi, a);
    }
  }
}

void EXPORT(lens_conv3x3_wino_f43)(const float *x, int cin, int H, int W, int pt, int pl,
                                   float *y, int cout, int Ho, int Wo, const float *U,
                                   const float *bias, float lo, float hi, float *V, float *M,
                                   int nt, int t0, int t1, int co0, int co1) {
  wino_conv(6, x, cin, H, W, pt, pl, y, cout, Ho, Wo, U, bias, lo, hi, V, M, nt, t0, t1,
            co0, co1);
}

void EXPORT(lens_conv3x3_wino_f23)(const float *x, int cin, int H, int W, int pt, int pl,
                                   float *y, int cout, int Ho, int Wo, const float *U,
                                   const float *bias, float lo, float hi, float *V, float *M,
                                   int nt, int t0, int t1, int co0, int co1) {
  wino_conv(4, x, cin, H, W, pt, pl, y, cout, Ho, Wo, U, bias, lo, hi, V, M, nt, t0, t1,
            co0, co1);
}

/*
 * The weight transform, once at load: U = G g G^T for every (co, ci), in double precision and
 * rounded once, packed as a^2 GEMM A matrices [coutPad / 4][cin][4] (rows past cout stay as the
 * caller zeroed them). G is a x 3; w: ONNX's [cout][cin][3][3]. Four output channels (one per
 * lane) and PACK_CI input channels at a time go to a local block first, which then goes out as
 * one contiguous run per matrix: the a^2 matrices lie a multiple of 4 KiB apart, so writing each
 * pair's a^2 values straight into them hits one cache set a^2 times (measured: 4x slower).
 */
#define PACK_CI 32
ALWAYS_INLINE void pack_wino(const double *G, int a, const float *w, int cout, int cin, float *U) {
  const int coutPad = (cout + 3) & ~3;
  const long xs = (long)coutPad * cin;
  float block[36][PACK_CI][4] __attribute__((aligned(16)));
  for (int c4 = 0; c4 < coutPad; c4 += 4)
    for (int c0 = 0; c0 < cin; c0 += PACK_CI) {
      const int nc = cin - c0 < PACK_CI ? cin - c0 : PACK_CI;
      for (int i = 0; i < nc; i++)
        for (int lane = 0; lane < 4; lane++) {
          if (c4 + lane >= cout) {
            for (int xi = 0; xi < a * a; xi++) block[xi][i][lane] = 0.0f;
            continue;
          }
          const float *g = w + ((long)(c4 + lane) * cin + c0 + i) * 9;
          double t[6][3];
          for (int r = 0; r < a; r++)
            for (int c = 0; c < 3; c++)
              t[r][c] = G[3 * r] * g[c] + G[3 * r + 1] * g[3 + c] + G[3 * r + 2] * g[6 + c];
          for (int r = 0; r < a; r++)
            for (int c = 0; c < a; c++)
              block[a * r + c][i][lane] =
                  (float)(t[r][0] * G[3 * c] + t[r][1] * G[3 * c + 1] + t[r][2] * G[3 * c + 2]);
        }
      for (int xi = 0; xi < a * a; xi++) {
        float *u = U + xi * xs + (long)c4 * cin + c0 * 4;
        for (int i = 0; i < nc; i++) wasm_v128_store(u + 4 * i, wasm_v128_load(block[xi][i]));
      }
    }
}

void EXPORT(lens_pack_wino_f43)(const float *w, int cout, int cin, float *U) {
  static const double G[6 * 3] = {1.0 / 4,  0,        0,        -1.0 / 6, -1.0 / 6, -1.0 / 6,
                                  -1.0 / 6, 1.0 / 6,  -1.0 / 6, 1.0 / 24, 1.0 / 12, 1.0 / 6,
                                  1.0 / 24, -1.0 / 12, 1.0 / 6, 0,        0,        1};
  pack_wino(G, 6, w, cout, cin, U);
}

/* F(2x2,3x3): G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]. */
void EXPORT(lens_pack_wino_f23)(const float *w, int cout, int cin, float *U) {
  static const double G[4 * 3] = {1, 0, 0, 0.5, 0.5, 0.5, 0.5, -0.5, 0.5, 0, 0, 1};
  pack_wino(G, 4, w, cout, cin, U);
}
