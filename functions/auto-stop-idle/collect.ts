/** Reads what the plan needs: running pay-as-you-go instances in scope, and their metrics. */
import { getInstanceMetric, type MetricWindow } from "../../lib/tencent/monitor.ts";
import { listAll } from "../../lib/tencent/services.ts";
import type { TencentCloudClient } from "../../lib/tencent/client.ts";
import type { Filter } from "../../lib/tencent/types.ts";
import { cpuLooksIdle, screen, type InstanceMetrics, type RegionalInstance } from "./plan.ts";
import type { AutoStopPolicy } from "./config.ts";

/** Server-side filters: DescribeInstances allows 10 filters of 5 values (seed 004). */
export function scopeFilters(policy: AutoStopPolicy): Filter[] {
  const filters: Filter[] = [
    { Name: "instance-charge-type", Values: ["POSTPAID_BY_HOUR"] },
    // `instance-state` is a current-API filter (the 2018 seed predates it).
    { Name: "instance-state", Values: ["RUNNING"] },
  ];
  const byKey = new Map<string, string[]>();
  for (const t of policy.includeTags) byKey.set(t.key, [...(byKey.get(t.key) ?? []), t.value]);
  for (const [key, values] of byKey) filters.push({ Name: `tag:${key}`, Values: values });
  if (policy.projects.length) filters.push({ Name: "project-id", Values: policy.projects.map(String) });
  return filters;
}

export async function describeScope(client: TencentCloudClient, region: string, policy: AutoStopPolicy): Promise<RegionalInstance[]> {
  const rows = await listAll(client, "DescribeInstances", region, { Filters: scopeFilters(policy) }, "InstanceSet");
  return rows.map((i) => ({ ...i, Region: region }));
}

/**
 * CPU for every screened-in instance, 10 per call; outbound traffic only for those whose CPU
 * already looks idle, so a busy fleet costs one metric query per ten instances, not three.
 */
export async function collectMetrics(
  client: TencentCloudClient,
  region: string,
  instances: RegionalInstance[],
  policy: AutoStopPolicy,
  now: Date,
): Promise<Map<string, InstanceMetrics>> {
  const ids = instances.filter((i) => !screen(i, policy, now)).map((i) => i.InstanceId);
  const window: MetricWindow = { start: new Date(now.getTime() - policy.lookbackMinutes * 60_000), end: now, period: policy.metricPeriod };
  const cpu = await getInstanceMetric(client, region, "CPUUsage", ids, window);
  const quiet = ids.filter((id) => cpuLooksIdle(cpu.get(id) ?? [], policy));
  const [lan, wan] = await Promise.all([
    getInstanceMetric(client, region, "LanOuttraffic", quiet, window),
    getInstanceMetric(client, region, "WanOuttraffic", quiet, window),
  ]);
  const out = new Map<string, InstanceMetrics>();
  for (const id of ids) {
    const l = lan.get(id);
    const w = wan.get(id);
    // Both series must be there; a point's outbound total is LAN + WAN.
    const traffic = l && w && l.length && w.length ? l.slice(0, Math.min(l.length, w.length)).map((v, i) => Math.round((v + w[i]!) * 1000) / 1000) : undefined;
    out.set(id, { cpu: cpu.get(id) ?? [], outTraffic: quiet.includes(id) ? traffic : undefined });
  }
  return out;
}
