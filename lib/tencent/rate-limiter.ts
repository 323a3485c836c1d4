/**
 * Client-side limiter that keeps every action under its documented per-second limit (seed
 * 004: "A maximum of N requests can be initiated per second for this API"), so a large run
 * never trips the server's limiter in the first place.
 *
 * A slot is held from the start of a call until one window after its reply. The server counts
 * a request when it arrives, which is somewhere between our start and our reply; timing slots
 * from the reply means any L+1 calls arrive at least a window apart however the network delays
 * them (timing from the start let connection set-up bunch arrivals and trip the server).
 */

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

export type Release = () => void;

export class SlidingWindowLimiter {
  /** Reply times of finished calls still inside the window, oldest first. */
  private readonly done: number[] = [];
  private inFlight = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private wake: (() => void) | undefined;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly clock: Clock,
  ) {}

  /** Resolves when one more call may start; call the returned function when it has replied. */
  take(): Promise<Release> {
    const turn = this.chain.then(() => this.waitForSlot());
    this.chain = turn.catch(() => undefined);
    return turn;
  }

  private async waitForSlot(): Promise<Release> {
    for (;;) {
      const now = this.clock.now();
      while (this.done.length && this.done[0]! <= now - this.windowMs) this.done.shift();
      if (this.inFlight + this.done.length < this.limit) {
        this.inFlight++;
        let released = false;
        return () => {
          if (released) return;
          released = true;
          this.inFlight--;
          this.done.push(this.clock.now());
          this.wake?.();
        };
      }
      if (this.done.length) await this.clock.sleep(this.done[0]! + this.windowMs - now);
      else await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}

/** One limiter per key (service/action/region), created on first use. */
export class LimiterRegistry {
  private readonly limiters = new Map<string, SlidingWindowLimiter>();
  // A hair over a second, for clock granularity between us and the server.
  constructor(
    private readonly clock: Clock,
    private readonly windowMs = 1010,
  ) {}

  /** A slot under `limit` calls per window (a second unless `windowMs` says otherwise). */
  take(key: string, limit: number, windowMs = this.windowMs): Promise<Release> {
    let l = this.limiters.get(key);
    if (!l) {
      l = new SlidingWindowLimiter(limit, windowMs, this.clock);
      this.limiters.set(key, l);
    }
    return l.take();
  }
}
