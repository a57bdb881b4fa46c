/**
 * The engine's `quantize` (what the page's worker runs) in Node: the same decode and preprocessing
 * as classification, the float model from a source like `load`'s, unreadable images skipped and
 * listed, and the same calibration as the core given the same pixels.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { createNodeEngine, modelFile } from '../src/node/engine';
import { lensRejection } from './helpers/errors';
import { IMAGES, TINY_MODEL } from './helpers/fixtures';
import { fixtureImages, quantizeWith } from './helpers/quantize';

const PNGS = ['astronaut.png', 'chelsea.png', 'coffee.png', 'odd-257x301.png'];
const blob = (name: string) => new Blob([readFileSync(join(IMAGES, name))]);

describe('Engine.quantize', () => {
  it('calibrates on the images it is given and matches the core on the same pixels', async () => {
    const engine = createNodeEngine();
    const phases = new Set<string>();
    const out = await engine.quantize({
      source: modelFile(TINY_MODEL),
      images: [
        ...PNGS.map((name) => ({ name, file: blob(name) })),
        { name: 'broken.jpg', file: new Blob(['not a jpeg']) },
      ],
      method: 'percentile',
      preset: 'torchvision-256-224',
      onProgress: (p) => phases.add(p.phase),
    });
    await engine.dispose();
    expect(out.skipped).toEqual([
      { name: 'broken.jpg', error: expect.stringMatching(/not an image/) as string },
    ]);
    expect([...phases]).toEqual(['calibrate', 'measure']);
    expect(out.report.images).toBe(PNGS.length);

    const core = await quantizeWith(
      new Uint8Array(readFileSync(TINY_MODEL)),
      (await fixtureImages()).filter((i) => PNGS.includes(i.name)),
      'percentile',
    );
    expect(out.report.layers.map((l) => [l.output?.scale, l.output?.zeroPoint])).toEqual(
      core.report.layers.map((l) => [l.output?.scale, l.output?.zeroPoint]),
    );
    expect(out.report.agreement.logitsSqnrDb).toEqual(core.report.agreement.logitsSqnrDb);
    const session = await ort.InferenceSession.create(new Uint8Array(out.onnx));
    expect(session.outputNames).toEqual(['logits']);
    await session.release();
  });

  it('refuses an empty calibration set and one where nothing decodes', async () => {
    const engine = createNodeEngine();
    const request = {
      source: modelFile(TINY_MODEL),
      method: 'minmax' as const,
      preset: 'torchvision-256-224' as const,
    };
    const none = await lensRejection(engine.quantize({ ...request, images: [] }));
    expect(none).toEqual({
      code: 'bad-dataset',
      message: 'No calibration images: add some photos first.',
    });
    const junk = await lensRejection(
      engine.quantize({ ...request, images: [{ name: 'a.png', file: new Blob(['x']) }] }),
    );
    expect(junk.message).toMatch(
      /^No calibration image could be decoded \(1 skipped; first: a\.png: /,
    );
    await engine.dispose();
  });
});
