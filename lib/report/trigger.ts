/**
 * What started a run, platform-neutral. A trigger may only narrow a run — dry-run on, fewer
 * regions, fewer instances — never widen it beyond the env config.
 */
import type { Account } from "../accounts/accounts.ts";

export interface Trigger {
  source: "timer" | "webhook" | "cli" | "test" | "shard";
  requestId?: string | undefined;
  dryRun?: boolean | undefined;
  regions?: string[] | undefined;
  instanceIds?: string[] | undefined;
  /**
   * Instances a Cloud Monitor alarm callback named: candidates to verify, never evidence. Unlike
   * instanceIds they do not narrow the scope, so the guard still counts the whole fleet.
   */
  alarmed?: string[] | undefined;
  /**
   * Instances a signed "stop now" link named, each with the running period the link was issued
   * for: stopped without metrics, through every scope rule and the guard, only in that period.
   */
  stopNow?: Array<{ instance: string; period: string }> | undefined;
  /** A fanned-out worker's shard: this account only, `size` of the run's `count` shards (a batch of regions; 1 by default). */
  shard?: { account: Account; count: number; size?: number | undefined } | undefined;
}

export interface Narrowed {
  dryRun: boolean;
  regions: string[];
  /** When set, only these instances may be touched. */
  instanceIds: Set<string> | undefined;
  alarmed: Set<string> | undefined;
  /** Instance → the running period a stop-now link was issued for. */
  stopNow: Map<string, string> | undefined;
}

export function narrow(configDryRun: boolean, regions: string[], trigger: Trigger): Narrowed {
  return {
    dryRun: configDryRun || trigger.dryRun === true,
    regions: trigger.regions ? regions.filter((r) => trigger.regions!.includes(r)) : regions,
    instanceIds: trigger.instanceIds ? new Set(trigger.instanceIds) : undefined,
    alarmed: trigger.alarmed ? new Set(trigger.alarmed) : undefined,
    stopNow: trigger.stopNow ? new Map(trigger.stopNow.map((s) => [s.instance, s.period])) : undefined,
  };
}

/**
 * Whether a trigger that named instances admits a write: one on an instance it named, or made
 * for one (Decision.serves). With no instances named, every write is admitted.
 */
export function admits(
  only: ReadonlySet<string> | undefined,
  d: { id: string; serves?: readonly string[] | undefined },
) {
  return !only || only.has(d.id) || (d.serves ?? []).some((i) => only.has(i));
}
