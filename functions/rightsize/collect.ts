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
import { type MetricWindow, reduceInstanceMetric } from "../../lib/tencent/monitor.ts";
import type { Series } from "../../lib/tencent/series.ts";
import { awaitedLater, settleAll } from "../../lib/settle.ts";
import { tagsOf } from "../../lib/tencent/normalize.ts";
import { api, pages } from "../../lib/tencent/services.ts";
import { offerBook } from "../../lib/tencent/zone-offers.ts";
import type { RightsizePolicy } from "./config.ts";
import {
  HOURS_PER_MONTH,
  hourlyValues,
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

/** Pages of DescribeInstances (100 machines each) judged side by side while the listing reads on: enough to keep the metric queries at their rate. */
const PAGES_IN_FLIGHT = 4;

/**
 * Machines of any state carrying our progress tag (a resize to finish, or one done), then the
 * running machines. In this order, not the other (memory): the ids kept so that a machine in
 * both listings is judged once are the tagged listing's, not every running machine's (at
 * 100,000 machines a region's set of 10,000 ids, ~150 KB, held for the whole run). A machine
 * tagged or untagged between the two listings is still judged exactly once.
 */
const QUERIES = [
  [{ Name: "tag-key", Values: [RESIZING_TAG] }],
  [
    { Name: "instance-state", Values: ["RUNNING"] },
    // Spot and CDH machines cannot change type this way (ResetInstancesType: no CDH).
    { Name: "instance-charge-type", Values: ["POSTPAID_BY_HOUR", "PREPAID"] },
  ],
];

/** Each machine of the two listings once, a page at a time: a run holds a few pages' machines, never the region's. */
async function* machinePages(client: TencentCloudClient, region: string, only: Set<string> | undefined) {
  // The tagged listing's ids: its machines are skipped in the running listing.
  const tagged = new Set<string>();
  // One page at a time, not the pager's four ahead (memory): a page is asked for when one of the
  // PAGES_IN_FLIGHT is judged, while the others keep the metric queries busy (ten queries each,
  // half a second at 20 a second), so pages read ahead only waited in the heap, 100 raw rows
  // each, long enough to be kept until the next full collection.
  for (const [n, Filters] of QUERIES.entries())
    for await (const page of pages(client, "DescribeInstances", region, { Filters }, { ahead: 1 })) {
      const fresh = page.filter((i) => (!only || only.has(i.InstanceId)) && !tagged.has(i.InstanceId));
      if (n === 0) for (const i of fresh) tagged.add(i.InstanceId);
      if (fresh.length) yield fresh.map((i) => machineOf(i, region));
    }
}

/**
 * The proposed type's hourly price, as InquiryPriceResetInstancesType quotes it for a machine; undefined when it will not.
 * The inquiry prices the type change, so one machine's quote stands for every machine of the same
 * zone, type and proposal: at 100,000 machines a quote each would be most of the run's calls.
 * A refusal is not kept: it may be that machine's alone (its system disk).
 */
function quoteBook(client: TencentCloudClient, logger: Logger) {
  const quoted = new Map<string, Promise<number | undefined>>();
  const priceFor = (key: string, d: RightsizeDecision): Promise<number | undefined> => {
    const known = quoted.get(key);
    if (known !== undefined) return known.then((v) => v ?? priceFor(key, d));
    const asked = quote(client, logger, d);
    quoted.set(key, asked);
    // A refusal is not kept: the next machine of the key asks once more (one at a time), and a price it gets is kept.
    void asked.then((v) => v === undefined && quoted.get(key) === asked && quoted.delete(key));
    return asked;
  };
  return (d: RightsizeDecision) => priceFor(`${d.detail?.zone}/${d.detail?.from}/${d.detail?.to}`, d);
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

/** A pay-as-you-go proposal's new price, quoted for the machine itself: the price API's word over the list. */
async function priced(d: RightsizeDecision, quoteOf: (d: RightsizeDecision) => Promise<number | undefined>) {
  const det = d.detail;
  if (!det?.to || d.kind === "resume" || det.chargeType !== "POSTPAID_BY_HOUR") return d;
  const hourly = await quoteOf(d);
  if (hourly === undefined) {
    det.priceSource = "DescribeZoneInstanceConfigInfos";
    return d;
  }
  det.proposedMonthly = Math.round(hourly * HOURS_PER_MONTH * 100) / 100;
  det.priceSource = "InquiryPriceResetInstancesType";
  if (det.currentMonthly !== undefined)
    det.monthlySaving = Math.round((det.currentMonthly - det.proposedMonthly) * 100) / 100;
  return d;
}

type Judging = {
  client: TencentCloudClient;
  window: MetricWindow;
  policy: RightsizePolicy;
  now: Date;
  offers: ReturnType<typeof offerBook>;
  quoteOf: ReturnType<typeof quoteBook>;
};

/** One page of machines judged: each metric reduced to its statistic as it arrives, so no series outlives its reply. */
async function judgePage(j: Judging, region: string, machines: Machine[]): Promise<RightsizeDecision[]> {
  const byId = new Map(machines.map((m) => [m.id, m]));
  // After a resize of ours, only the hours at the new type count: the earlier ones were another machine's share.
  const since = (id: string) => {
    const m = byId.get(id);
    return (m && resizedAt(m)) ?? 0;
  };
  const hourlyOf = (id: string, s: Series) => hourlyValues(s, since(id));
  const running = machines.filter((m) => m.state === "RUNNING").map((m) => m.id);
  const [cpu, mem, shelf] = await settleAll([
    reduceInstanceMetric(j.client, region, "CPUUsage", running, j.window, hourlyOf),
    reduceInstanceMetric(j.client, region, "MemUsage", running, j.window, hourlyOf),
    j.offers(machines.map((m) => m.type.split(".")[0]!)),
  ]);
  const decisions = machines.map((m) =>
    judge(m, usageOf(cpu.get(m.id) ?? [], mem.get(m.id) ?? []), shelf.byZone.get(m.zone) ?? [], j.policy, j.now),
  );
  return settleAll(decisions.map((d) => priced(d, j.quoteOf)));
}

/** Every machine of the region judged, proposals priced, each handed to `emit` as its page is done. */
export async function decideRegion(
  client: TencentCloudClient,
  logger: Logger,
  region: string,
  policy: RightsizePolicy,
  now: Date,
  only: Set<string> | undefined,
  emit: (d: RightsizeDecision) => void,
): Promise<void> {
  const j: Judging = {
    client,
    policy,
    now,
    window: { start: new Date(now.getTime() - policy.lookbackDays * 86400_000), end: now, period: 3600 },
    offers: offerBook(client, region),
    quoteOf: quoteBook(client, logger),
  };
  const flight = new Set<Promise<void>>();
  try {
    for await (const machines of machinePages(client, region, only)) {
      const done = awaitedLater(judgePage(j, region, machines).then((ds) => ds.forEach(emit)));
      flight.add(done);
      void done.then(
        () => flight.delete(done),
        () => undefined,
      );
      if (flight.size >= PAGES_IN_FLIGHT) await Promise.race(flight);
    }
  } finally {
    // Nothing left running after a refusal, and the first refusal is the one reported.
    await Promise.allSettled(flight);
  }
  await settleAll([...flight]);
}
