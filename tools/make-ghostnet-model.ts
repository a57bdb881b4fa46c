/**
 * The bundled seeded (untrained) GhostNet: models/ghostnet-0.5x-seeded.onnx, RepGhostNet-0.5x in
 * the zoo's 'rep' layout with seeded weights (src/core/convert/ghost/seeded.ts), converted by the
 * project's converter. About 9 MB in float32, so it is made here (deterministically) instead of
 * committed; `npm run build`, `npm start` and the tests run this first. The file's sha256 is
 * checked against its models/models.json entry: a mismatch is an error, not a silent rewrite.
 *
 * Usage: tsx tools/make-ghostnet-model.ts [--write-manifest]
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  convertStateDict,
  DEFAULT_PRESET,
  GHOSTNET_PRESET,
  seededGhostNet,
} from '../src/core/convert';
import { isPresetId } from '../src/core/preprocess/preprocess';
import { upsertManifest, type ManifestEntryJson } from '../src/cli/manifest-file';

const ROOT = resolve(import.meta.dirname, '..');
const ID = 'ghostnet-0.5x-seeded';
const FILE = 'ghostnet-0.5x-seeded.onnx';
const SEED = 1;
const MANIFEST = resolve(ROOT, 'models/models.json');
const OUT = resolve(ROOT, 'models', FILE);

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function main(): number {
  const entry = (
    JSON.parse(readFileSync(MANIFEST, 'utf8')) as { models: ManifestEntryJson[] }
  ).models.find((m) => m.id === ID);
  const writeManifest = process.argv.includes('--write-manifest');
  if (
    !writeManifest &&
    entry?.sha256 &&
    existsSync(OUT) &&
    sha256(readFileSync(OUT)) === entry.sha256
  ) {
    return 0;
  }
  const preset = isPresetId(GHOSTNET_PRESET) ? GHOSTNET_PRESET : DEFAULT_PRESET;
  const result = convertStateDict(seededGhostNet(0.5, 1000, SEED), { preset });
  const hash = sha256(result.onnx);
  if (!writeManifest && entry?.sha256 && entry.sha256 !== hash) {
    process.stderr.write(
      `error: the seeded GhostNet came out with sha256 ${hash}, but models/models.json says ${entry.sha256}; run tsx tools/make-ghostnet-model.ts --write-manifest if the converter changed on purpose\n`,
    );
    return 1;
  }
  writeFileSync(OUT, result.onnx);
  if (writeManifest) {
    upsertManifest(MANIFEST, {
      id: ID,
      name: 'RepGhostNet-0.5x (seeded, untrained)',
      file: FILE,
      architecture: 'GhostNet rep, stages [1, 1, 1, 1, 1, 1, 5, 1, 4], width 0.5, with SE',
      inputSize: 224,
      preset,
      numClasses: 1000,
      published: null,
      params: result.params,
      gmacs: Math.round(result.gmacs * 1e6) / 1e6,
      source: `tools/make-ghostnet-model.ts (seed ${SEED}), generated at build and test time`,
      untrained: true,
      bytes: result.onnx.length,
      sha256: hash,
    });
  }
  process.stdout.write(`wrote ${OUT} (${result.onnx.length} bytes, sha256 ${hash})\n`);
  return 0;
}

process.exitCode = main();
