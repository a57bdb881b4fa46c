/**
 * Weight packing helpers. The Winograd transform here is the float64 reference of the one the
 * kernels run at load (lens_pack_wino_f43, in WebAssembly: 10x faster on B1's 23 layers).
 */

/** F(4x4, 3x3)'s kernel transform G (6x3), as in Lavin & Gray (2016). */
const G = [
  [1 / 4, 0, 0],
  [-1 / 6, -1 / 6, -1 / 6],
  [-1 / 6, 1 / 6, -1 / 6],
  [1 / 24, 1 / 12, 1 / 6],
  [1 / 24, -1 / 12, 1 / 6],
  [0, 0, 1],
] as const;

/**
 * U = G g G^T for every (co, ci), packed as 36 GEMM A matrices (xi = 6 row + column), each
 * [coutPad / 4][cin][4] with rows past cout zero.
 */
export function packWinogradF43(w: Float32Array, cout: number, cin: number): Float32Array {
  const coutPad = Math.ceil(cout / 4) * 4;
  const out = new Float32Array(36 * coutPad * cin);
  const t = new Float64Array(18); // G g: 6x3
  for (let co = 0; co < cout; co++) {
    for (let ci = 0; ci < cin; ci++) {
      const g = (co * cin + ci) * 9;
      for (let r = 0; r < 6; r++) {
        const gr = G[r]!;
        for (let c = 0; c < 3; c++)
          t[r * 3 + c] = gr[0] * w[g + c]! + gr[1] * w[g + 3 + c]! + gr[2] * w[g + 6 + c]!;
      }
      const lane = Math.floor(co / 4) * 4 * cin + ci * 4 + (co % 4);
      for (let r = 0; r < 6; r++)
        for (let c = 0; c < 6; c++) {
          const gc = G[c]!;
          const u = t[r * 3]! * gc[0] + t[r * 3 + 1]! * gc[1] + t[r * 3 + 2]! * gc[2];
          out[(6 * r + c) * coutPad * cin + lane] = u;
        }
    }
  }
  return out;
}

/** A bias padded with zeros to a multiple of 4 (the GEMM reads 4 rows at a time). */
export function padBias(bias: Float32Array | null, cout: number): Float32Array {
  const out = new Float32Array(Math.ceil(cout / 4) * 4);
  if (bias) out.set(bias.subarray(0, cout));
  return out;
}
