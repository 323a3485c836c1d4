/**
 * rightsize's time: a run's, shared by its resizes (they go one after another), and each resize's
 * polls. The clock is real, or where waits cost no real time (tests), the time the waits covered.
 */

/** Polls a machine's state after 1 s, 2 s, then every 5 s. */
const pollMs = (n: number) => Math.min(5000, 1000 * 2 ** n);

/** A resize's polls while it waits for the machine (the wait for a stop in flight aside). */
export const MAX_POLLS = 120;
/** A resize's time in all, when the run has that much left. */
export const RESIZE_BUDGET_MS = 13 * 60_000;
/**
 * A run's time for its resizes, from the run's start: SCF and Lambda end a run at 15 minutes (the
 * timeout deploy sets, 900 s, their most), and one ended mid-resize leaves its machine stopped
 * until the next run.
 */
export const RUN_BUDGET_MS = 13 * 60_000;
/**
 * The least time left in which a resize is begun: a stop, a reset and a start take a few minutes
 * (the emulator's: 20 s, 4 minutes and 20 s), and one given up half way leaves the machine stopped
 * until the next run, on the default schedule the next day. The two minutes past RUN_BUDGET_MS
 * leave room for the last calls of one (a look, the record of done, its keys removed).
 */
export const BEGIN_WITHIN_MS = 6 * 60_000;

/** The run's clock and its time left, shared by its resizes. */
export class RunTime {
  private slept = 0;
  private readonly began = performance.now();

  constructor(
    private readonly sleepFor: (ms: number) => Promise<void>,
    /** When the run began (ms), as its clock says: the base of the times written in tags. */
    private readonly startMs: number,
    /** Real time the run had spent before its resizes (ms): listing, metrics, prices. */
    private readonly spentBefore = 0,
  ) {}

  readonly clock = (): number => Math.max(Date.now(), this.startMs + this.slept);

  async sleep(ms: number): Promise<void> {
    await this.sleepFor(ms);
    this.slept += ms;
  }

  /** Time left of RUN_BUDGET_MS: real time, or where waits cost no real time, the time they covered. */
  left(): number {
    return RUN_BUDGET_MS - this.spentBefore - Math.max(performance.now() - this.began, this.slept);
  }
}

/** One resize's polls and time: RESIZE_BUDGET_MS, or what the run has left if less. */
export class Pacer {
  private waits = 0;
  private readonly began: number;
  /** This resize's time in all (ms). */
  readonly budget: number;

  constructor(private readonly run: RunTime) {
    this.began = run.clock();
    this.budget = Math.min(RESIZE_BUDGET_MS, run.left());
  }

  readonly clock = (): number => this.run.clock();

  /** Whether this resize still has time. */
  inTime(): boolean {
    return this.clock() - this.began < this.budget;
  }

  async pause(): Promise<void> {
    await this.run.sleep(pollMs(this.waits++));
  }

  /** A step was taken: the next wait starts short again. */
  moved(): void {
    this.waits = 0;
  }
}
