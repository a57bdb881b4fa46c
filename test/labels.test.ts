import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isLensError } from '../src/core/errors';
import { labelFor, parseLabels } from '../src/core/data/labels';
import { ROOT } from './helpers/fixtures';

const bundled = readFileSync(resolve(ROOT, 'src/data/imagenet1k-labels.txt'), 'utf8');

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(isLensError(e)).toBe(true);
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

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
    expect(errorOf(() => parseLabels("{0: 'a', 0: 'b'}"))).toMatch(/index 0 appears twice/);
    expect(errorOf(() => parseLabels("{0: 'a', 2: 'c'}"))).toMatch(/index 1 is missing/);
    expect(errorOf(() => parseLabels("{0: 'a' 1: 'b'}"))).toMatch(/syntax error on line 1/);
    expect(errorOf(() => parseLabels("{0: 'a',\n1: 'b"))).toMatch(/unterminated/);
    expect(errorOf(() => parseLabels(''))).toMatch(/empty/);
    expect(errorOf(() => parseLabels('["a", 3]'))).toMatch(/strings only/);
  });

  it('names classes beyond the label list "class N"', () => {
    expect(labelFor(['a'], 0)).toBe('a');
    expect(labelFor(['a'], 1000)).toBe('class 1000');
  });
});
