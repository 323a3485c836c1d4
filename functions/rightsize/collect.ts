/**
 * Reads one region for rightsize: its running machines (and any whose resize we began), their
 * hourly CPUUsage and MemUsage over the look-back (GetMonitorData, Period 3600: 337 points a
 * machine over 14 days, so 21 machines a call under the 7,200-point limit; monitor.ts sizes the
 * batches), the zone's offers of their families (zone-offers.ts) and, for each pay-as-you-go proposal, the price of the proposed type for that machine
 * (InquiryPriceResetInstancesType, one instance a call).
 */
import type { Logger } from "../../lib/log/logger.ts";
import type { TencentCloudClient } from "../../lib/tencent/client.ts";
import type { Instance } from "../../lib/tencent/data-types.ts";
import { errorRecord } from "../../lib/tencent/errors.ts";
import { getInstanceMetric, type MetricWindow, type Series } from "../../lib/tencent/monitor.ts";
import { tagsOf } from "../../lib/tencent/normalize.ts";
import { api, pages } from "../../lib/tencent/services.ts";
import { offersOf, type Offer } from "../../lib/tencent/zone-offers.ts";
import type { RightsizePolicy } from "./config.ts";
import {
  HOURS_PER_MONTH,
  judge,
  RESIZING_TAG,
  resizedAt,
  usageOf,
  type Machine,
  type RightsizeDecision,
} from "./plan.ts";

const machineOf = (i: Instance, region: string): Machine => ({
  id: i.InstanceId,
  region,
  name: i.InstanceName,
  type: i.InstanceType,
  zone: i.Placement?.Zone ?? "",
  chargeType: i.InstanceChargeType,
  state: i.InstanceState,
  tags: tagsOf(i),
});

/** Running machines, and machines of any state carrying our progress tag (a resize to finish), each once. */
async function listMachines(client: TencentCloudClient, region: string, only: Set<string> | undefined) {
  const out = new Map<string, Machine>();
  const queries = [
    [
      { Name: "instance-state", Values: ["RUNNING"] },
      // Spot and CDH machines cannot change type this way (ResetInstancesType: no CDH).
      { Name: "instance-charge-type", Values: ["POSTPAID_BY_HOUR", "PREPAID"] },
    ],
    [{ Name: "tag-key", Values: [RESIZING_TAG] }],
  ];
  for (const Filters of queries)
    for await (const page of pages(client, "DescribeInstances", region, { Filters }))
      for (const i of page) if (!only || only.has(i.InstanceId)) out.set(i.InstanceId, machineOf(i, region));
  return [...out.values()];
}

/** The proposed type's hourly price for this machine, as InquiryPriceResetInstancesType quotes it; undefined when it will not. */
async function quote(client: TencentCloudClient, logger: Logger, d: RightsizeDecision): Promise<number | undefined> {
  try {
    const r = await api(client).inquiryPriceResetInstancesType(d.region, {
      InstanceIds: [d.id],
      InstanceType: d.detail!.to!,
    });
    const p = r.Price?.InstancePrice;
    const v = p?.UnitPriceDiscount ?? p?.UnitPrice;
    return typeof v === "number" && v > 0 ? v : undefined;
  } catch (err) {
    // The inquiry refuses some machines the change itself accepts (a CLOUD_BASIC system disk, as documented today).
    logger.info("InquiryPriceResetInstancesType gave no price; the zone's list price stands", {
      id: d.id,
      ...errorRecord(err),
    });
    return undefined;
  }
}

/** Every machine of the region judged; proposals priced. */
export async function decideRegion(
  client: TencentCloudClient,
  logger: Logger,
  region: string,
  policy: RightsizePolicy,
  now: Date,
  only: Set<string> | undefined,
): Promise<RightsizeDecision[]> {
  const machines = await listMachines(client, region, only);
  if (!machines.length) return [];
  const window: MetricWindow = {
    start: new Date(now.getTime() - policy.lookbackDays * 86400_000),
    end: now,
    period: 3600,
  };
  const running = machines.filter((m) => m.state === "RUNNING").map((m) => m.id);
  const [cpu, mem, offers] = await Promise.all([
    getInstanceMetric(client, region, "CPUUsage", running, window),
    getInstanceMetric(client, region, "MemUsage", running, window),
    offersOf(
      client,
      region,
      machines.map((m) => m.type.split(".")[0]!),
    ),
  ]);
  const decisions: RightsizeDecision[] = [];
  const byZone = new Map<string, Offer[]>();
  for (const [k, o] of offers) {
    const zone = k.slice(0, k.indexOf("/"));
    byZone.set(zone, [...(byZone.get(zone) ?? []), o]);
  }
  for (const m of machines) {
    const zoneOffers = byZone.get(m.zone) ?? [];
    // After a resize of ours, only the hours at the new type count: the earlier ones were another machine's share.
    const since = resizedAt(m) ?? 0;
    const after = (s: Series) => s.filter(([t]) => t >= since);
    const u = usageOf(after(cpu.get(m.id) ?? []), after(mem.get(m.id) ?? []));
    decisions.push(judge(m, u, zoneOffers, policy, now));
  }
  // A pay-as-you-go proposal's new price, quoted for the machine itself: the price API's word over the list.
  for (const d of decisions) {
    const det = d.detail;
    if (!det?.to || d.kind === "resume" || det.chargeType !== "POSTPAID_BY_HOUR") continue;
    const hourly = await quote(client, logger, d);
    if (hourly === undefined) {
      det.priceSource = "DescribeZoneInstanceConfigInfos";
      continue;
    }
    det.proposedMonthly = Math.round(hourly * HOURS_PER_MONTH * 100) / 100;
    det.priceSource = "InquiryPriceResetInstancesType";
    if (det.currentMonthly !== undefined)
      det.monthlySaving = Math.round((det.currentMonthly - det.proposedMonthly) * 100) / 100;
  }
  return decisions;
}
