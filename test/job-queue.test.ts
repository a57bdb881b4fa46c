import { describe, expect, it } from 'vitest';
import { JobQueue } from '../src/engine/job-queue';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('JobQueue.whenIdle', () => {
  it('waits for the given quiet after the last job, and a job queued meanwhile goes first', async () => {
    const q = new JobQueue(() => performance.now());
    const order: string[] = [];
    const t0 = performance.now();
    const idle = q.whenIdle(300).then(() => order.push('background'));
    await sleep(100);
    void q.enqueue(async () => {
      await sleep(50);
      order.push('photo');
    });
    await idle;
    expect(order).toEqual(['photo', 'background']);
    // 100 ms until the photo, 50 ms of it, then 300 ms of quiet (timers may fire a little early).
    expect(performance.now() - t0).toBeGreaterThan(420);
  });

  it('gives up waiting for quiet after 2 s of a busy queue (a camera), once the tail has run', async () => {
    const q = new JobQueue(() => performance.now());
    let busy = true;
    const frames = (async () => {
      while (busy) {
        void q.enqueue(() => sleep(20));
        await sleep(50);
      }
    })();
    const t0 = performance.now();
    await q.whenIdle(200);
    const waited = performance.now() - t0;
    busy = false;
    await frames;
    expect(waited).toBeGreaterThan(1900);
    expect(waited).toBeLessThan(4000);
  });
});
