/**
 * Exactness of the fast path on a model too big for a unit test (the seeded full-size B1): the
 * rewritten and the unmodified model in onnxruntime-node on real photos, side by side. Measured
 * here and printed with the speed; test/winograd.test.ts asserts the same on smaller models.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { softmax, topK } from '../core/inference/postprocess';
import { PRESETS, preprocess } from '../core/preprocess/preprocess';
import { decodeBytes } from '../node/decode-node';
import { createNodeSession } from '../node/ort-node';

export interface FastExactness {
  images: number;
  /** max |Δlogit| / max |logit| of the direct model, worst image. */
  maxRelLogit: number;
  maxAbsLogit: number;
  maxAbsProb: number;
  /** Images whose top-5 indices are the same in both, in order. */
  top5Same: number;
}

export async function fastExactness(
  stock: Uint8Array,
  fast: Uint8Array,
  imageDir: string,
  images: readonly string[],
): Promise<FastExactness> {
  const a = await createNodeSession(stock, 2);
  const b = await createNodeSession(fast, 2);
  for (const s of [a, b]) s.bind(s.inputs[0]!.name, s.outputs[0]!.name);
  const out: FastExactness = {
    images: 0,
    maxRelLogit: 0,
    maxAbsLogit: 0,
    maxAbsProb: 0,
    top5Same: 0,
  };
  for (const name of images) {
    const { image } = await decodeBytes(
      new Uint8Array(readFileSync(join(imageDir, name))),
      'ignore',
    );
    const x = preprocess(image, PRESETS['torchvision-256-224']).tensor;
    const la = await a.run(x, [1, 3, 224, 224]);
    const lb = await b.run(x, [1, 3, 224, 224]);
    let d = 0;
    let m = 0;
    for (let i = 0; i < la.length; i++) {
      d = Math.max(d, Math.abs(la[i]! - lb[i]!));
      m = Math.max(m, Math.abs(la[i]!));
    }
    const pa = softmax(la);
    const pb = softmax(lb);
    for (let i = 0; i < pa.length; i++)
      out.maxAbsProb = Math.max(out.maxAbsProb, Math.abs(pa[i]! - pb[i]!));
    out.maxAbsLogit = Math.max(out.maxAbsLogit, d);
    out.maxRelLogit = Math.max(out.maxRelLogit, d / m);
    const ta = topK(pa, 5).map((t) => t.index);
    const tb = topK(pb, 5).map((t) => t.index);
    if (ta.every((v, i) => v === tb[i])) out.top5Same++;
    out.images++;
  }
  await a.dispose();
  await b.dispose();
  return out;
}
