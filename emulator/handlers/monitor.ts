/**
 * Cloud Monitor GetMonitorData (monitor 2018-07-24) for namespace QCE/CVM, shaped as Tencent
 * Cloud's current API docs give it: Instances[].Dimensions[{Name: InstanceId}], Period, StartTime,
 * EndTime -> DataPoints[{Dimensions, Timestamps, Values}]. At most 50 instances and 7,200 data
 * points a request ("单请求最多可支持批量拉取50个实例的监控数据，单请求的数据点数限制为7200个", tccli's
 * monitor api.json; the per-product Node package 4.0.1034 still says 10); an instance without
 * data comes back with empty Timestamps and Values; the reply's StartTime and EndTime are aligned
 * to the period and written in Beijing time (witness monitor.GetMonitorData.json).
 *
 * Billing: GetMonitorData is free for 1,000,000 calls a month per root account, then billed, and
 * refused unless "API请求按量付费" is enabled (tccli monitor api.json). The emulator counts answered
 * calls per account per calendar month (Beijing time) and refuses past `state.monitorFreeCalls`
 * unless `state.monitorPayAsYouGo`. The refusal's code is not documented: the emulator answers
 * the common code `LimitExceeded` with a message naming the free tier.
 */
import { ApiFault, int, str } from "../api-fault.ts";
import { FNV_START, fnv, hashUnit, unitOf } from "../random.ts";
import type { EmuInstance } from "../state.ts";
import type { Handler, HandlerContext } from "./context.ts";

export const CVM_METRICS = [
  "CPUUsage",
  "LanOuttraffic",
  "WanOuttraffic",
  "LanIntraffic",
  "WanIntraffic",
  "MemUsage",
] as const;
const PERIODS = [10, 60, 300, 3600, 86400];
export const MAX_MONITOR_INSTANCES = 50;
export const MAX_MONITOR_POINTS = 7200;

/** The hour of the week of an instant (seconds), Monday 00:00 Beijing time being 0: 1970-01-01 was a Thursday. */
export const hourOfWeek = (ts: number) => {
  const local = Math.floor((ts + 8 * 3600) / 3600);
  return (((Math.floor(local / 24) + 3) % 7) * 24 + (local % 24)) % 168;
};

/**
 * The profile's levels at `ts` (seconds): its own, or the last of its changes that point has
 * reached; with a weekly rhythm, its idle levels outside the busy hours.
 */
function levelsAt(inst: EmuInstance, ts: number): { cpu: number | null; traffic: number } {
  const profile = inst.profile;
  let levels: { cpu: number | null; traffic: number } = profile;
  for (const c of profile.changes ?? []) if (c.at <= ts * 1000) levels = c;
  const w = profile.weekly;
  if (!w || levels.cpu === null || w.busyHours.includes(hourOfWeek(ts))) return levels;
  return w.idle;
}

/** One metric's value at `ts` (seconds), from the instance's profile; null when it reports no data. */
export function metricValue(inst: EmuInstance, metric: string, ts: number, nowS: number): number | null {
  return valueAt(inst, metric, ts, nowS, hashUnit(`${inst.InstanceId}/${metric}/${ts}`));
}

/** metricValue, given the point's noise: the hash of `${InstanceId}/${metric}/${ts}`, which a series hashes a prefix at a time. */
function valueAt(inst: EmuInstance, metric: string, ts: number, nowS: number, noise: number): number | null {
  const burst = inst.profile.bursts?.find((b) => b.metric === metric && ts > nowS - b.lastSeconds);
  if (burst) return burst.value;
  const { cpu, traffic } = levelsAt(inst, ts);
  if (metric === "MemUsage") {
    // MemUsage needs the monitoring agent inside the machine: without one (no `mem`) there is no data.
    if (cpu === null || inst.profile.mem === undefined) return null;
    return Math.max(0, Math.min(100, Math.round(inst.profile.mem * (0.9 + 0.2 * noise) * 100) / 100));
  }
  if (metric === "CPUUsage") {
    if (cpu === null) return null;
    // +-20% noise around the profile's level, so max and p95 differ from the mean.
    return Math.max(0, Math.min(100, Math.round(cpu * (0.8 + 0.4 * noise) * 100) / 100));
  }
  if (cpu === null) return null;
  const level = metric.endsWith("Outtraffic") ? traffic : traffic / 2;
  return Math.round(level * (0.8 + 0.4 * noise) * 1000) / 1000;
}

/**
 * Times as every documented and recorded request writes them: `2018-09-22T19:51:23+08:00`
 * (seconds, a numeric offset, no fraction). Stricter than the real service may be, on purpose: a
 * caller that sends what the docs show is never wrong.
 */
const DOCUMENTED_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/;

function parseTime(s: string | undefined, field: string): number | undefined {
  if (s === undefined) return undefined;
  const t = Date.parse(s);
  if (!DOCUMENTED_TIME.test(s) || Number.isNaN(t))
    throw new ApiFault("InvalidParameterValue", `\`${field}\` must be a time such as 2018-09-22T19:51:23+08:00.`);
  return Math.floor(t / 1000);
}

/** Reply times as the real API writes them: aligned down to the period, Beijing time, `2018-09-22T19:20:00+08:00`. */
const replyTime = (s: number, period: number) =>
  `${new Date((Math.floor(s / period) * period + 8 * 3600) * 1000).toISOString().slice(0, 19)}+08:00`;

/** The billing month of an instant, `2026-12`, in Beijing time. */
export const billingMonth = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 7);

/** A GetMonitorData request, checked in the order the fields are listed, each refusal naming its field. */
interface MonitorQuery {
  metric: string;
  period: number;
  instances: Array<{ Dimensions?: Array<{ Name?: string; Value?: string }> }>;
  start: number;
  end: number;
  nowS: number;
}

function monitorQuery(ctx: HandlerContext): MonitorQuery {
  const ns = str(ctx.params, "Namespace", true);
  if (ns !== "QCE/CVM")
    throw new ApiFault(
      "InvalidParameterValue",
      `Namespace \`${ns}\` is not supported by this emulator (QCE/CVM only).`,
    );
  const metric = str(ctx.params, "MetricName", true)!;
  if (!(CVM_METRICS as readonly string[]).includes(metric))
    throw new ApiFault("InvalidParameterValue", `Metric \`${metric}\` is not a QCE/CVM metric.`);
  const period = int(ctx.params, "Period", 300);
  if (!PERIODS.includes(period))
    throw new ApiFault("InvalidParameterValue", `Period must be one of ${PERIODS.join(", ")}.`);
  const instances = ctx.params.Instances;
  if (!Array.isArray(instances) || instances.length === 0)
    throw new ApiFault("MissingParameter", "The request is missing a required parameter `Instances`.");
  if (instances.length > MAX_MONITOR_INSTANCES)
    throw new ApiFault("InvalidParameterValue", `At most ${MAX_MONITOR_INSTANCES} instances per request.`);
  const nowS = Math.floor(ctx.state.now() / 1000);
  const end = parseTime(str(ctx.params, "EndTime"), "EndTime") ?? nowS;
  const start = parseTime(str(ctx.params, "StartTime"), "StartTime") ?? end - 3600;
  if (start > end) throw new ApiFault("InvalidParameterValue", "StartTime must not be after EndTime.");
  const points = (Math.floor((end - start) / period) + 1) * instances.length;
  if (points > MAX_MONITOR_POINTS)
    throw new ApiFault(
      "InvalidParameterValue",
      `The request asks for ${points} data points (${instances.length} instances over the time range); at most ${MAX_MONITOR_POINTS}: fewer instances, a shorter range or a longer Period.`,
    );
  return { metric, period, instances, start, end, nowS };
}

/** One requested instance's series: its points in the range, or none where the real API gives none. */
function seriesOf(ctx: HandlerContext, q: MonitorQuery, entry: MonitorQuery["instances"][number]) {
  const { metric, period, start, end, nowS } = q;
  const dims = (entry?.Dimensions ?? []).map((d) => ({ Name: String(d.Name), Value: String(d.Value) }));
  const id = dims.find((d) => d.Name === "InstanceId")?.Value;
  if (!id) throw new ApiFault("InvalidParameterValue", "Each instance needs an InstanceId dimension.");
  const inst = ctx.state.instances.get(id);
  const timestamps: number[] = [];
  const values: number[] = [];
  // An instance without a public IP has no public traffic: its Wan* series come back empty,
  // not as zeros (the awkward case; a caller must not read that as "no data").
  const noWan = metric.startsWith("Wan") && !inst?.PublicIpAddresses?.length;
  if (inst && inst.Region === ctx.region && !noWan) {
    const born = Math.floor(Date.parse(inst.CreatedTime) / 1000);
    // Each point's noise hashes `${InstanceId}/${metric}/${ts}` and its gap draw the same and `/gap`:
    // the common prefix is hashed once per series, not once per point (the same values, fewer strings).
    const prefix = fnv(FNV_START, `${inst.InstanceId}/${metric}/`);
    for (let ts = Math.ceil(start / period) * period; ts <= Math.min(end, nowS); ts += period) {
      if (ts < born) continue;
      const h = fnv(prefix, String(ts));
      // Real series miss points now and then (the model's DataPoint says so).
      if (inst.profile.gaps && unitOf(fnv(h, "/gap")) < inst.profile.gaps) continue;
      const v = valueAt(inst, metric, ts, nowS, unitOf(h));
      if (v === null) continue;
      timestamps.push(ts);
      values.push(v);
    }
  }
  return { Dimensions: dims, Timestamps: timestamps, Values: values };
}

const getMonitorData: Handler = (ctx) => {
  const q = monitorQuery(ctx);
  const month = billingMonth(ctx.state.now());
  const used = ctx.state.monitorCalls.get(month) ?? 0;
  if (used >= ctx.state.monitorFreeCalls && !ctx.state.monitorPayAsYouGo) {
    throw new ApiFault(
      "LimitExceeded",
      `本月 GetMonitorData 免费额度 (${ctx.state.monitorFreeCalls} 次) 已用完: the account's free GetMonitorData calls for ${month} are used up; enable API请求按量付费 to go on.`,
    );
  }
  const dataPoints = q.instances.map((entry) => seriesOf(ctx, q, entry));
  // Only answered calls count against the free tier (see above), so a refused one is not counted.
  ctx.state.monitorCalls.set(month, used + 1);
  return {
    Period: q.period,
    MetricName: q.metric,
    DataPoints: dataPoints,
    StartTime: replyTime(q.start, q.period),
    EndTime: replyTime(q.end, q.period),
    Msg: "",
  };
};

export const monitorHandlers: Record<string, Handler> = { GetMonitorData: getMonitorData };
