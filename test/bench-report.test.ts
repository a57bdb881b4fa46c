import { describe, expect, it } from 'vitest';
import { loadNote } from '../src/cli/bench-report';

describe('bench load note', () => {
  it('says other jobs shared the machine only when the load was above the core count', () => {
    expect(loadNote(3.1, 2.9, 2)).toMatch(
      /3\.1 at the start, 2\.9 .* on 2 cores: above the core count/,
    );
    expect(loadNote(0.5, 2.4, 2)).toMatch(/above the core count/);
    const quiet = loadNote(0.5, 1.7, 2);
    expect(quiet).toMatch(/0\.5 at the start, 1\.7 .*: not above the core count/);
    expect(quiet).not.toMatch(/inflated/);
  });
});
