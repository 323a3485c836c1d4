/**
 * What a region sells, per zone and type, as DescribeZoneInstanceConfigInfos answers it (current
 * CVM API, product/213/33254): the type's family, vCPUs and memory (InstanceTypeQuotaItem: Cpu,
 * Memory, InstanceFamily), its pay-as-you-go price an hour (ItemPrice UnitPriceDiscount, else
 * UnitPrice, ChargeUnit HOUR) and its prepaid month (DiscountPrice, else OriginalPrice). A price of
 * 0 is no price (the witness cvm.DescribeZoneInstanceConfigInfos.json has a pay-as-you-go item at
 * 0): left unpriced, never free. rightsize and prepaid-advice read it alike.
 */
import type { TencentCloudClient } from "./client.ts";
import { readEachOnce } from "../settle.ts";
import { api, batches } from "./services.ts";

/** The model documents at most 100 values a filter. */
const MAX_VALUES = 100;

/** One type as a zone sells it. */
export interface Offer {
  type: string;
  family: string;
  cpu: number;
  memory: number;
  /** Pay-as-you-go price an hour (the discount price the account pays, else the list price). */
  hourly?: number | undefined;
  /** A prepaid month's price. */
  monthly?: number | undefined;
}

/** `zone/type` → offer, for the families asked, from one or more DescribeZoneInstanceConfigInfos calls. */
export async function offersOf(
  client: TencentCloudClient,
  region: string,
  families: readonly string[],
): Promise<Map<string, Offer>> {
  const out = new Map<string, Offer>();
  const positive = (...vs: unknown[]) => vs.find((v): v is number => typeof v === "number" && v > 0);
  for (const batch of batches([...new Set(families)], MAX_VALUES)) {
    const r = await api(client).describeZoneInstanceConfigInfos(region, {
      Filters: [{ Name: "instance-family", Values: batch }],
    });
    for (const item of r.InstanceTypeQuotaSet ?? []) {
      if (!item.Zone || !item.InstanceType || !item.Cpu || !item.Memory || item.Status === "SOLD_OUT") continue;
      const k = `${item.Zone}/${item.InstanceType}`;
      const o: Offer = out.get(k) ?? {
        type: item.InstanceType,
        family: item.InstanceFamily ?? item.InstanceType.split(".")[0]!,
        cpu: item.Cpu,
        memory: item.Memory,
      };
      const p = item.Price;
      if (item.InstanceChargeType === "POSTPAID_BY_HOUR" && p?.ChargeUnit === "HOUR")
        o.hourly = positive(p.UnitPriceDiscount, p.UnitPrice);
      if (item.InstanceChargeType === "PREPAID") o.monthly = positive(p?.DiscountPrice, p?.OriginalPrice);
      out.set(k, o);
    }
  }
  return out;
}

/** What a region sells, as far as a run has asked: by `zone/type`, and by zone. */
export interface OfferShelf {
  byKey: Map<string, Offer>;
  byZone: Map<string, Offer[]>;
}

/**
 * offersOf for a run that meets its machines a page at a time: each family is asked for once per
 * region and run, and every page reads the shelf filled so far (its own families included).
 */
export function offerBook(
  client: TencentCloudClient,
  region: string,
): (families: readonly string[]) => Promise<OfferShelf> {
  const shelf: OfferShelf = { byKey: new Map(), byZone: new Map() };
  const read = readEachOnce(async (fresh) => {
    for (const [k, o] of await offersOf(client, region, fresh)) {
      shelf.byKey.set(k, o);
      const zone = k.slice(0, k.indexOf("/"));
      shelf.byZone.set(zone, [...(shelf.byZone.get(zone) ?? []), o]);
    }
  });
  return async (families) => {
    await read(families);
    return shelf;
  };
}
