/** A model load's stages from the engine's progress reports, with hand-computed times. */
import { describe, expect, it } from 'vitest';
import {
  advanceStages,
  finishStages,
  pendingKind,
  seconds,
  stageFraction,
  stageMs,
  type LoadStage,
} from '../src/app/load-stages';

describe('load stages', () => {
  it('keeps one stage per phase in order, each ending where the next begins', () => {
    let stages: LoadStage[] = [];
    stages = advanceStages(stages, { phase: 'download', loaded: 0, total: null }, 0);
    stages = advanceStages(stages, { phase: 'download', loaded: 50, total: 200 }, 300);
    stages = advanceStages(stages, { phase: 'download', loaded: 200, total: 200 }, 900);
    expect(stages).toEqual([{ phase: 'download', startMs: 0, ms: null, loaded: 200, total: 200 }]);
    stages = advanceStages(stages, { phase: 'session', loaded: 0, total: null }, 1000);
    stages = advanceStages(stages, { phase: 'warmup', loaded: 0, total: null }, 2500);
    expect(stages.map((s) => [s.phase, s.startMs, s.ms])).toEqual([
      ['download', 0, 1000],
      ['session', 1000, 1500],
      ['warmup', 2500, null],
    ]);
    const done = finishStages(stages, 2800);
    expect(done.at(-1)).toMatchObject({ phase: 'warmup', ms: 300 });
    // The stages add up to the time from the choice to ready.
    expect(done.reduce((sum, s) => sum + s.ms!, 0)).toBe(2800);
    expect(finishStages(done, 9999)).toEqual(done);
  });

  it('starts a new stage when a phase comes back (external data downloads after the model)', () => {
    let stages: LoadStage[] = [];
    for (const [phase, at] of [
      ['download', 0],
      ['session', 100],
      ['download', 200],
    ] as const)
      stages = advanceStages(stages, { phase, loaded: 0, total: null }, at);
    expect(stages.map((s) => s.phase)).toEqual(['download', 'session', 'download']);
  });

  it('says the running time, the share done when known, and seconds to one decimal', () => {
    const running: LoadStage = {
      phase: 'download',
      startMs: 400,
      ms: null,
      loaded: 30,
      total: 120,
    };
    expect(stageMs(running, 1650)).toBe(1250);
    expect(stageMs({ ...running, ms: 77 }, 1650)).toBe(77);
    expect(stageFraction(running)).toBe(0.25);
    expect(stageFraction({ ...running, total: null })).toBeNull();
    expect(stageFraction({ ...running, total: 0 })).toBeNull();
    expect(seconds(1250)).toBe('1.3');
    expect(seconds(40)).toBe('0.0');
    expect(seconds(61_400)).toBe('61');
  });

  it('a photo queued during a load waits for the model until the load ends', () => {
    expect(pendingKind(true, true)).toBe('model');
    expect(pendingKind(true, false)).toBe('classify');
    expect(pendingKind(false, true)).toBe('classify');
  });
});
