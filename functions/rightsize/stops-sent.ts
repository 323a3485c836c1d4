/**
 * What a resize knows of the stops that may still land on its machine: its own, and those other
 * runs recorded on the machine (the progress tag, their stop keys).
 */
import { progressOf, RESIZING_TAG, STOP_KEY_PREFIX } from "./plan.ts";

/**
 * How long after it was sent a stop whose answer we never had may still be carried out: the API
 * refuses a request signed more than 5 minutes before it arrives (SignatureExpire: the current
 * API 3.0 signature docs; emulator/auth.ts MAX_CLOCK_SKEW_S), and a minute more for clocks and the
 * limiter's wait. Until then no second stop is sent and nothing the stop could undo is done (a
 * start, the record of done): a late copy landing after them would leave the machine stopped at
 * its new type, with a record saying the resize is done.
 */
export const STOP_IN_FLIGHT_MS = 6 * 60_000;

/**
 * The stops a resize sent, and whether one of them, or one another run tagged, may still land.
 * Each resize marks its tag values with its own random mark, so a value another run wrote in the
 * same second is not taken for ours.
 */
export class StopsSent {
  readonly mark = Math.random().toString(36).slice(2, 8);
  /** This resize's stop key, its value the time its last stop was sent. */
  readonly key = `${STOP_KEY_PREFIX}${this.mark}`;
  /** Our tag values under which no stop can land later: answered, or none sent. */
  private readonly answered = new Set<string>();
  /** Until when a stop of ours with no answer may land: kept here too, as another run may overwrite the tag. */
  private unansweredUntil = 0;
  /** When this resize first saw each tag value that names a stop. */
  private readonly firstSeen = new Map<string, number>();

  constructor(private readonly clock: () => number) {}

  /** Whether this resize has sent a stop: the machine found stopped at its old type may be its doing. */
  private sentOne = false;

  /** A stop of ours was sent under this tag value, answered or not; for one with no answer the window runs from now, after its last possible signing. */
  sent(tagValue: string, unanswered: boolean): void {
    this.sentOne = true;
    if (unanswered) this.unansweredUntil = this.clock() + STOP_IN_FLIGHT_MS;
    else this.answered.add(tagValue);
  }

  /** Our tag value under which no stop was sent (written again, or the stop held back): nothing to wait for. */
  noStop(tagValue: string): void {
    this.answered.add(tagValue);
  }

  sentAny(): boolean {
    return this.sentOne;
  }

  /** Whether a stop of ours with no answer may still be carried out. */
  oursMayLand(): boolean {
    return this.clock() < this.unansweredUntil;
  }

  /** Until when (ms) a stop of ours with no answer may be carried out. */
  oursLandBy(): number {
    return this.unansweredUntil;
  }

  /**
   * Whether a stop may still be carried out, given the machine's tags now: its progress tag (the
   * last stop any run tagged there, and all a version before stop keys wrote), and every other
   * resize's stop key (a run that tagged in the same moment as another is hidden in the progress
   * tag, not there). Ours is known here: the one unanswered is kept above, an answered one cannot land.
   */
  mayLand(tags: ReadonlyMap<string, string>): boolean {
    // Every record is looked at, none skipped once one says yes: each one's first sighting is
    // noted now, so their windows run side by side, not one after another.
    let may = this.oursMayLand();
    const progress = tags.get(RESIZING_TAG);
    if (progress !== undefined && !this.answered.has(progress))
      may = this.recent(progress, progressOf(progress)?.stopSentAt) || may;
    for (const [k, v] of tags)
      if (k.startsWith(STOP_KEY_PREFIX) && k !== this.key) may = this.recent(`${k}=${v}`, Date.parse(v)) || may;
    return may;
  }

  /**
   * Whether a stop sent at `sentAt` (ms; NaN or undefined: not said) may still land. A time ahead of
   * this clock (a hand edit, a host whose clock runs ahead) is believed only from the moment this
   * resize first saw it (`seenAs` names it): no wait is longer than the window.
   */
  private recent(seenAs: string, sentAt: number | undefined): boolean {
    if (sentAt === undefined || !Number.isFinite(sentAt)) return false;
    const now = this.clock();
    let seen = this.firstSeen.get(seenAs);
    if (seen === undefined) this.firstSeen.set(seenAs, (seen = now));
    return now < Math.min(sentAt, seen) + STOP_IN_FLIGHT_MS;
  }
}
