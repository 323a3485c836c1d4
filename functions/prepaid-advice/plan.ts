/**
 * Decides, per pay-as-you-go machine, whether a prepaid month would have cost less last month.
 * Pure. The break-even is the prepaid month's price over the hourly price: a machine billed for
 * more hours than that would have paid less prepaid. Hours billed are the hours it existed in the
 * month less the hours our ledger shows it stopped without charge (auto-stop, office-hours: only
 * STOP_CHARGING stops end billing), so advice knows the schedule that already saves.
 */
import type { Decision } from "../../lib/runtime/spec.ts";

/** Why a machine is advised or left: statistics and messages read the kind, never the reason. */
export const KINDS = {
  "prepaid-pays": "a prepaid month would cost less",
  "hourly-pays": "pay-as-you-go costs less",
  unpriced: "no price to compare",
  "not-last-month": "did not exist last month",
} as const;
export type AdviceKind = keyof typeof KINDS;

const HOUR = 3600_000;
const cents = (n: number) => Math.round(n * 100) / 100;

export type AdviceDetail = {
  zone: string;
  type: string;
  month: string;
  hoursBilled?: number;
  hoursNotBilled?: number;
  breakEvenHours?: number;
  hourly?: number;
  monthly?: number;
  monthlySaving?: number;
  /** Stopped without charge now: ModifyInstancesChargeType refuses it until it is started. */
  stoppedWithoutCharge?: boolean;
};
export type AdviceDecision = Decision<AdviceKind, AdviceDetail>;

export interface PayAsYouGo {
  id: string;
  region: string;
  name?: string | undefined;
  type: string;
  zone: string;
  createdTime: string;
  stoppedWithoutCharge: boolean;
}

/** Hours a machine created at `created` existed within [from, to). */
export function hoursExisted(created: number, from: number, to: number): number {
  const start = Number.isFinite(created) ? Math.max(created, from) : from;
  return Math.max(0, to - start) / HOUR;
}

/** The prepaid month's break-even in hours at an hourly price. */
export const breakEven = (monthly: number, hourly: number) => cents(monthly / hourly);

/** The advice for one machine over the month [from, to), given the hours our ledger kept it stopped without charge. */
export function advise(
  m: PayAsYouGo,
  month: { name: string; from: number; to: number },
  notBilled: number,
  price: { hourly?: number | undefined; monthly?: number | undefined },
  minSaving: number,
): AdviceDecision {
  const base = { id: m.id, region: m.region, name: m.name };
  const detail: AdviceDetail = { zone: m.zone, type: m.type, month: month.name };
  const existed = hoursExisted(Date.parse(m.createdTime), month.from, month.to);
  if (existed <= 0) return { ...base, kind: "not-last-month", reason: `created after ${month.name}`, detail };
  const billed = cents(Math.max(0, existed - notBilled));
  const hours = { ...detail, hoursBilled: billed, hoursNotBilled: cents(notBilled) };
  const { hourly, monthly } = price;
  if (!hourly || !monthly)
    return {
      ...base,
      kind: "unpriced",
      reason: `no ${hourly ? "prepaid" : "hourly"} price for ${m.type} in ${m.zone}`,
      detail: hours,
    };
  const even = breakEven(monthly, hourly);
  const saving = cents(billed * hourly - monthly);
  const d = {
    ...hours,
    breakEvenHours: even,
    hourly,
    monthly,
    monthlySaving: saving,
    stoppedWithoutCharge: m.stoppedWithoutCharge,
  };
  const ran = `billed ${Math.round(billed * 10) / 10} h in ${month.name} (${Math.round(notBilled * 10) / 10} h stopped free by our schedules)`;
  const refuses = m.stoppedWithoutCharge
    ? "; stopped without charge now: ModifyInstancesChargeType refuses it until it is started"
    : "";
  if (billed > even && saving >= minSaving && saving > 0)
    return {
      ...base,
      kind: "prepaid-pays",
      action: "switch-to-prepaid",
      reason: `${ran} > break-even ${even} h (${monthly} CNY/month ÷ ${hourly} CNY/h): prepaid saves ${saving} CNY/month${refuses}`,
      detail: d,
    };
  return { ...base, kind: "hourly-pays", reason: `${ran} ≤ break-even ${even} h`, detail: d };
}
