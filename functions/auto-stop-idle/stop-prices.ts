/**
 * Each machine to stop carries its hourly price (AUTO_STOP_PRICES, else the API's), looked up
 * once for the region, so the report and table show the saving per instance, with the price
 * steps the ledger prices each stopped hour by.
 */
import { key, type PriceSteps, priceOf } from "../../lib/tencent/prices.ts";
import type { AutoStopPolicy } from "./config.ts";
import type { Decision } from "./plan.ts";

/** Sets each stop decision's hourly price, currency and steps; `lookUp` reads the API's prices for the types given. */
export async function priceStops(
  decisions: Decision[],
  region: string,
  policy: Pick<AutoStopPolicy, "prices" | "currency">,
  now: Date,
  lookUp: (types: string[]) => Promise<Map<string, PriceSteps>>,
): Promise<void> {
  const stops = decisions.filter((d) => d.action === "stop");
  if (!stops.length) return;
  const at = (d: Decision) => ({
    region,
    zone: String(d.detail?.zone ?? ""),
    type: String(d.detail?.instanceType ?? ""),
  });
  const looked = await lookUp(stops.map((d) => at(d).type));
  for (const d of stops) {
    const born = Date.parse(String(d.detail?.createdTime ?? ""));
    const hours = Number.isFinite(born) ? (now.getTime() - born) / 3600_000 : undefined;
    const price = priceOf(at(d), policy.prices, looked, hours);
    // The steps go with the price: the ledger prices each hour a machine stays stopped at its own step.
    const own = policy.prices.get(at(d).type);
    const steps = own !== undefined ? { first: own } : looked.get(key(at(d)));
    if (price !== undefined)
      // A copy added to, not `{ ...d.detail, … }` (memory): in Node 20's V8 that spread gives each
      // stop held until apply a hidden class of its own (~200 bytes; see plan.ts judged).
      d.detail = Object.assign({}, d.detail, { hourlyPrice: price, currency: policy.currency, priceSteps: steps });
  }
}
