/**
 * Which hours of the week a machine is in use, from a fortnight of hourly points. Pure.
 * - An hour of the week (Monday 00:00 in the schedule's zone = 0 … Sunday 23:00 = 167) is in use
 *   when the 95th percentile (nearest rank) of its CPU points, or of its outbound traffic points,
 *   over the fortnight is above auto-stop's idle threshold. With two weeks that is the higher of
 *   the two weeks' values: the schedule keeps the machine running whenever it was used.
 * - Only ordinary days of the calendar count: a public holiday, or a make-up workday (China's
 *   调休), says nothing about the usual week; office-hours keeps holidays off and runs a make-up
 *   workday's Monday-to-Friday periods on its own.
 * - An hour of the week with no point on an ordinary day counts as in use: the proposal never stops
 *   a machine in an hour it knows nothing about.
 */
import type { Series } from "../../lib/tencent/series.ts";
import { dayKind, localTime, type Schedule } from "../../lib/calendar/calendar.ts";

export const HOURS_A_WEEK = 168;
/** Monday-first, as people read a week (office-hours' WEEKDAYS start on Sunday). */
export const MONDAY_FIRST = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;

export interface Thresholds {
  cpu: number;
  trafficMbps: number;
}

/** The calendar and zone a fortnight is read in: an office-hours schedule with no periods yet. */
export type Calendar = Pick<Schedule, "timezone" | "calendar" | "exceptions"> & Partial<Schedule>;

/** Each calendar's answers by UTC quarter hour, and the schedule it is read as (one object, so dayKind's memo holds). */
const memos = new WeakMap<Calendar, { schedule: Schedule; hours: Map<number, number | undefined> }>();
const QUARTER_MS = 15 * 60_000;

/** The hour of the week of an instant (ms) in the calendar's zone, or undefined on a day that is not an ordinary one. */
export function ordinaryHour(at: number, cal: Calendar): number | undefined {
  let memo = memos.get(cal);
  if (!memo) {
    memo = { schedule: { name: "", periods: [], enforced: false, stopPrepaid: false, ...cal }, hours: new Map() };
    memos.set(cal, memo);
  }
  // Every zone's offset is a whole number of quarter hours and changes only on a UTC quarter hour
  // (calendar.ts), so every instant of one UTC quarter hour has the same local date and hour: a
  // fortnight of points asks about 1,344 of them, however many machines there are.
  const block = Math.floor(at / QUARTER_MS);
  if (memo.hours.has(block)) return memo.hours.get(block);
  const t = localTime(new Date(at), memo.schedule.timezone);
  const h =
    dayKind(memo.schedule, t.date, t.weekday).kind === "ordinary"
      ? MONDAY_FIRST.indexOf(t.weekday) * 24 + Math.floor(t.minutes / 60)
      : undefined;
  // Bounded for a long-running serve: a fortnight is 1,344 quarter hours.
  if (memo.hours.size > 20_000) memo.hours.clear();
  memo.hours.set(block, h);
  return h;
}

/** The nearest-rank 95th percentile of some values. */
export function p95(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(0.95 * sorted.length) - 1)]!;
}

/** Each hour of the week: in use, per the rule in this file's header (168 booleans, Monday 00:00 first). */
export function hoursInUse(cpu: Series, traffic: Series, cal: Calendar, t: Thresholds): boolean[] {
  const byHour = (s: Series) => {
    const out: number[][] = Array.from({ length: HOURS_A_WEEK }, () => []);
    for (let i = 0; i < s.t.length; i++) {
      const h = ordinaryHour(s.t[i]!, cal);
      if (h !== undefined) out[h]!.push(s.v[i]!);
    }
    return out;
  };
  const c = byHour(cpu);
  const n = byHour(traffic);
  return c.map((values, h) => {
    const net = n[h]!;
    if (!values.length && !net.length) return true;
    return (values.length > 0 && p95(values) > t.cpu) || (net.length > 0 && p95(net) > t.trafficMbps);
  });
}
