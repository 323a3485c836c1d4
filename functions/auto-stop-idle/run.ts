/** auto-stop-idle, platform-neutral: event -> config -> collect -> plan -> apply -> report. */
import { ConfigError } from "../../lib/config/config.ts";
import { forEachRegion, resolveRegions, type RunDeps } from "../../lib/runtime/runtime.ts";
import { narrow, type ErrorEntry, type ReportBase, type Trigger } from "../../lib/runtime/trigger.ts";
import { errorRecord } from "../../lib/tencent/errors.ts";
import { applyStops, CHANGED_STATE_CODES } from "./apply.ts";
import { decideRegion, scopeQueries } from "./collect.ts";
import { applyGuard, KINDS, SCREENED_IN, type Decision, type Guard } from "./plan.ts";
import type { AutoStopConfig } from "./config.ts";

export interface AutoStopReport extends ReportBase {
  scanned: number;
  scannedByRegion: Record<string, number>;
  idle: number;
  stopped: Array<{ instanceId: string; region: string; reason: string; requestId?: string }>;
  /** Would stop, in a dry run. */
  planned: Array<{ instanceId: string; region: string; reason: string }>;
  changed: Array<{ instanceId: string; region: string; code: string; requestId?: string | undefined }>;
  /** The first REPORT_DETAIL_LIMIT skips, each with its reason; all of them are counted below. */
  skipped: Array<{ instanceId: string; region: string; reason: string }>;
  skippedCount: number;
  skippedByReason: Record<string, number>;
  /** Per region: scanned, passed screening (CPU queried), CPU looked idle (traffic queried), idle. */
  byRegion: Record<string, { scanned: number; screened: number; trafficQueried: number; idle: number }>;
  guard: Guard;
  estimatedHourlySavings?: number;
}

/** Reports stay small enough to return from a function (SCF caps a synchronous reply at 6 MB). */
export const REPORT_DETAIL_LIMIT = 1000;

function countBy(keys: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = (out[k] ?? 0) + 1;
  return out;
}

/** Per-region counts, from each decision's kind (never from its wording). */
function regionStats(decisions: Decision[]): AutoStopReport["byRegion"] {
  const out: AutoStopReport["byRegion"] = {};
  for (const d of decisions) {
    const r = (out[d.region] ??= { scanned: 0, screened: 0, trafficQueried: 0, idle: 0 });
    r.scanned++;
    if (SCREENED_IN.has(d.kind)) r.screened++;
    if (d.outTrafficMbps !== undefined || (d.kind === "missing-metrics" && d.cpu !== undefined)) r.trafficQueried++;
    if (d.kind === "idle" || d.kind === "guard") r.idle++;
  }
  return out;
}

export async function run(config: AutoStopConfig, trigger: Trigger, deps: RunDeps): Promise<AutoStopReport> {
  const startedAt = deps.now();
  if (scopeQueries(config.policy)[0]!.length > 10) {
    throw new ConfigError(["AUTO_STOP_INCLUDE_TAGS: at most 7 distinct tag keys (DescribeInstances takes 10 filters)"]);
  }
  const n = narrow(config.dryRun, await resolveRegions(config, deps.client), trigger);
  const errors: ErrorEntry[] = [];
  const decided: Decision[] = [];
  for (const c of await forEachRegion(n.regions, (region) => decideRegion(deps.client, region, config.policy, startedAt, n.instanceIds))) {
    if (c.error) errors.push({ region: c.region, ...errorRecord(c.error) });
    else for (const d of c.value!) decided.push(d);
  }
  const { decisions, guard } = applyGuard(decided, config.policy);
  const stops = decisions.filter((d) => d.action === "stop");
  const skips = decisions.filter((d) => d.action === "skip");
  const byRegion = regionStats(decisions);
  const report: AutoStopReport = {
    function: "auto-stop-idle",
    runId: deps.runId,
    trigger: trigger.source,
    dryRun: n.dryRun,
    startedAt: startedAt.toISOString(),
    finishedAt: "",
    regions: n.regions,
    scanned: decisions.length,
    scannedByRegion: Object.fromEntries(Object.entries(byRegion).map(([r, st]) => [r, st.scanned])),
    idle: stops.length,
    stopped: [],
    planned: [],
    changed: [],
    skipped: skips.slice(0, REPORT_DETAIL_LIMIT).map(({ instanceId, region, reason }) => ({ instanceId, region, reason })),
    skippedCount: skips.length,
    skippedByReason: countBy(skips.map((d) => KINDS[d.kind])),
    byRegion,
    guard,
    errors,
  };
  if (n.dryRun) report.planned = stops.map(({ instanceId, region, reason }) => ({ instanceId, region, reason }));
  else if (stops.length) {
    const byId = new Map<string, Decision>(stops.map((d) => [d.instanceId, d]));
    for (const r of await applyStops(deps.client, stops, { stoppedMode: config.stoppedMode, stopType: config.stopType })) {
      if (r.ok) report.stopped.push({ instanceId: r.id, region: r.region, reason: byId.get(r.id)!.reason, requestId: r.requestId });
      else if (CHANGED_STATE_CODES.has(r.code)) report.changed.push({ instanceId: r.id, region: r.region, code: r.code, requestId: r.requestId });
      else errors.push({ region: r.region, id: r.id, action: "StopInstances", code: r.code, message: r.message, requestId: r.requestId });
    }
  }
  const acted = n.dryRun ? report.planned : report.stopped;
  if (config.policy.prices.size) {
    const byId = new Map(decisions.map((d) => [d.instanceId, d.instanceType]));
    report.estimatedHourlySavings = Math.round(acted.reduce((s, a) => s + (config.policy.prices.get(byId.get(a.instanceId) ?? "") ?? 0), 0) * 100) / 100;
  }
  report.finishedAt = deps.now().toISOString();
  deps.logger.info("auto-stop-idle finished", {
    scanned: report.scanned, idle: report.idle, stopped: report.stopped.length, planned: report.planned.length,
    changed: report.changed.length, errors: errors.length, guardTripped: guard.tripped, dryRun: n.dryRun,
  });
  return report;
}
