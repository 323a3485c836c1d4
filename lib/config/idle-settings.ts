/** Settings auto-stop-idle and schedule-advisor read alike, declared once. */
import { num, oneOf } from "./fields.ts";
import { prices } from "./parsers.ts";

/**
 * The settings schedule-advisor shares with auto-stop: an hour is in use when its CPU or traffic
 * is above these thresholds, and a machine's hour costs these prices (one source for both).
 */
export const IDLE_SETTINGS = {
  AUTO_STOP_CPU_THRESHOLD: num(5, { gt: 0, max: 100 }),
  AUTO_STOP_NETWORK_THRESHOLD_MBPS: num(1, { min: 0 }),
  AUTO_STOP_PRICES: prices(),
  // The account's site decides the currency of its prices: CNY on the China site, USD on the international one.
  AUTO_STOP_CURRENCY: oneOf(["CNY", "USD"], "CNY"),
};
