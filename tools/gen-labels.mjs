#!/usr/bin/env node
// Generates src/data/imagenet1k-labels.txt (one ImageNet-1k label per line, index = line number)
// from the IMAGENET_CLASSES table that @tensorflow-models/mobilenet ships (Apache-2.0).
// Run once; the output is committed with attribution (src/data/ATTRIBUTION.md):
//   npm pack @tensorflow-models/mobilenet@2.1.1 && tar xzf tensorflow-models-mobilenet-2.1.1.tgz
//   node tools/gen-labels.mjs package/dist/imagenet_classes.js
// The table is read as text (JS string literals, joined with '+'), never executed.
import { readFileSync, writeFileSync } from 'node:fs';

const [source, out = 'src/data/imagenet1k-labels.txt'] = process.argv.slice(2);
if (!source) {
  console.error('usage: node tools/gen-labels.mjs <imagenet_classes.js> [out.txt]');
  process.exit(2);
}
const text = readFileSync(source, 'utf8');
const body = text.slice(text.indexOf('IMAGENET_CLASSES = {') + 'IMAGENET_CLASSES = {'.length);
const entry = /(\d+):\s*((?:'(?:[^'\\]|\\.)*'\s*\+?\s*)+),?/g;
const labels = [];
for (const m of body.matchAll(entry)) {
  const parts = [...m[2].matchAll(/'((?:[^'\\]|\\.)*)'/g)].map((p) => p[1].replace(/\\(.)/g, '$1'));
  labels[Number(m[1])] = parts.join('');
}
if (labels.length !== 1000 || labels.some((l) => !l)) {
  console.error(`expected 1000 labels, got ${labels.filter(Boolean).length}`);
  process.exit(1);
}
writeFileSync(out, labels.join('\n') + '\n');
console.log(`wrote ${labels.length} labels to ${out}`);
