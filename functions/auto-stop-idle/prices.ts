/**
 * Hourly pay-as-you-go prices for the types auto-stop stopped (issue 18): AUTO_STOP_PRICES first
 * (an override), then DescribeZoneInstanceConfigInfos' ItemPrice — one call per region per run,
 * for the types and zones seen, read as `UnitPriceDiscount` (what the account pays) or else
 * `UnitPrice`, only when `ChargeUnit` is HOUR. What has no price stays unpriced, never 0.
 */
import type { Logger } from "../../lib/log/logger.ts";
import type { TencentCloudClient } from "../../lib/tencent/client.ts";
import { api, batches } from "../../lib/tencent/services.ts";

export interface Stopped {
  region: string;
  zone: string;
  type: string;
}

/** The model documents at most 100 values per filter. */
const MAX_VALUES = 100;

/**
 * `region/zone/type` → hourly price from the API, for every zone of a region that offers one of
 * `types` (the caller looks up a stopped machine by its zone). Types with an override are not
 * asked for; no types, no call.
 */
export async function lookUpPrices(client: TencentCloudClient, logger: Logger, region: string, types: Iterable<string>, overrides: Map<string, number>): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const missing = [...new Set(types)].filter((t) => t && !overrides.has(t));
  for (const batch of batches(missing, MAX_VALUES)) {
    try {
      const r = await api(client).describeZoneInstanceConfigInfos(region, {
        Filters: [{ Name: "instance-charge-type", Values: ["POSTPAID_BY_HOUR"] }, { Name: "instance-type", Values: batch }],
      });
      for (const item of r.InstanceTypeQuotaSet ?? []) {
        const p = item.Price;
        const hourly = p?.ChargeUnit === "HOUR" ? (p.UnitPriceDiscount ?? p.UnitPrice) : undefined;
        if (item.Zone && item.InstanceType && typeof hourly === "number" && Number.isFinite(hourly)) out.set(`${region}/${item.Zone}/${item.InstanceType}`, hourly);
      }
    } catch (err) {
      // A price is an estimate for the report: a failed lookup leaves those types unpriced.
      logger.warn("price lookup failed; those types are reported unpriced", { region, err });
    }
  }
  return out;
}

/** A stopped machine's hourly price: AUTO_STOP_PRICES for its type first, then the API's for its zone. */
export const priceOf = (s: Stopped, overrides: Map<string, number>, looked: Map<string, number>): number | undefined => overrides.get(s.type) ?? looked.get(key(s));

export const key = (s: Stopped) => `${s.region}/${s.zone}/${s.type}`;
