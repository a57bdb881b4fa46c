import { describe, expect, it } from 'vitest';
import { parseReference, ReferenceShapeError } from '../src/core/data/verify';

/** The same reference in the shapes tools commonly write; each must read to the same top-5. */
const logits = [0.1, 2.5, -1, 0.7, 3.2, 0, 1.1];
const top5 = [
  { index: 4, probability: 0.5 },
  { index: 1, probability: 0.25 },
];
const shapes: Record<string, unknown> = {
  'images map (pytorch_reference.py)': { images: { 'a.png': { logits } } },
  'results list with image, logits and top5 {index, prob}': {
    results: [
      { image: 'a.png', logits, top5: top5.map((t) => ({ index: t.index, prob: t.probability })) },
    ],
  },
  'images list with path and scores': { images: [{ path: 'a.png', scores: logits }] },
  'bare list with name and top5 {index, p}': [
    { name: 'a.png', top5: top5.map((t) => ({ index: t.index, p: t.probability })) },
  ],
  'CLI --json list': [{ file: 'a.png', top5 }],
  'results map': { results: { 'a.png': { top5 } } },
};

describe('parseReference accepts the common shapes', () => {
  for (const [name, value] of Object.entries(shapes)) {
    it(name, () => {
      const ref = parseReference(JSON.stringify(value)).get('a.png');
      expect(ref).toBeDefined();
      expect(ref!.top5[0]!.index).toBe(4);
      expect(ref!.top5[1]!.index).toBe(1);
      // Logits give all probabilities (softmax, computed independently here); a top-5 does not.
      if (ref!.probabilities) {
        const e = logits.map(Math.exp);
        const sum = e.reduce((a, b) => a + b, 0);
        expect(ref!.top5[0]!.probability).toBeCloseTo(e[4]! / sum, 12);
      } else expect(ref!.top5[0]!.probability).toBe(0.5);
    });
  }
});

describe('a reference that does not fit says which keys it found and which are missing', () => {
  const problemOf = (value: unknown) => {
    try {
      parseReference(JSON.stringify(value));
    } catch (e) {
      if (e instanceof ReferenceShapeError) return e.problem;
      throw e;
    }
    throw new Error('accepted');
  };

  it('at the top level', () => {
    expect(problemOf({ data: [], version: 2 })).toEqual({
      where: 'top',
      at: null,
      found: ['data', 'version'],
      missing: ['images|results'],
    });
  });

  it('in an entry without a name, and one without scores', () => {
    expect(problemOf({ results: [{ img: 'a.png', logits }] })).toEqual({
      where: 'entry',
      at: '1',
      found: ['img', 'logits'],
      missing: ['image|file|path|name'],
    });
    expect(problemOf([{ file: 'a.png', output: logits }])).toEqual({
      where: 'entry',
      at: 'a.png',
      found: ['file', 'output'],
      missing: ['logits|scores | top5'],
    });
  });

  it('in a top-5 entry', () => {
    expect(problemOf([{ file: 'a.png', top5: [{ index: 4, confidence: 0.5 }] }])).toEqual({
      where: 'top5',
      at: 'a.png',
      found: ['index', 'confidence'],
      missing: ['probability|prob|p'],
    });
  });
});
