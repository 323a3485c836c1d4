/**
 * Cloud Monitor reads for idle detection: GetMonitorData over QCE/CVM, at most 10 instances a
 * request (Cloud Monitor API docs), so one call serves ten instances rather than one.
 */
import { api, batchSizeOf, batches } from "./services.ts";
import type { TencentCloudClient } from "./client.ts";

export interface MetricWindow {
  start: Date;
  end: Date;
  /** Seconds per data point: 60 or 300 for CVM basic monitoring. */
  period: number;
}

/** Values per instance id for one metric; an instance with no data maps to []. */
export async function getInstanceMetric(
  client: TencentCloudClient,
  region: string,
  metric: string,
  instanceIds: string[],
  window: MetricWindow,
): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>(instanceIds.map((id) => [id, []]));
  const calls = batches(instanceIds, batchSizeOf("GetMonitorData")).map(async (batch) => {
    const res = await api(client).getMonitorData(region, {
      Namespace: "QCE/CVM",
      MetricName: metric,
      Period: window.period,
      StartTime: window.start.toISOString(),
      EndTime: window.end.toISOString(),
      Instances: batch.map((id) => ({ Dimensions: [{ Name: "InstanceId", Value: id }] })),
    });
    // Anything malformed reads as "no data", and no data never counts as idle.
    for (const dp of Array.isArray(res.DataPoints) ? res.DataPoints : []) {
      const dims = Array.isArray(dp?.Dimensions) ? dp.Dimensions : [];
      const id = dims.find((d) => d?.Name === "InstanceId")?.Value;
      const values = Array.isArray(dp?.Values) ? dp.Values : [];
      if (typeof id === "string" && out.has(id)) out.set(id, values.filter((v) => typeof v === "number" && Number.isFinite(v)));
    }
  });
  await Promise.all(calls);
  return out;
}
