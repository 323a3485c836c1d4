/**
 * Settings auto-stop-idle and schedule-advisor read alike, declared once: an hour is in use when its
 * CPU or traffic is above these thresholds, and a machine's hour costs these prices (one source
 * for both). Each function's SETTINGS spreads this group.
 */
import { num, oneOf } from "./fields.ts";
import { prices } from "./parsers.ts";
import { declareSettings } from "./settings.ts";

export const IDLE_SETTINGS = declareSettings({
  cpuThreshold: {
    env: "AUTO_STOP_CPU_THRESHOLD",
    parse: num(5, { gt: 0, max: 100 }),
    meaning: "CPU % below which an instance may be idle",
  },
  networkThresholdMbps: {
    env: "AUTO_STOP_NETWORK_THRESHOLD_MBPS",
    parse: num(1, { min: 0 }),
    meaning: "outbound Mbps below which an instance may be idle",
  },
  prices: {
    env: "AUTO_STOP_PRICES",
    parse: prices(),
    meaning:
      "`InstanceType=hourlyPrice,…`: overrides for estimated savings. Without one, a stopped type's price comes from DescribeZoneInstanceConfigInfos (pay-as-you-go `UnitPriceDiscount`, else `UnitPrice`, per zone; one call per region per run). Savings are reported per hour and per 30-day month at that rate; a type with no price is counted as `unpriced` and named in `unpricedTypes`, never taken as free, and a failed lookup only leaves types unpriced",
  },
  // The account's site decides the currency of its prices: CNY on the China site, USD on the international one.
  currency: {
    env: "AUTO_STOP_CURRENCY",
    parse: oneOf(["CNY", "USD"], "CNY"),
    meaning:
      "the currency of the prices (the account's site decides it), stated in the report: `CNY` (China site) or `USD` (international site)",
  },
});
