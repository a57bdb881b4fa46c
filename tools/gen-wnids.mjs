#!/usr/bin/env node
// Generates src/data/imagenet1k-wnids.txt: the ILSVRC2012 WordNet ids, line N = class index N-1.
// ImageNet-1k's classes are WordNet 3.0 noun synsets, its labels are the synsets' lemma lists,
// and the class order is the sorted order of the wnids. So each label is matched to the noun
// synset with exactly that lemma list, and duplicates (two "crane"s, two "maillot"s) are resolved
// by requiring the ids to increase. Source: Debian's wordnet-base (WordNet 3.0):
//   apt-get download wordnet-base && dpkg -x wordnet-base_*.deb x
//   node tools/gen-wnids.mjs x/usr/share/wordnet/data.noun
import { readFileSync, writeFileSync } from 'node:fs';

const [
  dataNoun,
  labelsFile = 'src/data/imagenet1k-labels.txt',
  out = 'src/data/imagenet1k-wnids.txt',
] = process.argv.slice(2);
if (!dataNoun) {
  console.error('usage: node tools/gen-wnids.mjs <wordnet data.noun> [labels.txt] [out.txt]');
  process.exit(2);
}
const norm = (s) => s.toLowerCase().replace(/[^a-z0-9,]/g, '');
const synsets = []; // [offset, lemma list]
for (const line of readFileSync(dataNoun, 'latin1').split('\n')) {
  if (line.startsWith('  ') || line.trim() === '') continue; // licence header
  const f = line.split(' ');
  const offset = f[0];
  const count = parseInt(f[3], 16);
  const words = [];
  for (let i = 0; i < count; i++)
    words.push(f[4 + 2 * i].replace(/_/g, ' ').replace(/\(.*\)$/, ''));
  synsets.push([`n${offset}`, words]);
}
// Tiers, strictest first: the exact lemma list, then ignoring case and spacing ("jelly fish"),
// then the first lemma alone. Every match below the first tier is printed for review.
const tiers = [
  (label, words) => words.join(', ') === label,
  (label, words) => norm(words.join(',')) === norm(label),
  (label, words) => norm(words[0]) === norm(label.split(',')[0]),
  (label, words) => words.some((w) => norm(w) === norm(label.split(',')[0])),
];
const labels = readFileSync(labelsFile, 'utf8').trimEnd().split('\n');
const wnids = [];
let previous = '';
for (const [i, label] of labels.entries()) {
  let candidates = [];
  let tier = 0;
  for (; tier < tiers.length && candidates.length === 0; tier++) {
    candidates = synsets
      .filter(([w, words]) => w > previous && tiers[tier](label, words))
      .map(([w]) => w)
      .sort();
  }
  if (candidates.length > 0 && tier > 1) {
    const words = synsets.find(([w]) => w === candidates[0])[1].join(', ');
    console.log(`class ${i} "${label}" -> ${candidates[0]} (${words}) [tier ${tier}]`);
  }
  if (candidates.length === 0) {
    console.error(
      `class ${i} "${label}": no WordNet 3.0 noun synset with exactly these lemmas after ${previous}`,
    );
    process.exit(1);
  }
  previous = candidates[0];
  wnids.push(previous);
}
if (wnids[0] !== 'n01440764' || wnids[999] !== 'n15075141') {
  console.error(`unexpected ends: ${wnids[0]} .. ${wnids[999]}`);
  process.exit(1);
}
writeFileSync(out, wnids.join('\n') + '\n');
console.log(`wrote ${wnids.length} wnids to ${out}`);
