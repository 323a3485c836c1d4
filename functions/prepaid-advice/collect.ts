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
import { api, batches, batchSizeOf, pages } from "../../lib/tencent/services.ts";
import { offersOf } from "../../lib/tencent/zone-offers.ts";
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

/** The region's pay-as-you-go machines, each once. */
export async function payAsYouGo(client: TencentCloudClient, region: string, only: Set<string> | undefined) {
  const out = new Map<string, PayAsYouGo>();
  const Filters = [{ Name: "instance-charge-type", Values: ["POSTPAID_BY_HOUR"] }];
  for await (const page of pages(client, "DescribeInstances", region, { Filters }))
    for (const i of page)
      if (!only || only.has(i.InstanceId))
        out.set(i.InstanceId, {
          id: i.InstanceId,
          region,
          name: i.InstanceName,
          type: i.InstanceType,
          zone: i.Placement?.Zone ?? "",
          createdTime: i.CreatedTime,
          stoppedWithoutCharge: i.InstanceState === "STOPPED" && i.StopChargingMode === "STOP_CHARGING",
        });
  return [...out.values()];
}

/** id → { hourly, monthly }: hourly from the zone's offers, monthly from the inquiry (else the zone's prepaid list price). */
export async function pricesOf(
  client: TencentCloudClient,
  logger: Logger,
  region: string,
  machines: readonly PayAsYouGo[],
): Promise<Map<string, { hourly?: number | undefined; monthly?: number | undefined }>> {
  const offers = await offersOf(
    client,
    region,
    machines.map((m) => m.type.split(".")[0]!),
  );
  const out = new Map(machines.map((m) => [m.id, { ...offerPrice(offers.get(`${m.zone}/${m.type}`)) }]));
  // A machine stopped without charge is refused by the inquiry (and would fail its whole call): its list price stands.
  const groups = new Map<string, string[]>();
  for (const m of machines)
    if (!m.stoppedWithoutCharge)
      groups.set(`${m.zone}/${m.type}`, [...(groups.get(`${m.zone}/${m.type}`) ?? []), m.id]);
  for (const ids of groups.values())
    for (const batch of batches(ids, batchSizeOf("InquiryPriceModifyInstancesChargeType"))) {
      try {
        const r = await api(client).inquiryPriceModifyInstancesChargeType(region, {
          InstanceIds: batch,
          InstanceChargeType: "PREPAID",
          InstanceChargePrepaid: { Period: 1 },
        });
        const p = r.Price?.InstancePrice;
        const sum = p?.DiscountPrice ?? p?.OriginalPrice;
        if (typeof sum === "number" && sum > 0)
          for (const id of batch) out.get(id)!.monthly = Math.round((sum / batch.length) * 100) / 100;
      } catch (err) {
        logger.info("InquiryPriceModifyInstancesChargeType gave no price; the zone's prepaid list price stands", {
          region,
          ...errorRecord(err),
        });
      }
    }
  return out;
}

const offerPrice = (o: { hourly?: number | undefined; monthly?: number | undefined } | undefined) => ({
  hourly: o?.hourly,
  monthly: o?.monthly,
});
