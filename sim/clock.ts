/**
 * The simulated clock. Every part of the world reads time from here: the emulator, the functions'
 * runs and `serve`'s link pages (which read `Date.now()` themselves, so the global Date is replaced
 * while a simulation runs — the way FoundationDB's simulator owns time). Between steps the clock
 * moves only when the simulation says; inside a step it also moves with real time, so a limiter
 * or timeout that waits on the wall clock still ends (its drift is milliseconds against steps of
 * minutes), and a wait through `sleep` moves it at once.
 */
const RealDate = Date;

export class SimClock {
  private simMs: number;
  private realAt = RealDate.now();

  constructor(startMs: number) {
    this.simMs = startMs;
  }

  now(): number {
    return this.simMs + (RealDate.now() - this.realAt);
  }

  /** Puts the clock at a step's instant. */
  set(ms: number): void {
    this.simMs = ms;
    this.realAt = RealDate.now();
  }

  /** A wait that costs no real time. */
  readonly sleep = async (ms: number): Promise<void> => {
    this.simMs += Math.max(0, ms);
  };

  /** Replaces the global Date so `new Date()` and `Date.now()` read this clock; returns the undo. */
  install(): () => void {
    const clock = this;
    class SimDate extends RealDate {
      constructor(...args: unknown[]) {
        if (args.length === 0) super(clock.now());
        else super(...(args as [number]));
      }
      static override now(): number {
        return clock.now();
      }
    }
    globalThis.Date = SimDate as DateConstructor;
    return () => {
      globalThis.Date = RealDate;
    };
  }
}

/** A Date at an instant, whatever the global Date is at the moment. */
export const dateAt = (ms: number) => new RealDate(ms);
