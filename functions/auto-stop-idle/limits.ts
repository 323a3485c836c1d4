/**
 * What narrows the machines a run reads metrics for, beyond scope and screening (candidates.ts
 * works it out; region-decider.ts applies it).
 */
import type { RegionMemory } from "./busy-memory.ts";

/** What narrows the machines whose metrics are read, beyond scope and screening. */
export interface CandidateLimits {
  /** Alarm mode: only these (reported by the idle alarm policy) are verified; other in-scope machines are kept as not alarmed. */
  alarmed?: ReadonlySet<string>;
  /** At most this many machines get metric queries this run (the metric budget); the rest are kept as deferred. */
  verifyAtMost?: number;
  /**
   * A signed "stop now" link named these, each with the running period it was issued for: each is
   * stopped if still in that period, in scope and not opted out, without metrics; every other machine is kept.
   */
  stopNow?: ReadonlyMap<string, string>;
  /** Not a limit: the key this function's warnings are sealed with (WEBHOOK_SECRET; warning-tag.ts). */
  warningSecret?: string | undefined;
  /** The run's number under verifyAtMost (its schedule slot): whose turn it is in the rotation (rotation.ts). */
  run?: number;
  /**
   * Polling's memory of busy machines (busy-memory.ts): one whose remembered busy points prove it
   * busy now is kept unqueried, before the metric budget, so it takes none of it; every CPU series
   * read is shown to it.
   */
  memory?: RegionMemory | undefined;
}
