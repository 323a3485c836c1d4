/**
 * Cloud Monitor reads for idle detection: GetMonitorData over QCE/CVM, at most 50 instances and
 * 7,200 data points a request (tccli monitor api.json), so one call serves up to fifty instances.
 *
 * A reply's points become a Series (series.ts): timestamps and values side by side, joined on
 * timestamps, never by array position.
 */
import { api, batchSizeOf, batches } from "./services.ts";
import { TencentCloudApiError } from "./errors.ts";
import type { TencentCloudClient } from "./client.ts";
import { settleAll } from "../settle.ts";
import { NO_POINTS, type Series, seriesOfDataPoint } from "./series.ts";

export interface MetricWindow {
  start: Date;
  end: Date;
  /** Seconds per data point: 60 or 300 for CVM basic monitoring. */
  period: number;
}

/**
 * A time as every documented and recorded GetMonitorData request writes it:
 * `2018-09-22T19:51:23+08:00` (Cloud Monitor API docs), no fraction, the China offset.
 */
export function monitorTime(d: Date): string {
  const shifted = new Date(Math.floor(d.getTime() / 1000) * 1000 + 8 * 3600_000);
  return `${shifted.toISOString().slice(0, 19)}+08:00`;
}

/** One metric's series per instance id; an instance with no data maps to no points. */
export function getInstanceMetric(
  client: TencentCloudClient,
  region: string,
  metric: string,
  instanceIds: string[],
  window: MetricWindow,
): Promise<Map<string, Series>> {
  return reduceInstanceMetric(client, region, metric, instanceIds, window, (_id, s) => s);
}

/**
 * One metric per instance id, each series reduced as its reply arrives (an instance with no data
 * is reduced from no points): a caller that needs a statistic, not the points, holds one small value a
 * machine instead of every [t, v] pair of a fortnight (337 a machine and metric at Period 3600).
 */
export async function reduceInstanceMetric<R>(
  client: TencentCloudClient,
  region: string,
  metric: string,
  instanceIds: string[],
  window: MetricWindow,
  reduce: (id: string, s: Series) => R,
): Promise<Map<string, R>> {
  const wanted = new Set(instanceIds);
  const got = new Map<string, R>();
  const calls = batches(instanceIds, instancesPerCall(window)).map(async (batch) => {
    const res = await api(client)
      .getMonitorData(region, {
        Namespace: "QCE/CVM",
        MetricName: metric,
        Period: window.period,
        StartTime: monitorTime(window.start),
        EndTime: monitorTime(window.end),
        Instances: batch.map((id) => ({ Dimensions: [{ Name: "InstanceId", Value: id }] })),
      })
      .catch((err: unknown) => {
        throw withQuotaHint(err);
      });
    // Anything malformed reads as "no data", and no data never counts as idle.
    for (const dp of Array.isArray(res.DataPoints) ? res.DataPoints : []) {
      const dims = Array.isArray(dp?.Dimensions) ? dp.Dimensions : [];
      const id = dims.find((d) => d?.Name === "InstanceId")?.Value;
      if (typeof id === "string" && wanted.has(id)) got.set(id, reduce(id, seriesOfDataPoint(dp ?? {})));
    }
  });
  // Every call answered or failed before this returns: none runs on after a refusal.
  await settleAll(calls);
  // In the order asked, as callers list machines.
  return new Map(instanceIds.map((id) => [id, got.has(id) ? (got.get(id) as R) : reduce(id, NO_POINTS)]));
}

/** The data points one request may ask for, in all (tccli monitor api.json: 单请求的数据点数限制为7200个). */
export const MAX_POINTS_PER_CALL = 7200;

/** Instances one call may carry: 50, fewer when the window's points per instance would pass the point budget. */
export function instancesPerCall(window: MetricWindow): number {
  const perInstance = Math.floor((window.end.getTime() - window.start.getTime()) / 1000 / window.period) + 1;
  return Math.max(1, Math.min(batchSizeOf("GetMonitorData"), Math.floor(MAX_POINTS_PER_CALL / perInstance)));
}

/**
 * GetMonitorData is billed past 1,000,000 calls a month per root account and stops answering
 * unless "API请求按量付费" is enabled (the api.json's note). The refusal's code is not documented,
 * so a refusal that reads like a quota or billing one (not throttling, which is retried) carries
 * the likely cause and the fix.
 */
const QUOTA_LIKE = /quota|arrear|balance|billing|notopen|unpaid|pay|free/i;
function withQuotaHint(err: unknown): unknown {
  if (
    !(err instanceof TencentCloudApiError) ||
    err.code.startsWith("RequestLimitExceeded") ||
    !(QUOTA_LIKE.test(err.code) || QUOTA_LIKE.test(err.apiMessage) || err.code === "LimitExceeded")
  )
    return err;
  return new TencentCloudApiError({
    code: err.code,
    action: err.action,
    region: err.region,
    service: err.service,
    requestId: err.requestId,
    httpStatus: err.httpStatus,
    cause: err,
    message: `${err.apiMessage} — GetMonitorData may be past Cloud Monitor's free 1,000,000 calls this month for the account: enable pay-as-you-go API requests ("API请求按量付费", https://buy.cloud.tencent.com/APIRequestBuy) or run auto-stop-idle less often`,
  });
}
