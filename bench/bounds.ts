/**
 * The least work a run could do and the least time it could take, computed from the calls that
 * work needs: rows per page, ids per batch, instances per metric query, the documented
 * per-second limits, and the emulator's added latency. The model is the runner's: regions decide
 * in parallel; within a region the listing, the CPU queries and the traffic queries stream into
 * each other, so they overlap (the slowest of them bounds the region, plus the round trips that
 * must come one after another); writes begin only when every region has decided (the guard is
 * run-wide), so the write phase adds to the slowest region's decide phase.
 */
import { ACTIONS } from "../lib/tencent/actions.ts";
import { instancesPerCall } from "../lib/tencent/monitor.ts";
import type { AutoStopReport } from "../functions/auto-stop-idle/index.ts";
import { KINDS, SCREENED_IN, TRAFFIC_QUERIED, type DecisionKind } from "../functions/auto-stop-idle/plan.ts";
import type { RenewReport } from "../functions/renew-flag/index.ts";
import { KINDS as RENEW_KINDS } from "../functions/renew-flag/plan.ts";

const ceil = (n: number, per: number) => Math.ceil(n / per);
/** Instances per GetMonitorData call at auto-stop's default window (60 minutes of 300-second points): 50. */
export const METRIC_PER_CALL = instancesPerCall({ start: new Date(0), end: new Date(3600_000), period: 300 });

/**
 * A phase of `calls` calls to one action: L calls may start in the first second, L more in the
 * next, ...; the last still waits for its reply. A listing needs its first page (TotalCount)
 * before the others can be asked for, so it takes at least one more round trip.
 */
function phaseMs(action: keyof typeof ACTIONS, calls: number, latencyMs: number, listing = false): number {
  if (calls === 0) return 0;
  const L = ACTIONS[action].rateLimit;
  if (listing && calls > 1) return latencyMs + Math.floor((calls - 2) / L) * 1000 + latencyMs;
  return Math.floor((calls - 1) / L) * 1000 + latencyMs;
}

export function autoStopBound(
  r: AutoStopReport,
  latencyMs: number,
): { minCalls: number; boundMs: number; metricCalls: number } {
  let minCalls = 0;
  let metricCalls = 0;
  let decideMs = 0;
  let writeMs = 0;
  // byRegion's keys are regions, or `uin/region` in a many-account report: each is one region's work.
  for (const st of Object.values(r.byRegion)) {
    // Kinds tell which instances had their CPU queried and which their traffic too.
    const count = (kinds: ReadonlySet<DecisionKind>) => [...kinds].reduce((n, k) => n + (st.byKind[KINDS[k]] ?? 0), 0);
    const pages = Math.max(1, ceil(st.scanned, 100));
    const cpu = ceil(count(SCREENED_IN), METRIC_PER_CALL);
    const traffic = 2 * ceil(count(TRAFFIC_QUERIED), METRIC_PER_CALL);
    const stopCalls = ceil(st.outcomes.done, 100);
    // One price lookup for a region with machines to stop (under 100 types); it runs beside the
    // traffic queries (it starts once a CPU looks idle and the listing is done), so it adds no time.
    const priceCalls = (st.byKind[KINDS.idle] ?? 0) > 0 ? 1 : 0;
    minCalls += pages + cpu + traffic + stopCalls + priceCalls;
    metricCalls += cpu + traffic;
    // Overlapping phases: the slowest bounds the region; a CPU query needs a page first and a traffic query a CPU answer.
    const chain = (cpu ? latencyMs : 0) + (traffic ? latencyMs : 0);
    decideMs = Math.max(
      decideMs,
      Math.max(
        phaseMs("DescribeInstances", pages, latencyMs, true),
        phaseMs("GetMonitorData", cpu + traffic, latencyMs),
      ) + chain,
    );
    writeMs = Math.max(writeMs, phaseMs("StopInstances", stopCalls, latencyMs));
  }
  return { minCalls, boundMs: decideMs + writeMs, metricCalls };
}

/**
 * renew-flag has no guard, so its writes stream (FunctionSpec.streamWrites): a region's writes
 * may start once its first page has answered, and its last (a part-filled call) only when its
 * listing is done. Regions run side by side; the slowest bounds the run.
 */
export function renewBound(
  r: RenewReport,
  latencyMs: number,
): { minCalls: number; boundMs: number; metricCalls: number } {
  let minCalls = 0;
  let boundMs = 0;
  for (const region of r.regions) {
    const st = r.byRegion[region];
    const pages = Math.max(1, ceil(st?.scanned ?? 0, 100));
    // One write per 100 ids per target flag: the change kinds count them per region.
    const writes = (["to-auto-renew", "to-manual-renew", "to-disable-notify"] as const).reduce(
      (n, k) => n + ceil(st?.byKind[RENEW_KINDS[k]] ?? 0, 100),
      0,
    );
    minCalls += pages + writes;
    const listing = phaseMs("DescribeInstances", pages, latencyMs, true);
    const writing = phaseMs("ModifyInstancesRenewFlag", writes, latencyMs);
    boundMs = Math.max(boundMs, writes ? Math.max(listing + latencyMs, latencyMs + writing) : listing);
  }
  return { minCalls, boundMs, metricCalls: 0 };
}
