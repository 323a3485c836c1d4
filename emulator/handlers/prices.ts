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
import { familyOf, monthlyOf, TYPES } from "../instance-types.ts";

/** Hourly list prices by type (instance-types.ts holds them with each type's shape). */
export const HOURLY: Record<string, number> = Object.fromEntries(Object.entries(TYPES).map(([t, s]) => [t, s.hourly]));
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
            !ok("instance-family", familyOf(type)) ||
            !ok("instance-charge-type", charge)
          )
            continue;
          const monthly = monthlyOf(type);
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
            InstanceFamily: familyOf(type),
            Cpu: TYPES[type]!.cpu,
            Memory: TYPES[type]!.memory,
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
