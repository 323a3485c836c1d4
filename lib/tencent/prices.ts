/**
 * Hourly pay-as-you-go prices for the types auto-stop stopped: AUTO_STOP_PRICES first
 * (an override), then DescribeZoneInstanceConfigInfos' ItemPrice — one call per region per run,
 * for the types and zones seen, read as `UnitPriceDiscount` (what the account pays) or else
 * `UnitPrice`, only when `ChargeUnit` is HOUR. What has no price stays unpriced, never 0: a price
 * of 0 is no price (DescribeZoneInstanceConfigInfos answers 0 for some pay-as-you-go items; the
 * witness cvm.DescribeZoneInstanceConfigInfos.json has one). Pay-as-you-go prices step down with
 * the hours used (the cvm model's ItemPrice: UnitPrice for (0, 96) h when later steps are given,
 * UnitPriceSecondStep for (96, 360) h, UnitPriceThirdStep past 360 h); a machine's age since
 * creation stands in for its hours used.
 */
import { readEachOnce } from "../settle.ts";
import type { Logger } from "../log/logger.ts";
import type { TencentCloudClient } from "./client.ts";
import { api, batches } from "./services.ts";

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
export async function lookUpPrices(
  client: TencentCloudClient,
  logger: Logger,
  region: string,
  types: Iterable<string>,
  overrides: Map<string, number>,
): Promise<Map<string, PriceSteps>> {
  const out = new Map<string, PriceSteps>();
  const missing = [...new Set(types)].filter((t) => t && !overrides.has(t));
  for (const batch of batches(missing, MAX_VALUES)) {
    try {
      const r = await api(client).describeZoneInstanceConfigInfos(region, {
        Filters: [
          { Name: "instance-charge-type", Values: ["POSTPAID_BY_HOUR"] },
          { Name: "instance-type", Values: batch },
        ],
      });
      for (const item of r.InstanceTypeQuotaSet ?? []) {
        const p = item.Price;
        if (p?.ChargeUnit !== "HOUR" || !item.Zone || !item.InstanceType) continue;
        const steps: PriceSteps = {
          first: priced(p.UnitPriceDiscount, p.UnitPrice),
          second: priced(p.UnitPriceDiscountSecondStep, p.UnitPriceSecondStep),
          third: priced(p.UnitPriceDiscountThirdStep, p.UnitPriceThirdStep),
        };
        if (steps.first !== undefined) out.set(`${region}/${item.Zone}/${item.InstanceType}`, steps);
      }
    } catch (err) {
      // A price is an estimate for the report: a failed lookup leaves those types unpriced.
      logger.warn("price lookup failed; those types are reported unpriced", { region, err });
    }
  }
  return out;
}

/** An hourly price for each step of hours used; undefined where the API gave none (or 0). */
export interface PriceSteps {
  first: number | undefined;
  second: number | undefined;
  third: number | undefined;
}

/** What the account pays (the discount price) where given, else the list price; 0 and non-numbers are no price. */
function priced(discount: unknown, list: unknown): number | undefined {
  for (const v of [discount, list]) if (typeof v === "number" && Number.isFinite(v) && v > 0) return v;
  return undefined;
}

/**
 * A stopped machine's hourly price: AUTO_STOP_PRICES for its type first, then the API's for its
 * zone at the step its hours put it in (past 96 h the second step, past 360 h the third, each
 * falling back to the step before when the API gives none).
 */
export function priceOf(
  s: Stopped,
  overrides: Map<string, number>,
  looked: Map<string, PriceSteps>,
  ageHours?: number,
): number | undefined {
  const own = overrides.get(s.type);
  if (own !== undefined) return own;
  const p = looked.get(key(s));
  if (!p) return undefined;
  const h = ageHours ?? 0;
  if (h >= 360) return p.third ?? p.second ?? p.first;
  if (h >= 96) return p.second ?? p.first;
  return p.first;
}

export const key = (s: Stopped) => `${s.region}/${s.zone}/${s.type}`;

/**
 * lookUpPrices for a run that meets its types a page at a time: each type is asked for once per
 * region and run, and every page reads the prices found so far (a page of 100 machines asking
 * afresh cost a DescribeZoneInstanceConfigInfos call a page, 100 a region at 10,000 machines).
 */
export function priceBook(
  client: TencentCloudClient,
  logger: Logger,
  region: string,
  overrides: Map<string, number>,
): (types: Iterable<string>) => Promise<Map<string, PriceSteps>> {
  const looked = new Map<string, PriceSteps>();
  // lookUpPrices never rejects: a failed lookup leaves its types unpriced.
  const read = readEachOnce(async (fresh) => {
    for (const [k, v] of await lookUpPrices(client, logger, region, fresh, overrides)) looked.set(k, v);
  });
  return async (types) => {
    await read(types);
    return looked;
  };
}
