/**
 * Rates for the live camera, as plain data: events per second over a window that fits the
 * events' own pace. A fixed two-second window read 0.0 for a model answering every 1.25 s (12
 * frames classified in 15 s showed "0.0 fps"); here the window is the last `windowMs` or, when
 * that holds too few events, the last `minEvents` of them (up to `maxAgeMs` back), so a slow
 * model's rate is measured over its own last few answers and a fast one's over two seconds.
 */
export interface RateOptions {
  /** The window for fast events (ms). */
  windowMs: number;
  /** Fewer events than this inside the window: look further back, to this many events. */
  minEvents: number;
  /** Events older than this never count (ms): after a long stall the rate reads 0. */
  maxAgeMs: number;
}

export const DEFAULT_RATE: RateOptions = { windowMs: 2000, minEvents: 6, maxAgeMs: 30_000 };

/** Timestamps of one kind of event (camera frames, classified frames) and their rate. */
export class RateMeter {
  private stamps: number[] = [];
  constructor(private readonly options: RateOptions = DEFAULT_RATE) {}

  reset(): void {
    this.stamps = [];
  }

  /** Records an event at `now` (ms, monotonic) and returns the rate then. */
  add(now: number): number {
    this.stamps.push(now);
    return this.rate(now);
  }

  /**
   * Events per second at `now`: intervals counted over the time from the window's first event to
   * `now`, so a rate read long after the last event falls (a stalled model does not keep its
   * old figure).
   */
  rate(now: number): number {
    const { windowMs, minEvents, maxAgeMs } = this.options;
    while (this.stamps.length > 0 && now - this.stamps[0]! > maxAgeMs) this.stamps.shift();
    const n = this.stamps.length;
    if (n < 2) return 0;
    let start = this.stamps.findIndex((t) => now - t <= windowMs);
    if (start < 0) start = n;
    // Too few events in the window: take the last `minEvents` (or all there are).
    start = Math.min(start, Math.max(0, n - minEvents));
    // Drop what can never be used again, so the list stays short at 60 frames/s.
    if (start > 64) {
      this.stamps.splice(0, start);
      start = 0;
    }
    const span = now - this.stamps[start]!;
    const intervals = this.stamps.length - 1 - start;
    return intervals > 0 && span > 0 ? (intervals * 1000) / span : 0;
  }
}

/** A rate as shown: one decimal from 1 per second up, two below (0.83, not 0.8 or 0.0). */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return '0';
  return perSecond >= 1 ? perSecond.toFixed(1) : perSecond.toFixed(2);
}
