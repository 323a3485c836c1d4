/**
 * Which in-scope machines get metric queries this run: all of them (polling), or only those the
 * region's idle alarm policy reports (alarm mode), and at most the run's metric budget's worth.
 * The budget is the account's GetMonitorData calls per run, split evenly over its configured
 * regions; each admitted machine may cost a CPU, a LAN and a WAN query, batched by the call size.
 */
import { alarmIn } from "../../lib/tencent/alarm-policies.ts";
import { instancesPerCall } from "../../lib/tencent/monitor.ts";
import { availableRegions } from "../../lib/runtime/regions.ts";
import type { RunContext } from "../../lib/runtime/spec.ts";
import type { ErrorEntry } from "../../lib/report/report-head.ts";
import type { TencentCloudClient } from "../../lib/tencent/client.ts";
import { IDLE_POLICY_NAME } from "./alarm-policy.ts";
import { accountAlarms } from "./account-alarms.ts";
import type { CandidateLimits } from "./limits.ts";
import type { AutoStopConfig } from "./config.ts";

/** The metric queries one admitted batch may need: CPU, then LAN and WAN outbound traffic. */
export const QUERIES_PER_BATCH = 3;

export type Sourced =
  | { problem: ErrorEntry }
  | { limits: CandidateLimits; notes: Array<{ region: string; message: string }> };

const regionCounts = new WeakMap<TencentCloudClient, Promise<number>>();

/** How many regions the account's run covers: the configured list, or every available one for REGIONS=all (asked once per client). */
function configuredRegions(ctx: RunContext<AutoStopConfig>): Promise<number> {
  if (ctx.config.regions !== "all") return Promise.resolve(ctx.config.regions.length);
  let n = regionCounts.get(ctx.client);
  if (!n) {
    n = availableRegions(ctx.client, ctx.config.region).then((r) => r.length);
    // Every region of the run awaits this one answer; a failure is asked again next run, not remembered.
    n.catch(() => regionCounts.delete(ctx.client));
    regionCounts.set(ctx.client, n);
  }
  return n;
}

/** Machines a region may verify under the budget: whole batches of three queries each. */
export function verifiable(budget: number, regions: number, perCall: number): number {
  return Math.floor(Math.floor(budget / Math.max(1, regions)) / QUERIES_PER_BATCH) * perCall;
}

export async function candidateLimits(ctx: RunContext<AutoStopConfig>, region: string): Promise<Sourced> {
  const policy = ctx.config.policy;
  // A "stop now" link reads no metrics: only scope rules and the guard stand between it and the stop.
  const warningSecret = ctx.config.webhookSecret;
  if (ctx.stopNow) return { limits: { stopNow: ctx.stopNow, warningSecret }, notes: [] };
  const limits: CandidateLimits = { warningSecret };
  const notes: Array<{ region: string; message: string }> = [];
  if (policy.metricBudget !== undefined) {
    const perCall = instancesPerCall({
      start: new Date(ctx.now.getTime() - policy.lookbackMinutes * 60_000),
      end: ctx.now,
      period: policy.metricPeriod,
    });
    const regions = await configuredRegions(ctx);
    limits.verifyAtMost = verifiable(policy.metricBudget, regions, perCall);
    if (limits.verifyAtMost === 0) {
      return {
        problem: {
          region,
          code: "MetricBudgetTooSmall",
          message: `AUTO_STOP_METRIC_BUDGET=${policy.metricBudget} over ${regions} region(s) leaves fewer than ${QUERIES_PER_BATCH} GetMonitorData calls for ${region}, so no machine could be checked: set it to at least ${QUERIES_PER_BATCH * regions}, or 0 for no limit`,
        },
      };
    }
    // The run's slot of its schedule: consecutive runs take consecutive turns of the rotation, and
    // a retried run (the same slot) takes its slot's turn again.
    limits.run = Math.floor(ctx.now.getTime() / policy.runEveryMs);
  }
  // An alarm callback names its machine: only it is verified, whatever the mode, with no history to read.
  if (ctx.alarmed) return { limits: { ...limits, alarmed: ctx.alarmed }, notes };
  if (policy.source !== "alarms") return { limits, notes };
  const account = await accountAlarms(ctx, region);
  if (!account.found.length) {
    return {
      problem: {
        region,
        code: "AlarmPolicyMissing",
        message: `no idle alarm policy "${IDLE_POLICY_NAME}" in this account: run \`cvm-autopilot deploy\` with AUTO_STOP_SOURCE=alarms to create it (nothing is stopped in ${region} until then)`,
      },
    };
  }
  // The account's notes once, with its first region.
  if (region === account.firstRegion) notes.push(...account.notes.map((message) => ({ region, message })));
  // A policy is the account's: its alarms are split by the region their history names.
  const alarmed = new Set([...account.alarmed].filter(([, a]) => alarmIn(a, region)).map(([id]) => id));
  limits.alarmed = alarmed;
  ctx.logger.info("idle alarms read", { region, alarming: alarmed.size });
  return { limits, notes };
}
