/**
 * Client-side limiter that keeps every action under its documented per-second limit (seed
 * 004: "A maximum of N requests can be initiated per second for this API"), so a large run
 * never trips the server's limiter. A sliding window: at most `limit` starts in any window.
 */

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

export class SlidingWindowLimiter {
  private readonly starts: number[] = [];
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly clock: Clock,
  ) {}

  /** Resolves when one more request may start. Callers are served in order. */
  take(): Promise<void> {
    const turn = this.chain.then(() => this.waitForSlot());
    this.chain = turn.catch(() => undefined);
    return turn;
  }

  private async waitForSlot(): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      while (this.starts.length && this.starts[0]! <= now - this.windowMs) this.starts.shift();
      if (this.starts.length < this.limit) {
        this.starts.push(now);
        return;
      }
      await this.clock.sleep(this.starts[0]! + this.windowMs - now);
    }
  }
}

/** One limiter per key (service/action/region), created on first use. */
export class LimiterRegistry {
  private readonly limiters = new Map<string, SlidingWindowLimiter>();
  // A little over a second: arrival times at the server can bunch up by network jitter.
  constructor(private readonly clock: Clock, private readonly windowMs = 1050) {}

  take(key: string, perSecond: number): Promise<void> {
    let l = this.limiters.get(key);
    if (!l) {
      l = new SlidingWindowLimiter(perSecond, this.windowMs, this.clock);
      this.limiters.set(key, l);
    }
    return l.take();
  }
}
