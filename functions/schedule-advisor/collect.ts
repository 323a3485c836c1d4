/**
 * A fortnight of hourly points for a page of machines: CPUUsage, LanOuttraffic and WanOuttraffic
 * at Period 3600 over the last 14 whole hours-aligned days, and each machine's hourly price.
 *
 * Cost: 14 × 24 = 336 points per instance and metric, so one GetMonitorData call carries
 * floor(7,200 / 336) = 21 instances (tccli monitor api.json: "单请求的数据点数限制为7200个"; the
 * per-product Node package's older model says 1,440, which would allow 4). A run costs
 * 3 × ceil(machines / 21) calls per region: 1,000 machines, 144 calls, 0.014% of Cloud Monitor's
 * free 1,000,000 calls a month; weekly, about 0.06% a month.
 */
import type { TencentCloudClient } from "../../lib/tencent/client.ts";
import { getInstanceMetric, type MetricWindow, reduceInstanceMetric } from "../../lib/tencent/monitor.ts";
import { addWherePresent, NO_POINTS, type Series } from "../../lib/tencent/series.ts";
import { settleAll } from "../../lib/settle.ts";
import { type PriceSteps, priceOf } from "../../lib/tencent/prices.ts";
import { type Listed, LOOKBACK_DAYS, type Machine } from "./plan.ts";

/** The fortnight before `now`, in whole hours: the last point is the hour that began before now. */
export function fortnight(now: Date): MetricWindow {
  const end = Math.floor(now.getTime() / 3600_000) * 3600_000 - 3600_000;
  // 14 × 24 points: the first is the hour after the one a fortnight before the last.
  return { start: new Date(end - LOOKBACK_DAYS * 86400_000 + 3600_000), end: new Date(end), period: 3600 };
}

/** The machines of one region with their series and prices. */
export async function collect(
  client: TencentCloudClient,
  region: string,
  insts: readonly Listed[],
  o: {
    window: MetricWindow;
    prices: Map<string, number>;
    /** The region's prices for these types (prices.ts priceBook: each type looked up once a run). */
    lookUp: (types: Iterable<string>) => Promise<Map<string, PriceSteps>>;
    now: Date;
  },
): Promise<Machine[]> {
  if (!insts.length) return [];
  const ids = insts.map((i) => i.InstanceId);
  const traffic = trafficPairs();
  const [cpu, , , looked] = await settleAll([
    getInstanceMetric(client, region, "CPUUsage", ids, o.window),
    reduceInstanceMetric(client, region, "LanOuttraffic", ids, o.window, traffic.lan),
    // Empty for a machine without a public IP (the emulator's awkward case): LAN alone then.
    reduceInstanceMetric(client, region, "WanOuttraffic", ids, o.window, traffic.wan),
    o.lookUp(insts.map((i) => i.InstanceType ?? "")),
  ]);
  return insts.map((inst) => {
    const born = Date.parse(inst.CreatedTime ?? "");
    const at = { region, zone: inst.Placement?.Zone ?? "", type: inst.InstanceType ?? "" };
    return {
      inst,
      region,
      cpu: cpu.get(inst.InstanceId) ?? NO_POINTS,
      traffic: traffic.sums.get(inst.InstanceId) ?? NO_POINTS,
      price: priceOf(at, o.prices, looked, Number.isFinite(born) ? (o.now.getTime() - born) / 3600_000 : undefined),
    };
  });
}

/**
 * Each machine's outbound traffic, LAN plus WAN where WAN has the point, summed as soon as both
 * its series have come: each metric reduces every machine asked for once (its points, or none).
 * Memory: a machine's LAN or WAN series is held only until the other arrives, not until the
 * page's last reply, so a page holds about two series a machine (CPU, traffic), not four.
 */
function trafficPairs() {
  const lanOf = new Map<string, Series>();
  const wanOf = new Map<string, Series>();
  const sums = new Map<string, Series>();
  return {
    sums,
    lan: (id: string, s: Series) => {
      const wan = wanOf.get(id);
      if (wan === undefined) lanOf.set(id, s);
      else sums.set(id, addWherePresent(s, wan));
      wanOf.delete(id);
    },
    wan: (id: string, s: Series) => {
      const lan = lanOf.get(id);
      if (lan === undefined) wanOf.set(id, s);
      else sums.set(id, addWherePresent(lan, s));
      lanOf.delete(id);
    },
  };
}
