import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkLabelFileSize,
  labelCountWarning,
  labelFor,
  MAX_LABEL_FILE_BYTES,
  MAX_LABELS,
  parseLabels,
} from '../src/core/data/labels';
import { ROOT } from './helpers/fixtures';
import { lensError } from './helpers/errors';

const bundled = readFileSync(resolve(ROOT, 'src/data/imagenet1k-labels.txt'), 'utf8');

describe('label files', () => {
  it('reads the bundled ImageNet-1k list: 1000 labels in class order', () => {
    const { labels } = parseLabels(bundled);
    expect(labels).toHaveLength(1000);
    expect(labels[0]).toBe('tench, Tinca tinca');
    expect(labels[281]).toBe('tabby, tabby cat');
    expect(labels[999]).toBe('toilet tissue, toilet paper, bathroom tissue');
  });

  it("reads imagenet1000_clsid_to_human.txt's Python dict, quotes and all", () => {
    const text = `{0: 'tench, Tinca tinca',\n 1: 'goldfish, Carassius auratus',\n 2: "carpenter's kit, tool kit",\n 3: 'jack-o\\'-lantern'}`;
    expect(parseLabels(text).labels).toEqual([
      'tench, Tinca tinca',
      'goldfish, Carassius auratus',
      "carpenter's kit, tool kit",
      "jack-o'-lantern",
    ]);
  });

  it('round-trips the bundled list through the dict format', () => {
    const { labels } = parseLabels(bundled);
    const dict = `{${labels.map((l, i) => `${i}: ${l.includes("'") ? `"${l}"` : `'${l}'`}`).join(',\n ')}}`;
    expect(parseLabels(dict).labels).toEqual(labels);
  });

  it('reads one label per line, with CRLF and a trailing newline', () => {
    expect(parseLabels('tench\r\ngoldfish\r\n').labels).toEqual(['tench', 'goldfish']);
  });

  it("reads Keras' imagenet_class_index.json with its wnids", () => {
    const set = parseLabels('{"0": ["n01440764", "tench"], "1": ["n01443537", "goldfish"]}');
    expect(set).toEqual({ labels: ['tench', 'goldfish'], wnids: ['n01440764', 'n01443537'] });
  });

  it('refuses duplicate ids, gaps and bad syntax with a clear message', () => {
    expect(lensError(() => parseLabels("{0: 'a', 0: 'b'}")).message).toMatch(
      /index 0 appears twice/,
    );
    expect(lensError(() => parseLabels("{0: 'a', 2: 'c'}")).message).toMatch(/index 1 is missing/);
    expect(lensError(() => parseLabels("{0: 'a' 1: 'b'}")).message).toMatch(
      /syntax error on line 1/,
    );
    expect(lensError(() => parseLabels("{0: 'a',\n1: 'b")).message).toMatch(/unterminated/);
    expect(lensError(() => parseLabels('')).message).toMatch(/empty/);
    expect(lensError(() => parseLabels('["a", 3]')).message).toMatch(/strings only/);
  });

  it('names classes beyond the label list "class N"', () => {
    expect(labelFor(['a'], 0)).toBe('a');
    expect(labelFor(['a'], 1000)).toBe('class 1000');
  });
});

describe('one label per line: nothing shifts the indices', () => {
  const { labels: imagenet } = parseLabels(bundled);
  const lines = imagenet.join('\n');

  it('a blank first line, a BOM, CRLF, CR, trailing whitespace and blank lines at the end', () => {
    for (const text of [
      `\n${lines}\n`,
      `\n\n  \n${lines}`,
      `\uFEFF${lines}`,
      `\uFEFF\r\n${imagenet.join('\r\n')}\r\n\r\n`,
      imagenet.join('\r'),
      imagenet.map((l) => `${l} \t`).join('\n'),
      `${lines}\n\n\n`,
    ]) {
      const set = parseLabels(text);
      expect(set.labels).toHaveLength(1000);
      // The issue's case: class 155 must be its own label, not the next one's.
      expect(labelFor(set.labels, 155)).toBe(imagenet[155]);
      expect(set.labels).toEqual(imagenet);
      expect(set.blankLines).toEqual([]);
    }
  });

  it('an interior blank line takes no index, and a count mismatch names it', () => {
    const text = ['tench', 'goldfish', '', 'great white shark', '   ', 'tiger shark'].join('\n');
    const set = parseLabels(text);
    expect(set.labels).toEqual(['tench', 'goldfish', 'great white shark', 'tiger shark']);
    expect(set.lines).toEqual([1, 2, 4, 6]);
    expect(set.blankLines).toEqual([3, 5]);
    expect(labelCountWarning(4, set, 'sharks.txt')).toBeNull();
    expect(labelCountWarning(6, set, 'sharks.txt')).toBe(
      'The model has 6 classes but sharks.txt lists 4; classes without a label are shown as "class N". Blank lines 3, 5 were skipped (a blank line takes no class index); if a class has no name, write one there.',
    );
  });

  it('a count mismatch without blank lines names the line where the lists part', () => {
    const set = parseLabels('a\nb\nc\n');
    expect(labelCountWarning(5, set, 'abc.txt')).toBe(
      'The model has 5 classes but abc.txt lists 3; classes without a label are shown as "class N". The last label, "c", is on line 3 and is class 2.',
    );
    expect(labelCountWarning(2, set, 'abc.txt')).toBe(
      'The model has 2 classes but abc.txt lists 3; classes without a label are shown as "class N". The labels from line 3 ("c") on have no class.',
    );
    expect(labelCountWarning(5, parseLabels('["a", "b"]'), 'ab.json')).toBe(
      'The model has 5 classes but ab.json lists 2; classes without a label are shown as "class N".',
    );
  });

  it('refuses a file over the size or count limit with a message, quickly', () => {
    expect(lensError(() => checkLabelFileSize(MAX_LABEL_FILE_BYTES + 1, 'big.txt')).message).toBe(
      'big.txt is too large (16.0 MB, limit 16 MB): a label file lists one name per class.',
    );
    expect(() => checkLabelFileSize(MAX_LABEL_FILE_BYTES)).not.toThrow();
    expect(
      lensError(() => parseLabels('x\n'.repeat(MAX_LABEL_FILE_BYTES / 2 + 1))).message,
    ).toMatch(/too large \(16\.0 MB, limit 16 MB\)/);
    expect(lensError(() => parseLabels('ab\n'.repeat(MAX_LABELS + 1))).message).toBe(
      'The label file lists 100001 labels; the limit is 100,000 classes.',
    );
  });
});
