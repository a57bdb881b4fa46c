/** The card's lead sentence, as data, from hand-made top-5 lists. */
import { describe, expect, it } from 'vitest';
import { leadOf, percentText, shortLabel, UNSURE_BELOW } from '../src/app/lead';

const p = (index: number, label: string, probability: number) => ({ index, label, probability });

describe('the lead sentence', () => {
  it('names the top class in words with a short percentage', () => {
    expect(
      leadOf([p(281, 'tabby, tabby cat', 0.6234), p(285, 'Egyptian cat', 0.2)], false),
    ).toEqual({ kind: 'likely', label: 'tabby', percent: '62', index: 281 });
  });

  it('hedges below the threshold, and says an untrained model answers nothing whatever its score', () => {
    expect(leadOf([p(155, 'Shih-Tzu', 0.1015)], false)).toMatchObject({
      kind: 'unsure',
      percent: '10',
    });
    expect(leadOf([p(1, 'goldfish', UNSURE_BELOW)], false).kind).toBe('likely');
    expect(leadOf([p(1, 'goldfish', 0.99)], true)).toMatchObject({ kind: 'untrained' });
    expect(leadOf([], false)).toEqual({ kind: 'none' });
  });

  it('writes small percentages with one decimal and a label-less class by its number', () => {
    expect(percentText(0.0068)).toBe('0.7');
    expect(percentText(0.0999)).toBe('10.0');
    expect(percentText(1)).toBe('100');
    expect(shortLabel(p(42, '', 0.5))).toBe('#42');
    expect(shortLabel(p(7, ' cock , rooster', 0.5))).toBe('cock');
  });
});
