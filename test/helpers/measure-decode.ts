/**
 * Decodes and preprocesses one image in a fresh process and prints its memory figures as JSON:
 * `node --import tsx test/helpers/measure-decode.ts <file>`. A process of its own, so the peak
 * RSS is this image's and not whatever ran before it.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PRESETS, preprocess } from '../../src/core/preprocess/preprocess';
import { decodeBytes } from '../../src/node/decode-node';

const file = process.argv[2]!;
const bytes = new Uint8Array(readFileSync(file));
const baseline = process.memoryUsage().rss;
const { image } = await decodeBytes(bytes);
const pre = preprocess(image, PRESETS['torchvision-256-224']);
const peak = process.resourceUsage().maxRSS * 1024;
console.log(
  JSON.stringify({
    width: image.width,
    height: image.height,
    fileBytes: bytes.length,
    baselineRss: baseline,
    peakRss: peak,
    cropSha256: createHash('sha256').update(pre.crop.data).digest('hex'),
  }),
);
