import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  busyShare,
  cpuJiffies,
  QUIET,
  quietLog,
  quietNote,
  waitQuiet,
} from '../src/cli/bench-timers';

// Two readings of /proc/stat, one second apart on 2 cores (200 jiffies), written by hand.
const before = `cpu  1000 10 300 5000 20 0 5 5 0 0
cpu0 500 5 150 2500 10 0 2 2 0 0
cpu1 500 5 150 2500 10 0 3 3 0 0
intr 12345 0 0`;
const after = `cpu  1030 10 310 5150 25 0 5 10 0 0
cpu0 515 5 155 2575 12 0 2 5 0 0
cpu1 515 5 155 2575 13 0 3 5 0 0
intr 12400 0 0`;

describe('bench: waiting for a quiet machine', () => {
  it('reads busy and total jiffies from the all-CPU line (idle and iowait are not busy)', () => {
    // total 1000+10+300+5000+20+0+5+5 = 6340; idle 5000 + iowait 20
    expect(cpuJiffies(before)).toEqual({ busy: 1320, total: 6340 });
    expect(cpuJiffies('intr 1 2 3\n')).toBeNull();
    expect(cpuJiffies('cpu  a b c d\n')).toBeNull();
  });

  it('gives the busy share between two readings', () => {
    // busy 1320 -> 1365 (+45, steal counts as busy), total 6340 -> 6540 (+200): 22.5 %
    expect(busyShare(cpuJiffies(before)!, cpuJiffies(after)!)).toBeCloseTo(0.225, 10);
    expect(busyShare(cpuJiffies(before)!, cpuJiffies(before)!)).toBe(0);
  });

  it('says what it waited, and that it could not read the machine', () => {
    expect(quietNote({ blocks: 12, waitedMs: 4250, late: 1 })).toMatch(
      /at most 15 % .* 250 ms .* at most 5 s: 12 waits, 4\.3 s in all, 1 of them ended at the limit/,
    );
    expect(quietNote(quietLog())).toMatch(/no reading of \/proc\/stat here, so no wait/);
  });

  it.runIf(existsSync('/proc/stat'))(
    'waits at least one window and at most the limit, and logs it',
    async () => {
      const log = quietLog();
      const t0 = performance.now();
      await waitQuiet(log);
      const ms = performance.now() - t0;
      expect(log.blocks).toBe(1);
      expect(ms).toBeGreaterThanOrEqual(QUIET.windowMs - 5);
      expect(ms).toBeLessThan(QUIET.maxMs + 2 * QUIET.windowMs + 1000);
      expect(log.waitedMs).toBeLessThanOrEqual(ms + 1);
      // Before the limit it can only have stopped because the machine was quiet.
      if (ms < QUIET.maxMs) expect(log.late).toBe(0);
    },
    15_000,
  );
});
