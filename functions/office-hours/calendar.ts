/**
 * Whether a schedule wants instances running at an instant. Pure: the schedule, the instant and
 * the holiday calendar's data decide. Days are the schedule's own time zone's days; a period
 * may cross midnight (it then belongs to the day it starts on). China's calendar (chinese-days)
 * knows public holidays and the weekend days made official workdays (调休).
 */
import chineseDays from "chinese-days";
import type HolidaysClass from "date-holidays";

export const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

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

/** The wall-clock date, weekday and minute of an instant in a time zone (daylight saving included). */
export function localTime(at: Date, timezone: string): LocalTime {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-GB", { timeZone: timezone, year: "numeric", month: "2-digit", day: "2-digit", weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    formatters.set(timezone, f);
  }
  const p = Object.fromEntries(f.formatToParts(at).map((x) => [x.type, x.value]));
  return { date: `${p.year}-${p.month}-${p.day}`, weekday: p.weekday!.toLowerCase() as Weekday, minutes: Number(p.hour) * 60 + Number(p.minute) };
}

/** The day before a local date, as a local date. */
function previousDate(date: string): { date: string; weekday: Weekday } {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return { date: d.toISOString().slice(0, 10), weekday: WEEKDAYS[d.getUTCDay()]! };
}

export type DayKind = { kind: "workday" | "off" | "weekday"; why: string };

/** What kind of day a local date is: an exception first, then the calendar; `weekday` when the periods' own days decide. */
export function dayKind(s: Schedule, date: string, weekday: Weekday): DayKind {
  const ex = s.exceptions[date];
  if (ex) return { kind: ex, why: `${date} is ${ex === "off" ? "a day off" : "a workday"} by exception` };
  if (s.calendar === "CN") {
    if (chineseDays.isHoliday(date)) {
      // Weekends are "holidays" to the calendar too; only a weekday off is worth naming as a public holiday.
      const publicHoliday = weekday !== "sat" && weekday !== "sun";
      return { kind: "off", why: publicHoliday ? `${date} is a public holiday (CN calendar)` : `${date} is a weekend day (CN calendar)` };
    }
    const madeUp = weekday === "sat" || weekday === "sun";
    return { kind: "workday", why: madeUp ? `${date} is a make-up workday (CN calendar, 调休)` : `${date} is a workday (CN calendar)` };
  }
  if (s.calendar !== "none") {
    const name = countryHoliday(s.calendar, date);
    if (name) return { kind: "off", why: `${date} is a public holiday (${s.calendar}: ${name})` };
  }
  return { kind: "weekday", why: `${date} is a ${weekday}` };
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

/** The periods that start on a day of this kind and weekday. A workday by calendar or exception follows the Monday-to-Friday periods. */
function periodsOn(s: Schedule, k: DayKind, weekday: Weekday): Period[] {
  if (k.kind === "off") return [];
  if (k.kind === "workday") {
    const weekdayPeriods = s.periods.filter((p) => p.days.some((d) => d !== "sat" && d !== "sun"));
    // A period listing the day itself wins (a schedule may treat Saturdays differently even when they are workdays).
    const own = s.periods.filter((p) => p.days.includes(weekday));
    return own.length ? own : weekdayPeriods;
  }
  return s.periods.filter((p) => p.days.includes(weekday));
}

const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
const describe = (p: Period, s: Schedule) => `${hhmm(p.begin)}-${hhmm(p.end)} (${p.days.join(",")}, ${s.timezone})`;

export interface Verdict {
  running: boolean;
  /** For people: which period, or which holiday. */
  reason: string;
}

/** Whether the schedule wants instances running at this instant, and why. */
export function wantsRunning(s: Schedule, at: Date): Verdict {
  const t = localTime(at, s.timezone);
  const today = dayKind(s, t.date, t.weekday);
  for (const p of periodsOn(s, today, t.weekday)) {
    const crosses = p.end <= p.begin;
    if (t.minutes >= p.begin && (crosses || t.minutes < p.end)) return { running: true, reason: `within ${describe(p, s)}; ${today.why}` };
  }
  // A period that started yesterday and crosses midnight.
  const y = previousDate(t.date);
  const yesterday = dayKind(s, y.date, y.weekday);
  for (const p of periodsOn(s, yesterday, y.weekday)) {
    if (p.end <= p.begin && t.minutes < p.end) return { running: true, reason: `within ${describe(p, s)}, begun ${y.date}; ${yesterday.why}` };
  }
  return { running: false, reason: `outside hours: ${today.kind === "off" ? today.why : `no period at ${hhmm(t.minutes)}; ${today.why}`}` };
}

/** Whether the wanted state changed within the last `minutes` (a transition the run should act on). */
export function changedWithin(s: Schedule, at: Date, minutes: number): boolean {
  const now = wantsRunning(s, at).running;
  for (let k = 1; k <= minutes; k++) if (wantsRunning(s, new Date(at.getTime() - k * 60_000)).running !== now) return true;
  return false;
}

/** Hours from `at` until the schedule next wants instances running (at most a fortnight), for the saving of a stop. */
export function hoursUntilRunning(s: Schedule, at: Date): number {
  const step = 15 * 60_000;
  for (let t = at.getTime(); t < at.getTime() + 14 * 86400_000; t += step) if (wantsRunning(s, new Date(t)).running) return (t - at.getTime()) / 3600_000;
  return 14 * 24;
}
