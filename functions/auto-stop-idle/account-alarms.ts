/**
 * The account's idle alarm policy and what it reports, read once per run and client: a policy is
 * the account's (it alarms on bound machines in every region), so one DescribeAlarmPolicies and
 * one paged DescribeAlarmHistories serve every region of the run, each region then taking the
 * alarms whose history names it. Neither call is billed.
 */
import {
  alarmingInstances,
  ourPolicies,
  policyDrift,
  ruleLimits,
  type Alarmed,
  type RemotePolicy,
} from "../../lib/tencent/alarm-policies.ts";
import type { RunContext } from "../../lib/runtime/spec.ts";
import type { TencentCloudClient } from "../../lib/tencent/client.ts";
import { IDLE_POLICY_NAME, idleAlarmPolicy } from "./alarm-policy.ts";
import type { AutoStopConfig } from "./config.ts";

export interface AccountAlarms {
  found: RemotePolicy[];
  alarmed: Map<string, Alarmed>;
  /** Upkeep notes about the account's policy (a duplicate, a drift), reported once. */
  notes: string[];
  /** The region whose candidates asked first: the account's notes go with it. */
  firstRegion: string;
}

const runs = new WeakMap<TencentCloudClient, { at: number; value: Promise<AccountAlarms> }>();

export function accountAlarms(ctx: RunContext<AutoStopConfig>, region: string): Promise<AccountAlarms> {
  const at = ctx.now.getTime();
  const hit = runs.get(ctx.client);
  if (hit?.at === at) return hit.value;
  const value = read(ctx, region);
  runs.set(ctx.client, { at, value });
  return value;
}

async function read(ctx: RunContext<AutoStopConfig>, region: string): Promise<AccountAlarms> {
  const policy = ctx.config.policy;
  const found = (await ourPolicies(ctx.client, region, IDLE_POLICY_NAME)).filter((p) => p.name === IDLE_POLICY_NAME);
  const out: AccountAlarms = { found, alarmed: new Map(), notes: [], firstRegion: region };
  if (!found.length) return out;
  if (found.length > 1)
    out.notes.push(
      `${found.length} policies named ${IDLE_POLICY_NAME} (${found.map((p) => p.id).join(", ")}); their alarms are read together; deploy keeps one`,
    );
  // The config's policy within what Cloud Monitor allows now (DescribeAlarmMetrics), as deploy wrote it.
  const want = idleAlarmPolicy(policy, await ruleLimits(ctx.client, region));
  for (const p of found) {
    const drift = policyDrift(p, want);
    if (!drift.length) continue;
    out.notes.push(
      `alarm policy ${p.id} differs from the config (${drift.join("; ")}): machines it misses are not checked; run deploy to bring it back`,
    );
    ctx.logger.warn("idle alarm policy drifted from the config", { policyId: p.id, drift });
  }
  const since = policy.alarmSearchDays * 86_400_000;
  for (const p of found)
    for (const [id, a] of await alarmingInstances(ctx.client, region, p.id, ctx.now, since)) {
      const had = out.alarmed.get(id);
      out.alarmed.set(id, had ? { first: Math.min(had.first, a.first), region: had.region ?? a.region } : a);
    }
  return out;
}
