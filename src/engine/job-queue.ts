/**
 * One job at a time, in call order: the engine's loads, classifications and background steps all
 * pass through here, so no run ever straddles a change of session.
 */

/**
 * Background work starts once no job was queued for `IDLE_MS` (the first photo, usually on its way
 * as the model answers, goes first), or after `WAIT_MS` at the latest (a camera keeps the queue
 * busy; each background step then waits for the frame in the queue).
 */
const IDLE_MS = 200;
const WAIT_MS = 2000;

/**
 * The quiet a model's background work waits for before its first step: the page shows the model
 * as ready about 170 ms after the worker answered the load (measured in chromium here), and a
 * photo sent at once should not wait for the self-check's reference run (0.7 s for B1).
 */
export const AFTER_LOAD_IDLE_MS = 600;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class JobQueue {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly now: () => number) {}

  /** Runs `job` after every job queued before it; its failure is the caller's, not the queue's. */
  enqueue<T>(job: () => Promise<T>): Promise<T> {
    const run = this.tail.then(job);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Settles once the jobs queued so far have run (their failures ignored). */
  async drained(): Promise<void> {
    await this.tail;
  }

  /** Settles once no job was queued for `idleMs`, or after `WAIT_MS` at the latest. */
  async whenIdle(idleMs = IDLE_MS): Promise<void> {
    const start = this.now();
    for (;;) {
      const tail = this.tail;
      await tail;
      await sleep(idleMs);
      if (tail === this.tail || this.now() - start >= WAIT_MS) break;
    }
    await this.tail;
  }

  /**
   * Lets the jobs queued meanwhile run first (a background step's pause), and says how long that
   * took, so background work can report its own time apart from theirs.
   */
  async yieldTo(): Promise<number> {
    const t = this.now();
    await this.tail;
    await sleep(0);
    return this.now() - t;
  }
}
