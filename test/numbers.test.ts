/** Numbers kept whole in text (they must never wrap), from hand-written strings. */
import { describe, expect, it } from 'vitest';
import { splitNumbers } from '../src/app/numbers';

const numbers = (s: string) => splitNumbers(s).flatMap((p) => (p.number ? [p.text] : []));

describe('splitNumbers', () => {
  it('keeps a number with its unit, commas, decimals and exponent together', () => {
    expect(
      numbers('182,080 parameters, 0.0100 GMACs; SQNR 21.47 dB after 1.00e+5 and -3.5e-7'),
    ).toEqual(['182,080', '0.0100 GMACs', '21.47 dB', '1.00e+5', '-3.5e-7']);
    expect(numbers('top-1 agreement 97.5 %, 12 ms')).toEqual(['97.5 %', '12 ms']);
  });

  it('leaves numbers inside names alone and gives back the text unchanged', () => {
    const text = '/stages/stages.1/stages.1.0/Conv on B1, x86: 3 layers';
    expect(numbers(text)).toEqual(['3']);
    expect(
      splitNumbers(text)
        .map((p) => p.text)
        .join(''),
    ).toBe(text);
    expect(splitNumbers('')).toEqual([]);
  });
});
