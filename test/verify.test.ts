import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findReference, parseReference, verify } from '../src/core/data/verify';
import { FIXTURES } from './helpers/fixtures';

const text = readFileSync(resolve(FIXTURES, 'references.json'), 'utf8');

describe('reference verification', () => {
  const refs = parseReference(text);
  const chelsea = refs.get('chelsea.png')!;
  const logits = (JSON.parse(text) as { images: Record<string, { logits: number[] }> }).images[
    'chelsea.png'
  ]!.logits;

  it('reads the PyTorch reference file, skipping variants', () => {
    expect(refs.has('chelsea.png')).toBe(true);
    expect([...refs.keys()].some((k) => k.includes('#'))).toBe(false);
    expect(chelsea.top5.map((t) => t.index)).toEqual(
      (JSON.parse(text) as { images: Record<string, { top5: { index: number }[] }> }).images[
        'chelsea.png'
      ]!.top5.map((t) => t.index),
    );
  });

  it('passes identical logits and fails shifted ones, naming the difference', () => {
    const same = verify(chelsea.top5, logits, chelsea, 1e-4);
    expect(same).toEqual({ pass: true, top5Agree: true, maxAbsDiff: 0 });
    const shifted = logits.slice();
    shifted[chelsea.top5[4]!.index]! += 3; // the 5th class jumps to first
    const bad = verify([], shifted, chelsea, 1e-4);
    expect(bad.pass).toBe(false);
    expect(bad.maxAbsDiff).toBeGreaterThan(0.1);
  });

  it('accepts the CLI classify --json list and top-5-only references', () => {
    const list = parseReference(
      JSON.stringify([{ file: 'dir/a.png', top5: [{ index: 3, probability: 0.5, label: 'x' }] }]),
    );
    const found = findReference(list, 'a.png');
    if (found.kind !== 'found') throw new Error('a.png not found');
    const a = found.entry;
    expect(a.probabilities).toBeNull();
    // softmax([0, 0, 0, ln 3]) gives class 3 exactly 0.5, as the reference says.
    expect(verify([{ index: 3, probability: 0.5 }], [0, 0, 0, Math.log(3)], a, 1e-9)).toMatchObject(
      { pass: true, top5Agree: true },
    );
    expect(verify([{ index: 3, probability: 0.25 }], [0, 0, 0, 0], a, 1e-4)).toMatchObject({
      pass: false,
      maxAbsDiff: 0.25,
    });
  });

  it('refuses malformed references with a message', () => {
    expect(() => parseReference('nope')).toThrow(/not valid JSON/);
    expect(() => parseReference('{"images": {"a.png": {}}}')).toThrow(
      /neither "logits" nor "top5"/,
    );
    expect(() => parseReference('{"x": 1}')).toThrow(/Expected/);
  });

  it('matches files by path: exact, then folder suffix, then a unique base name', () => {
    const entry = (index: number) => ({ top5: [{ index, probability: 1 }] });
    const refs = parseReference(
      JSON.stringify({
        images: {
          'cats/x.png': entry(1),
          'dogs/x.png': entry(2),
          'val\\birds\\y.png': entry(3),
          './z.png': entry(4),
        },
      }),
    );
    const index = (path: string) => {
      const m = findReference(refs, path);
      return m.kind === 'found' ? m.entry.top5[0]!.index : m.kind;
    };
    // two x.png in different folders stay two references
    expect(index('cats/x.png')).toBe(1);
    expect(index('dogs/x.png')).toBe(2);
    expect(index('photos/dogs/x.png')).toBe(2);
    expect(index('birds/x.png')).toBe('ambiguous');
    expect(findReference(refs, 'x.png')).toEqual({
      kind: 'ambiguous',
      keys: ['cats/x.png', 'dogs/x.png'],
    });
    // Windows separators and "./" do not matter; a unique base name is enough
    expect(index('birds/y.png')).toBe(3);
    expect(index('y.png')).toBe(3);
    expect(index('z.png')).toBe(4);
    expect(index('w.png')).toBe('missing');
  });
});
