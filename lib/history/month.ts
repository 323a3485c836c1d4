/**
 * One month's realised savings read from a store: the records of the month and the earlier stops
 * their open intervals began with, folded by realisedSavings. `savings`, the dashboard and the
 * monthly digest all call this one function, so the three never disagree.
 */
import { earlierStops, recordsBetween } from "./read.ts";
import type { RunRecord } from "./records.ts";
import { monthRange, realisedSavings, type SavingsReport } from "./realised.ts";
import type { HistoryStore } from "./store.ts";

export interface MonthRead {
  report: SavingsReport;
  /** The month's run records, as read (the dashboard lists the latest). */
  records: RunRecord[];
}

/** `2026-11` for an instant (UTC, as the ledger's months are). */
export const monthOf = (ms: number) => new Date(ms).toISOString().slice(0, 7);

/** The month before `month` (`2026-01` → `2025-12`). */
export function previousMonth(month: string): string {
  const [from] = monthRange(month);
  return monthOf(from - 1);
}

/** A month's realised savings and its records; `tagKey` adds the grouping by that tag. */
export async function readMonth(store: HistoryStore, month: string, tagKey?: string): Promise<MonthRead> {
  const [from, to] = monthRange(month);
  const records = await recordsBetween(store, from, to);
  return { report: realisedSavings(month, records, await earlierStops(store, records), tagKey), records };
}
