/** auto-stop-idle, platform-neutral: event -> config -> collect -> plan -> apply -> report. */
import { ConfigError } from "../../lib/config/config.ts";
import { countByRegion, forEachRegion, resolveRegions, type RunDeps } from "../../lib/runtime/runtime.ts";
import { narrow, type ErrorEntry, type ReportBase, type Trigger } from "../../lib/runtime/trigger.ts";
import { errorRecord } from "../../lib/tencent/errors.ts";
import { applyStops, CHANGED_STATE_CODES } from "./apply.ts";
import { collectRegion, scopeFilters } from "./collect.ts";
import { plan, type Decision, type Guard, type InstanceMetrics, type RegionalInstance } from "./plan.ts";
import type { AutoStopConfig } from "./config.ts";

export interface AutoStopReport extends ReportBase {
  scanned: number;
  scannedByRegion: Record<string, number>;
  idle: number;
  stopped: Array<{ instanceId: string; region: string; reason: string; requestId?: string }>;
  /** Would stop, in a dry run. */
  planned: Array<{ instanceId: string; region: string; reason: string }>;
  changed: Array<{ instanceId: string; region: string; code: string; requestId?: string | undefined }>;
  skipped: Array<{ instanceId: string; region: string; reason: string }>;
  guard: Guard;
  estimatedHourlySavings?: number;
}

export async function run(config: AutoStopConfig, trigger: Trigger, deps: RunDeps): Promise<AutoStopReport> {
  const startedAt = deps.now();
  if (scopeFilters(config.policy).length > 10) {
    throw new ConfigError(["AUTO_STOP_INCLUDE_TAGS: at most 7 distinct tag keys (DescribeInstances takes 10 filters)"]);
  }
  const n = narrow(config.dryRun, await resolveRegions(config, deps.client), trigger);
  const errors: ErrorEntry[] = [];
  const instances: RegionalInstance[] = [];
  const metrics = new Map<string, InstanceMetrics>();

  const collected = await forEachRegion(n.regions, (region) => collectRegion(deps.client, region, config.policy, startedAt, n.instanceIds));
  for (const c of collected) {
    if (c.error) errors.push({ region: c.region, ...errorRecord(c.error) });
    else {
      instances.push(...c.value!.rows);
      for (const [k, v] of c.value!.metrics) metrics.set(k, v);
    }
  }

  const { decisions, guard } = plan({ instances, metrics, policy: config.policy, now: startedAt });
  const stops = decisions.filter((d) => d.action === "stop");
  const report: AutoStopReport = {
    function: "auto-stop-idle",
    runId: deps.runId,
    trigger: trigger.source,
    dryRun: n.dryRun,
    startedAt: startedAt.toISOString(),
    finishedAt: "",
    regions: n.regions,
    scanned: instances.length,
    scannedByRegion: countByRegion(instances),
    idle: stops.length,
    stopped: [],
    planned: [],
    changed: [],
    skipped: decisions.filter((d) => d.action === "skip").map(({ instanceId, region, reason }) => ({ instanceId, region, reason })),
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
    const byId = new Map(instances.map((i) => [i.InstanceId, i.InstanceType]));
    report.estimatedHourlySavings = Math.round(acted.reduce((s, a) => s + (config.policy.prices.get(byId.get(a.instanceId) ?? "") ?? 0), 0) * 100) / 100;
  }
  report.finishedAt = deps.now().toISOString();
  deps.logger.info("auto-stop-idle finished", {
    scanned: report.scanned, idle: report.idle, stopped: report.stopped.length, planned: report.planned.length,
    changed: report.changed.length, errors: errors.length, guardTripped: guard.tripped, dryRun: n.dryRun,
  });
  return report;
}
