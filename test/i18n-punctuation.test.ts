import { describe, expect, it } from 'vitest';
import { zhCN } from '../src/i18n/zh-CN';

/** Every string of a nested catalogue, with its key path. */
function strings(node: unknown, path = ''): [string, string][] {
  if (typeof node === 'string') return [[path, node]];
  if (node && typeof node === 'object')
    return Object.entries(node).flatMap(([k, v]) => strings(v, path ? `${path}.${k}` : k));
  return [];
}

describe('Chinese punctuation', () => {
  it('joins a heading and its value with a full-width colon ("与第二个模型对比: " had an ASCII one)', () => {
    expect(zhCN.app.colon).toBe('：');
    expect(`${zhCN.panels.compareSummary}${zhCN.app.colon}b.onnx`).toBe('与第二个模型对比：b.onnx');
  });

  it('has no ASCII colon after Chinese text in any message', () => {
    const bad = strings(zhCN).filter(([, s]) => /[\u4e00-\u9fff）]:/.test(s));
    expect(bad).toEqual([]);
  });
});
