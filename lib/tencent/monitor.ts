/**
 * Cloud Monitor reads for idle detection: GetMonitorData over QCE/CVM, at most 50 instances and
 * 7,200 data points a request (tccli monitor api.json), so one call serves up to fifty instances.
 *
 * Points come back as two parallel arrays, `Timestamps` and `Values`, and a series may miss
 * points (the official model's DataPoint says so): values are kept with their timestamps and
 * series are joined on them, never by array position.
 */
import { api, batchSizeOf, batches } from "./services.ts";
import { TencentCloudApiError } from "./errors.ts";
import type { TencentCloudClient } from "./client.ts";
import { settleAll } from "../settle.ts";

export interface MetricWindow {
  start: Date;
  end: Date;
  /** Seconds per data point: 60 or 300 for CVM basic monitoring. */
  period: number;
}

/** [timestamp in ms, value] pairs, in time order. */
export type Series = Array<[number, number]>;

/**
 * A time as every documented and recorded GetMonitorData request writes it:
 * `2018-09-22T19:51:23+08:00` (Cloud Monitor API docs), no fraction, the China offset.
 */
export function monitorTime(d: Date): string {
  const shifted = new Date(Math.floor(d.getTime() / 1000) * 1000 + 8 * 3600_000);
  return `${shifted.toISOString().slice(0, 19)}+08:00`;
}

/** The points inside [start, end] (ms). */
export function withinWindow(s: Series, w: { start: number; end: number }): Series {
  return s.filter(([t]) => t >= w.start && t <= w.end);
}

/**
 * How many of the period's slots a series covers: its timestamps floored to the period and
 * de-duplicated. Coverage is counted in slots, never points: twelve copies of one timestamp, or
 * twelve points crowded into the last minute, are one slot of an hour's twelve, not an hour.
 */
export function distinctSlots(s: Series, periodS: number): number {
  const ms = periodS * 1000;
  const slots = new Set<number>();
  for (const [t] of s) slots.add(Math.floor(t / ms));
  return slots.size;
}

/** Sum of two series at the timestamps both have; a point missing from either is missing from the sum. */
export function joinOnTimestamps(a: Series, b: Series): Series {
  const other = new Map(b);
  const out: Series = [];
  for (const [t, v] of a) {
    const w = other.get(t);
    if (w !== undefined) out.push([t, Math.round((v + w) * 1000) / 1000]);
  }
  return out;
}

/** `a` plus `b` where `b` has a point at the same timestamp, `a` alone elsewhere: for a series known to be zero when absent. */
export function addWherePresent(a: Series, b: Series): Series {
  const other = new Map(b);
  return a.map(([t, v]) => [t, Math.round((v + (other.get(t) ?? 0)) * 1000) / 1000]);
}

/** Reads one reply's DataPoint: pairs with a finite timestamp and value; anything malformed reads as no data. */
function seriesOf(dp: { Timestamps?: unknown; Values?: unknown }): Series {
  const ts = Array.isArray(dp.Timestamps) ? dp.Timestamps : [];
  const vs = Array.isArray(dp.Values) ? dp.Values : [];
  if (ts.length !== vs.length) return [];
  const out: Series = [];
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i];
    const v = vs[i];
    // Timestamps are Unix seconds (official model: DataPoint.Timestamps).
    if (typeof t === "number" && Number.isFinite(t) && typeof v === "number" && Number.isFinite(v))
      out.push([t * 1000, v]);
  }
  return out.sort((x, y) => x[0] - y[0]);
}

/** One metric's series per instance id; an instance with no data maps to []. */
export async function getInstanceMetric(
  client: TencentCloudClient,
  region: string,
  metric: string,
  instanceIds: string[],
  window: MetricWindow,
): Promise<Map<string, Series>> {
  const out = new Map<string, Series>(instanceIds.map((id) => [id, []]));
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
      if (typeof id === "string" && out.has(id)) out.set(id, seriesOf(dp ?? {}));
    }
  });
  // Every call answered or failed before this returns: none runs on after a refusal.
  await settleAll(calls);
  return out;
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
