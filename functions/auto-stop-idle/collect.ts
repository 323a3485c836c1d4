/**
 * Reads what the plan needs for one region, streaming: each page of running pay-as-you-go
 * instances feeds CPU queries (10 instances a call) while the next page loads, and each CPU
 * answer feeds outbound-traffic queries for the instances that look idle. Only the fields the
 * plan reads are kept, so a large fleet is not held in memory whole.
 */
import { Batcher } from "../../lib/runtime/batcher.ts";
import { getInstanceMetric, type MetricWindow } from "../../lib/tencent/monitor.ts";
import { batchSizeOf, pages } from "../../lib/tencent/services.ts";
import type { TencentCloudClient } from "../../lib/tencent/client.ts";
import type { Filter, Instance } from "../../lib/tencent/types.ts";
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

const slim = (i: Instance, Region: string): RegionalInstance => ({
  InstanceId: i.InstanceId,
  InstanceName: i.InstanceName,
  InstanceState: i.InstanceState,
  InstanceChargeType: i.InstanceChargeType,
  InstanceType: i.InstanceType,
  CreatedTime: i.CreatedTime,
  Tags: i.Tags ?? [],
  Region,
});

export async function collectRegion(
  client: TencentCloudClient,
  region: string,
  policy: AutoStopPolicy,
  now: Date,
  only?: Set<string>,
): Promise<{ rows: RegionalInstance[]; metrics: Map<string, InstanceMetrics> }> {
  const window: MetricWindow = { start: new Date(now.getTime() - policy.lookbackMinutes * 60_000), end: now, period: policy.metricPeriod };
  const rows: RegionalInstance[] = [];
  const metrics = new Map<string, InstanceMetrics>();
  const per = batchSizeOf("GetMonitorData");

  const traffic = new Batcher<string>(per, async (ids) => {
    const [lan, wan] = await Promise.all([
      getInstanceMetric(client, region, "LanOuttraffic", ids, window),
      getInstanceMetric(client, region, "WanOuttraffic", ids, window),
    ]);
    for (const id of ids) {
      const l = lan.get(id) ?? [];
      const w = wan.get(id) ?? [];
      // Both series must be there; a point's outbound total is LAN + WAN.
      const sum = l.length && w.length ? l.slice(0, Math.min(l.length, w.length)).map((v, i) => Math.round((v + w[i]!) * 1000) / 1000) : undefined;
      metrics.get(id)!.outTraffic = sum;
    }
  });
  const cpu = new Batcher<string>(per, async (ids) => {
    const values = await getInstanceMetric(client, region, "CPUUsage", ids, window);
    for (const id of ids) metrics.set(id, { cpu: values.get(id) ?? [] });
    traffic.add(...ids.filter((id) => cpuLooksIdle(metrics.get(id)!.cpu, policy)));
  });

  let failure: unknown;
  try {
    for await (const page of pages(client, "DescribeInstances", region, { Filters: scopeFilters(policy) }, "InstanceSet")) {
      const batch = page.InstanceSet.filter((i) => !only || only.has(i.InstanceId)).map((i) => slim(i, region));
      rows.push(...batch);
      cpu.add(...batch.filter((i) => !screen(i, policy, now)).map((i) => i.InstanceId));
    }
  } catch (err) {
    failure = err;
  }
  // Let queries already sent finish before reporting, so nothing runs on after the region fails.
  await cpu.flush().catch((err) => (failure ??= err));
  await traffic.flush().catch((err) => (failure ??= err));
  if (failure) throw failure;
  return { rows, metrics };
}
