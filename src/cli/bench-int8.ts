/**
 * The int8 figures of the benchmark: the model quantized (percentile calibration on the fixture
 * photos) and written next to it in models/generated/ (git-ignored), so onnxruntime-node and the
 * page can both be timed on it, with its agreement with the float model.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createHash } from 'node:crypto';
import { quantizeModel } from '../core/quantize';
import { CalibrationSet, nodeQuantRunner } from '../node/quantize-node';

export interface Int8Summary {
  method: string;
  images: number;
  meanLogitsSqnrDb: number;
  worstLogitsSqnrDb: number;
  top1Agreement: number;
  top5Overlap: number;
  maxAbsProbabilityDiff: number;
  /** The three layers that add the most noise. */
  worstLayers: string[];
  quantizeSeconds: number;
  bytes: number;
}

export async function int8Model(
  file: string,
  generatedDir: string,
  images: readonly string[],
): Promise<{ bytes: Uint8Array; path: string; summary: Int8Summary }> {
  const source = new Uint8Array(readFileSync(file));
  const set = new CalibrationSet(images, 'torchvision-256-224', 'ignore');
  const t0 = performance.now();
  try {
    const { bytes, report } = await quantizeModel(source, {
      method: 'percentile',
      images: () => set.images(),
      imageCount: images.length,
      size: 224,
      createRunner: nodeQuantRunner(2),
      sourceSha256: createHash('sha256').update(source).digest('hex'),
    });
    const path = join(generatedDir, basename(file).replace(/\.onnx$/, '.int8.onnx'));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
    const a = report.agreement;
    return {
      bytes,
      path,
      summary: {
        method: 'percentile 99.99',
        images: report.images,
        meanLogitsSqnrDb: a.meanLogitsSqnrDb,
        worstLogitsSqnrDb: a.worstLogitsSqnrDb,
        top1Agreement: a.top1Agreement,
        top5Overlap: a.top5Overlap,
        maxAbsProbabilityDiff: a.maxAbsProbabilityDiff,
        worstLayers: report.worst.slice(0, 3),
        quantizeSeconds: (performance.now() - t0) / 1000,
        bytes: bytes.length,
      },
    };
  } finally {
    await set.close();
  }
}
