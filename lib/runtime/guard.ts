/**
 * The blast-radius guard every function that stops or starts machines shares: a run may act on
 * at most a share and a count of the resources in scope; past either, it acts on none.
 */
import type { Decision, Guard } from "./spec.ts";

export interface GuardLimits {
  maxFraction: number;
  maxCount: number | undefined;
  /** Let the run past the guard (an operator's explicit choice). */
  override?: boolean;
}

/** The guard's verdict over a run's decisions; `outOfScope` kinds do not count in the denominator. */
export function blastRadius<K extends string>(decisions: ReadonlyArray<Decision<K>>, outOfScope: ReadonlySet<K>, limits: GuardLimits): Guard {
  const inScope = decisions.filter((d) => !outOfScope.has(d.kind)).length;
  const wouldAct = decisions.filter((d) => d.action).length;
  const limit = Math.min(Math.floor(limits.maxFraction * inScope), limits.maxCount ?? Number.POSITIVE_INFINITY);
  return { tripped: wouldAct > limit && !limits.override, inScope, wouldAct, limit: Number.isFinite(limit) ? limit : inScope };
}
