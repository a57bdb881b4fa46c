/**
 * The bounds the end-to-end tests hold the page to, each beside what was measured.
 *
 * PROB_TOL: a class probability in the page against PyTorch's (or onnxruntime-node's) for the same
 * photo. Measured: max |dp| 3.0e-6 over the fixture photos in Node (test/engine.test.ts prints it)
 * and about 1.7e-6 in the page (onnxruntime-web WASM, Winograd fast path included). The bound is
 * a few times that, and 10x tighter than the 1e-4 used before it was measured.
 */
export const PROB_TOL = 1e-5;
