/**
 * Reads what prepaid-advice needs: last month's hours our ledger kept each machine stopped without
 * charge (lib/history: the intervals of auto-stop's and office-hours' STOP_CHARGING stops), a
 * region's pay-as-you-go machines, their hourly prices (zone-offers.ts) and a prepaid month's price
 * for each, asked of InquiryPriceModifyInstancesChargeType for up to 100 machines of one zone and
 * type a call (the API answers one sum for the call, so each machine's share is the sum ÷ count).
 */
import { intervals, intervalSavings } from "../../lib/history/ledger.ts";
import { monthRange } from "../../lib/history/realised.ts";
import { earlierStops, recordsBetween } from "../../lib/history/read.ts";
import type { HistoryStore } from "../../lib/history/store.ts";
import type { Logger } from "../../lib/log/logger.ts";
import type { TencentCloudClient } from "../../lib/tencent/client.ts";
import { errorRecord } from "../../lib/tencent/errors.ts";
import { api, batchSizeOf, pages } from "../../lib/tencent/services.ts";
import { offerBook } from "../../lib/tencent/zone-offers.ts";
import type { PayAsYouGo } from "./plan.ts";

/** The calendar month (UTC, as the ledger counts) before `now`'s. */
export function lastMonth(now: Date): { name: string; from: number; to: number } {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  const name = d.toISOString().slice(0, 7);
  const [from, to] = monthRange(name);
  return { name, from, to };
}

/** `region/id` → hours stopped without charge within the month, from the ledger's intervals. */
export async function notBilledHours(store: HistoryStore, from: number, to: number): Promise<Map<string, number>> {
  const records = await recordsBetween(store, from, to);
  const out = new Map<string, number>();
  for (const iv of intervals(records, await earlierStops(store, records))) {
    const k = `${iv.stop.region}/${iv.stop.id}`;
    out.set(k, (out.get(k) ?? 0) + intervalSavings(iv, from, to).hoursNotBilled);
  }
  return out;
}

/** The region's pay-as-you-go machines, a page at a time, each once: a run holds a page, never the region. */
export async function* payAsYouGoPages(client: TencentCloudClient, region: string, only: Set<string> | undefined) {
  const seen = new Set<string>();
  const Filters = [{ Name: "instance-charge-type", Values: ["POSTPAID_BY_HOUR"] }];
  for await (const page of pages(client, "DescribeInstances", region, { Filters })) {
    const out: PayAsYouGo[] = [];
    for (const i of page) {
      if ((only && !only.has(i.InstanceId)) || seen.has(i.InstanceId)) continue;
      seen.add(i.InstanceId);
      out.push({
        id: i.InstanceId,
        region,
        name: i.InstanceName,
        type: i.InstanceType,
        zone: i.Placement?.Zone ?? "",
        createdTime: i.CreatedTime,
        stoppedWithoutCharge: i.InstanceState === "STOPPED" && i.StopChargingMode === "STOP_CHARGING",
      });
    }
    if (out.length) yield out;
  }
}

export type Prices = { hourly?: number | undefined; monthly?: number | undefined };

/**
 * A region's prices for each page of machines: hourly from the zone's offers, monthly from the
 * inquiry (else the zone's prepaid list price). The inquiry answers one sum for up to 100 machines
 * of one zone and type; each machine's share of the first such call stands for every machine of
 * that zone and type this run (a call a page would be most of a large fleet's calls). A refusal
 * is not kept: the next page's machines are asked again.
 */
export function priceBook(client: TencentCloudClient, logger: Logger, region: string) {
  const offers = offerBook(client, region);
  const shares = new Map<string, Promise<number | undefined>>();
  return async (machines: readonly PayAsYouGo[]): Promise<Map<string, Prices>> => {
    const shelf = await offers(machines.map((m) => m.type.split(".")[0]!));
    // A machine stopped without charge is refused by the inquiry (and would fail its whole call): its list price stands.
    const groups = new Map<string, string[]>();
    for (const m of machines)
      if (!m.stoppedWithoutCharge)
        groups.set(`${m.zone}/${m.type}`, [...(groups.get(`${m.zone}/${m.type}`) ?? []), m.id]);
    for (const [k, ids] of groups)
      if (!shares.has(k)) {
        const asked = shareOf(
          client,
          logger,
          region,
          ids.slice(0, batchSizeOf("InquiryPriceModifyInstancesChargeType")),
        );
        shares.set(k, asked);
        void asked.then((v) => v === undefined && shares.get(k) === asked && shares.delete(k));
      }
    const out = new Map<string, Prices>();
    for (const m of machines) {
      const k = `${m.zone}/${m.type}`;
      const list = offerPrice(shelf.byKey.get(k));
      const share = m.stoppedWithoutCharge ? undefined : await shares.get(k);
      out.set(m.id, share === undefined ? list : { ...list, monthly: share });
    }
    return out;
  };
}

/** A prepaid month for one machine of these: the inquiry's sum for the call ÷ the machines in it; undefined when it gives none. */
async function shareOf(
  client: TencentCloudClient,
  logger: Logger,
  region: string,
  batch: string[],
): Promise<number | undefined> {
  try {
    const r = await api(client).inquiryPriceModifyInstancesChargeType(region, {
      InstanceIds: batch,
      InstanceChargeType: "PREPAID",
      InstanceChargePrepaid: { Period: 1 },
    });
    const p = r.Price?.InstancePrice;
    const sum = p?.DiscountPrice ?? p?.OriginalPrice;
    return typeof sum === "number" && sum > 0 ? Math.round((sum / batch.length) * 100) / 100 : undefined;
  } catch (err) {
    logger.info("InquiryPriceModifyInstancesChargeType gave no price; the zone's prepaid list price stands", {
      region,
      ...errorRecord(err),
    });
    return undefined;
  }
}

const offerPrice = (o: Prices | undefined): Prices => ({
  hourly: o?.hourly,
  monthly: o?.monthly,
});
