/**
 * DescribeZoneInstanceConfigInfos (current CVM API, product/213/33254; not in the 2018 CVM API 3.0 reference): per zone
 * and instance type, what is sold and its pay-as-you-go price. The reply's shape follows the
 * official models (InstanceTypeQuotaItem, ItemPrice); the prices are illustrative list prices in
 * CNY per hour, not a copy of Tencent's price list. Types outside the table are not sold here,
 * so the product's "unpriced" path is exercised too. As the real API does, pay-as-you-go items carry
 * step prices for (96, 360) and 360+ hours (UnitPriceSecondStep, UnitPriceThirdStep and their
 * discounts; the cvm model's ItemPrice): flat for most types here, stepped for S5.8XLARGE64; and
 * one item answers 0 throughout (GN7.2XLARGE32), as the witness cvm.DescribeZoneInstanceConfigInfos.json does.
 */
import { filters } from "../api-fault.ts";
import type { Handler } from "./context.ts";

export const HOURLY: Record<string, number> = {
  "S5.SMALL2": 0.12,
  "S5.MEDIUM4": 0.25,
  "S5.LARGE8": 0.5,
  "S5.2XLARGE16": 1.0,
  "S5.4XLARGE32": 2.0,
  "SA2.MEDIUM4": 0.21,
  "SA2.LARGE8": 0.42,
  "M5.LARGE16": 0.7,
  "C5.LARGE8": 0.58,
  "S5.8XLARGE64": 4.0,
  "GN7.2XLARGE32": 0,
};
/** Second and third step prices, where a type's price steps down with the hours used. */
export const STEPS: Record<string, [number, number]> = { "S5.8XLARGE64": [3.6, 3.2] };
const FILTERS = new Set(["zone", "instance-family", "instance-type", "instance-charge-type", "sort-keys"]);

export const priceHandlers: Record<string, Handler> = {
  DescribeZoneInstanceConfigInfos: (ctx) => {
    // The model documents at most 10 filters of at most 100 values each.
    const want = new Map(filters(ctx.params, (n) => FILTERS.has(n), 100).map((f) => [f.Name, new Set(f.Values)]));
    const ok = (name: string, v: string) => !want.has(name) || want.get(name)!.has(v);
    const items = [];
    for (const zone of [1, 2, 3].map((n) => `${ctx.region}-${n}`)) {
      for (const [type, price] of Object.entries(HOURLY)) {
        for (const charge of ["POSTPAID_BY_HOUR", "PREPAID"]) {
          if (
            !ok("zone", zone) ||
            !ok("instance-type", type) ||
            !ok("instance-family", type.split(".")[0]!) ||
            !ok("instance-charge-type", charge)
          )
            continue;
          // Prepaid: a 30-day month at 80% of the hourly rate, undiscounted.
          const monthly = Math.round(price * 720 * 0.8 * 100) / 100;
          const Price =
            charge === "POSTPAID_BY_HOUR"
              ? (() => {
                  const [second, third] = STEPS[type] ?? [price, price];
                  return {
                    UnitPrice: price,
                    ChargeUnit: "HOUR",
                    UnitPriceDiscount: price,
                    Discount: 100,
                    UnitPriceSecondStep: second,
                    UnitPriceDiscountSecondStep: second,
                    UnitPriceThirdStep: third,
                    UnitPriceDiscountThirdStep: third,
                  };
                })()
              : { OriginalPrice: monthly, DiscountPrice: monthly, Discount: 100 };
          items.push({
            Zone: zone,
            InstanceType: type,
            InstanceFamily: type.split(".")[0],
            InstanceChargeType: charge,
            Status: "SELL",
            Price,
          });
        }
      }
    }
    return { InstanceTypeQuotaSet: items };
  },
};
