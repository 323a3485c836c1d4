/**
 * The blast-radius guard every function that stops or starts machines shares: a run may act on
 * at most a share and a count of the resources in scope; past either, it acts on none.
 */
import type { Decision, DecisionSummary, Guard } from "./spec.ts";

export interface GuardLimits {
  maxFraction: number;
  maxCount: number | undefined;
  /** Let the run past the guard (an operator's explicit choice). */
  override?: boolean;
}

/** The guard's verdict over a run's decisions, from their counts; `outOfScope` kinds do not count in the denominator. */
export function blastRadius<K extends string>(
  summary: DecisionSummary<K>,
  outOfScope: ReadonlySet<K>,
  limits: GuardLimits,
): Guard {
  const counts = Object.entries(summary.byKind) as Array<[K, number]>;
  const inScope = counts.reduce((n, [k, c]) => n + (outOfScope.has(k) ? 0 : c), 0);
  const wouldAct = summary.acting.length;
  // Fail closed: a limit that is not a number (NaN from a bad share, say) trips the guard, even
  // with the override, since no comparison with NaN is ever true and the run would act on all.
  if (!validLimit(limits.maxFraction) || (limits.maxCount !== undefined && !validLimit(limits.maxCount))) {
    return { tripped: wouldAct > 0, inScope, wouldAct, limit: 0 };
  }
  const limit = Math.min(Math.floor(limits.maxFraction * inScope), limits.maxCount ?? Number.POSITIVE_INFINITY);
  return {
    tripped: wouldAct > limit && !limits.override,
    inScope,
    wouldAct,
    limit: Number.isFinite(limit) ? limit : inScope,
  };
}

/** A usable limit: a finite number, not negative. */
export const validLimit = (n: unknown): n is number => typeof n === "number" && Number.isFinite(n) && n >= 0;

/** The counts a guard reads, for a list of decisions (the runner keeps only these, not every decision). */
export function summarizeDecisions<K extends string>(decisions: ReadonlyArray<Decision<K>>): DecisionSummary<K> {
  const byKind: Partial<Record<K, number>> = {};
  for (const d of decisions) byKind[d.kind] = (byKind[d.kind] ?? 0) + 1;
  return { acting: decisions.filter((d) => d.action), byKind };
}

/** A shard's share of a run-wide count limit: floor(limit / shards), so together they never exceed it. */
export const shareOf = (limit: number | undefined, shards: number): number | undefined =>
  // A shard count that is not a number of at least 1 yields no share at all (0), never NaN. It may
  // be fractional: a batch of k of n shards counts as n / k.
  limit === undefined ? undefined : Number.isFinite(shards) && shards >= 1 ? Math.floor(limit / shards) : 0;
