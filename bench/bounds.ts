/**
 * The least work a run could do and the least time it could take, computed from the calls that
 * work needs: rows per page, ids per batch, instances per metric query, the documented
 * per-second limits, and the emulator's added latency. Regions run in parallel; within a region
 * the phases depend on each other, so their bounds add up.
 */
import { ACTIONS } from "../lib/tencent/actions.ts";
import type { AutoStopReport } from "../functions/auto-stop-idle/index.ts";
import { KINDS, SCREENED_IN, TRAFFIC_QUERIED, type DecisionKind } from "../functions/auto-stop-idle/plan.ts";
import type { RenewReport } from "../functions/renew-flag/index.ts";
import { KINDS as RENEW_KINDS } from "../functions/renew-flag/plan.ts";

const ceil = (n: number, per: number) => Math.ceil(n / per);

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

export function autoStopBound(r: AutoStopReport, latencyMs: number): { minCalls: number; boundMs: number } {
  let minCalls = 0;
  let boundMs = 0;
  for (const region of r.regions) {
    const st = r.byRegion[region] ?? { scanned: 0, byKind: {} as Record<string, number>, outcomes: { done: 0 } };
    const stops = st.outcomes.done;
    // Kinds tell which instances had their CPU queried and which their traffic too.
    const count = (kinds: ReadonlySet<DecisionKind>) => [...kinds].reduce((n, k) => n + (st.byKind[KINDS[k]] ?? 0), 0);
    const pages = Math.max(1, ceil(st.scanned, 100));
    const cpu = ceil(count(SCREENED_IN), 10);
    const traffic = 2 * ceil(count(TRAFFIC_QUERIED), 10);
    const stopCalls = ceil(stops, 100);
    minCalls += pages + cpu + traffic + stopCalls;
    const t = phaseMs("DescribeInstances", pages, latencyMs, true) + phaseMs("GetMonitorData", cpu, latencyMs) + phaseMs("GetMonitorData", traffic, latencyMs) + phaseMs("StopInstances", stopCalls, latencyMs);
    boundMs = Math.max(boundMs, t);
  }
  return { minCalls, boundMs };
}

export function renewBound(r: RenewReport, latencyMs: number): { minCalls: number; boundMs: number } {
  let minCalls = 0;
  let boundMs = 0;
  for (const region of r.regions) {
    const st = r.byRegion[region];
    const pages = Math.max(1, ceil(st?.scanned ?? 0, 100));
    // One write per 100 ids per target flag: the change kinds count them per region.
    const writes = (["to-auto-renew", "to-manual-renew", "to-disable-notify"] as const).reduce((n, k) => n + ceil(st?.byKind[RENEW_KINDS[k]] ?? 0, 100), 0);
    minCalls += pages + writes;
    boundMs = Math.max(boundMs, phaseMs("DescribeInstances", pages, latencyMs, true) + phaseMs("ModifyInstancesRenewFlag", writes, latencyMs));
  }
  return { minCalls, boundMs };
}
