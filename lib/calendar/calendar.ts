/**
 * Whether a schedule wants instances running at an instant. Pure: the schedule, the instant and
 * the holiday calendar's data decide. Days are the schedule's own time zone's days; a period
 * may cross midnight (it then belongs to the day it starts on).
 *
 * Which periods apply on a day (the same rule for every calendar):
 * - an ordinary day: the periods whose weekdays include it (a `sat,sun` period on a Saturday);
 * - a public holiday, or a date made `off` by exception: none;
 * - a make-up workday (China's 调休), or a date made a `workday` by exception: the periods that
 *   run on any day Monday to Friday, as if it were a weekday.
 */
import { cnDay } from "./cn-calendar.ts";
import { addDays, WEEKDAYS, type Weekday } from "./days.ts";
import type HolidaysClass from "date-holidays";

export interface Period {
  days: Weekday[];
  /** Minutes after local midnight. */
  begin: number;
  end: number;
}

export interface Schedule {
  name: string;
  periods: Period[];
  timezone: string;
  /** `CN` (chinese-days: holidays and make-up workdays), a country or region code for date-holidays (`DE`, `DE-BE`, `US-CA`), or `none`. */
  calendar: string;
  /** Local dates (YYYY-MM-DD) that are off, or workdays, whatever the calendar says. */
  exceptions: Record<string, "off" | "workday">;
  /** Stop a machine started by hand outside hours at the next run, not only at the next scheduled stop. */
  enforced: boolean;
  /** Stop prepaid instances too (stopping them saves nothing, so only when asked). */
  stopPrepaid: boolean;
}

export interface LocalTime {
  date: string;
  weekday: Weekday;
  minutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
/** A zone's UTC offset per quarter hour of UTC, by zone: every current offset and daylight-saving change in the tz database falls on one, so the offset is constant within one. */
const offsets = new Map<string, Map<number, number>>();
const QUARTER_MS = 15 * 60_000;

function offsetAt(block: number, timezone: string): number {
  let byBlock = offsets.get(timezone);
  if (!byBlock) offsets.set(timezone, (byBlock = new Map()));
  let off = byBlock.get(block);
  if (off !== undefined) return off;
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-GB", {
      timeZone: timezone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    formatters.set(timezone, f);
  }
  const at = block * QUARTER_MS;
  const p = Object.fromEntries(f.formatToParts(at).map((x) => [x.type, Number(x.value)]));
  off = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!) - at;
  // Bounded: a long-running serve keeps at most a few weeks of quarter hours per zone.
  if (byBlock.size > 20_000) byBlock.clear();
  byBlock.set(block, off);
  return off;
}

/** The wall-clock date, weekday and minute of an instant in a time zone (daylight saving included). */
export function localTime(at: Date, timezone: string): LocalTime {
  const ms = at.getTime();
  const wall = new Date(ms + offsetAt(Math.floor(ms / QUARTER_MS), timezone));
  return {
    date: wall.toISOString().slice(0, 10),
    weekday: WEEKDAYS[wall.getUTCDay()]!,
    minutes: wall.getUTCHours() * 60 + wall.getUTCMinutes(),
  };
}

/** The day before a local date, as a local date. */
const previousDate = (t: { date: string; weekday: Weekday }) => ({
  date: addDays(t.date, -1),
  weekday: WEEKDAYS[(WEEKDAYS.indexOf(t.weekday) + 6) % 7]!,
});

export type DayKind = {
  kind: "workday" | "off" | "ordinary";
  why: string;
  /** Set when China's calendar was judged by the statutory rule, past the package's data. */
  byRule?: boolean;
};

const dayKinds = new WeakMap<Schedule, Map<string, DayKind>>();

/** What kind of day a local date is: an exception first, then the calendar (memoised per schedule: runs ask about the same few days). */
export function dayKind(s: Schedule, date: string, weekday: Weekday): DayKind {
  let memo = dayKinds.get(s);
  if (!memo) dayKinds.set(s, (memo = new Map()));
  let k = memo.get(date);
  if (!k) memo.set(date, (k = judgeDay(s, date, weekday)));
  return k;
}

function judgeDay(s: Schedule, date: string, weekday: Weekday): DayKind {
  const ex = s.exceptions[date];
  if (ex) return { kind: ex, why: `${date} is ${ex === "off" ? "a day off" : "a workday"} by exception` };
  if (s.calendar === "CN") {
    const d = cnDay(date, weekday);
    const source = d.byRule
      ? `CN statutory rule; ${date.slice(0, 4)}'s arrangement is not in the calendar data`
      : "CN calendar";
    const byRule = d.byRule ? { byRule: true } : {};
    if (d.kind === "holiday")
      return { kind: "off", why: `${date} is a public holiday (${source}: ${d.name})`, ...byRule };
    if (d.kind === "makeup")
      return { kind: "workday", why: `${date} is a make-up workday (${source}, 调休)`, ...byRule };
    return { kind: "ordinary", why: `${date} is an ordinary ${weekday} (${source})`, ...byRule };
  }
  if (s.calendar !== "none") {
    const name = countryHoliday(s.calendar, date);
    if (name) return { kind: "off", why: `${date} is a public holiday (${s.calendar}: ${name})` };
  }
  return { kind: "ordinary", why: `${date} is a ${weekday}` };
}

/**
 * Country and region calendars (date-holidays), loaded only when a schedule names one: the
 * library carries every country's data (about 1.5 MB), which no other run, and no `--help`,
 * should pay to load.
 */
const countries = new Map<string, HolidaysClass>();

/** Loads the calendars these codes name; unknown codes are returned, for a configuration error. */
export async function loadCountryCalendars(codes: string[]): Promise<string[]> {
  const wanted = codes.filter((c) => c !== "CN" && c !== "none" && !countries.has(c));
  if (!wanted.length) return [];
  const Holidays = (await import("date-holidays")).default;
  const known = new Holidays().getCountries();
  const unknown: string[] = [];
  for (const code of wanted) {
    const [country, region] = code.split("-") as [string, string | undefined];
    if (!country || !known[country] || (region && !new Holidays().getStates(country)?.[region])) unknown.push(code);
    else countries.set(code, region ? new Holidays(country, region) : new Holidays(country));
  }
  return unknown;
}

/** The name of the public holiday on a local date, if the calendar has one (bank holidays and observances do not count). */
function countryHoliday(code: string, date: string): string | undefined {
  const calendar = countries.get(code);
  if (!calendar) throw new Error(`calendar ${code} is not loaded (loadCountryCalendars first)`);
  const found = calendar.isHoliday(`${date} 12:00`);
  return Array.isArray(found) ? found.find((h) => h.type === "public")?.name : undefined;
}

const MON_TO_FRI: readonly Weekday[] = ["mon", "tue", "wed", "thu", "fri"];

/** The periods that start on a day of this kind and weekday (the rule in this file's header). */
function periodsOn(s: Schedule, k: DayKind, weekday: Weekday): Period[] {
  if (k.kind === "off") return [];
  if (k.kind === "workday") return s.periods.filter((p) => p.days.some((d) => MON_TO_FRI.includes(d)));
  return s.periods.filter((p) => p.days.includes(weekday));
}

const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
/** Weekdays as people write them: runs of three or more Monday-first days as ranges (`mon-fri`, `mon,wed`, `sat,sun`). */
function dayList(days: Weekday[]): string {
  const order = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
  const have = order.filter((d) => days.includes(d));
  const runs: string[][] = [];
  for (const d of have) {
    const last = runs.at(-1);
    if (last && order.indexOf(last.at(-1) as Weekday) === order.indexOf(d) - 1) last.push(d);
    else runs.push([d]);
  }
  return runs.map((r) => (r.length >= 3 ? `${r[0]}-${r.at(-1)}` : r.join(","))).join(",");
}
const describe = (p: Period, s: Schedule) => `${hhmm(p.begin)}-${hhmm(p.end)} (${dayList(p.days)}, ${s.timezone})`;

export interface Verdict {
  running: boolean;
  /** For people: which period, or which holiday. */
  reason: string;
  /** True when a day it looked at was judged by China's statutory rule, past the calendar's data. */
  byRule?: boolean;
}

type Match =
  | { period: Period; today: DayKind; begun?: string }
  | { period?: undefined; today: DayKind; minutes: number };

/** The period that holds at an instant, if any, and the day it was judged on. */
function match(s: Schedule, at: Date): Match {
  const t = localTime(at, s.timezone);
  const today = dayKind(s, t.date, t.weekday);
  for (const p of periodsOn(s, today, t.weekday)) {
    const crosses = p.end <= p.begin;
    if (t.minutes >= p.begin && (crosses || t.minutes < p.end)) return { period: p, today };
  }
  // A period that started yesterday and crosses midnight.
  const y = previousDate(t);
  const yesterday = dayKind(s, y.date, y.weekday);
  for (const p of periodsOn(s, yesterday, y.weekday)) {
    if (p.end <= p.begin && t.minutes < p.end) return { period: p, today: yesterday, begun: y.date };
  }
  return { today, minutes: t.minutes };
}

/** Whether the schedule wants instances running at this instant (no reasons: for scans over time). */
export const isRunning = (s: Schedule, at: Date): boolean => match(s, at).period !== undefined;

/** Whether the schedule wants instances running at this instant, and why. */
export function wantsRunning(s: Schedule, at: Date): Verdict {
  const m = match(s, at);
  const byRule = m.today.byRule ? { byRule: true } : {};
  if (m.period)
    return {
      running: true,
      reason: `within ${describe(m.period, s)}${m.begun ? `, begun ${m.begun}` : ""}; ${m.today.why}`,
      ...byRule,
    };
  return {
    running: false,
    reason: `outside hours: ${m.today.kind === "off" ? m.today.why : `no period at ${hhmm(m.minutes)}; ${m.today.why}`}`,
    ...byRule,
  };
}

/**
 * When the wanted state last changed to what it is at `at` (minute precision), looking back at
 * most `lookbackMinutes`; undefined when it held all that time. A run compares it with the time of
 * its own last action on an instance (the state tag): a change since then is a transition to act on.
 */
export function lastChange(s: Schedule, at: Date, lookbackMinutes: number): Date | undefined {
  const t0 = Math.floor(at.getTime() / 60_000) * 60_000;
  const now = isRunning(s, new Date(t0));
  for (let k = 1; k <= lookbackMinutes; k++)
    if (isRunning(s, new Date(t0 - k * 60_000)) !== now) return new Date(t0 - (k - 1) * 60_000);
  return undefined;
}

/** Hours from `at` until the schedule next wants instances running (at most a fortnight), for the saving of a stop. */
export function hoursUntilRunning(s: Schedule, at: Date): number {
  const step = 15 * 60_000;
  for (let t = at.getTime(); t < at.getTime() + 14 * 86400_000; t += step)
    if (isRunning(s, new Date(t))) return (t - at.getTime()) / 3600_000;
  return 14 * 24;
}
