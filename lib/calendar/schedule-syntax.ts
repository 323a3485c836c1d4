/**
 * office-hours' schedule syntax, the OFFICE_HOURS_SCHEDULES JSON: named schedules of weekly
 * periods in a time zone, on a holiday calendar. Parsed field by field, every problem named by its
 * path. Shared by office-hours, which reads it, and schedule-advisor, which writes it.
 */
import type { Fail } from "../config/fields.ts";
import { isTimeZone, parseWindow } from "../config/parsers.ts";
import type { Period, Schedule } from "./calendar.ts";
import { WEEKDAYS, type Weekday } from "./days.ts";

export const CALENDAR_HELP =
  'expected "CN" (China\'s holidays and make-up workdays), a country or region code such as "DE", "DE-BE" or "US-CA", or "none"';

const SCHEDULE_KEYS = ["periods", "timezone", "calendar", "exceptions", "enforced", "stopPrepaid"];

/** A real YYYY-MM-DD date: Date.parse alone rolls 2026-02-30 over to March 2. */
const isCalendarDate = (d: string) =>
  /^\d{4}-\d{2}-\d{2}$/.test(d) &&
  !Number.isNaN(Date.parse(d)) &&
  new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) === d;

/** `mon-fri`, `mon,wed,fri` or `["mon","tue"]` -> weekdays. */
function parseDays(v: unknown, at: string, fail: Fail): Weekday[] {
  const items = Array.isArray(v) ? v.map(String) : typeof v === "string" ? v.split(",").map((x) => x.trim()) : [];
  const out: Weekday[] = [];
  for (const item of items) {
    const [a, b] = item.toLowerCase().split("-") as [string, string | undefined];
    const from = WEEKDAYS.indexOf(a as Weekday);
    const to = b === undefined ? from : WEEKDAYS.indexOf(b as Weekday);
    if (from < 0 || to < 0) {
      fail(`${at}.days: "${item}" is not a weekday or range (mon, tue, … sun; e.g. "mon-fri")`);
      continue;
    }
    for (let i = from; ; i = (i + 1) % 7) {
      out.push(WEEKDAYS[i]!);
      if (i === to) break;
    }
  }
  if (!out.length) fail(`${at}.days: expected weekdays such as "mon-fri" or ["sat","sun"]`);
  return [...new Set(out)];
}

function parsePeriod(v: unknown, at: string, fail: Fail): Period | undefined {
  const p = (v ?? {}) as { days?: unknown; begin?: unknown; end?: unknown };
  const window = parseWindow(`${String(p.begin)}-${String(p.end)}`);
  if (!window || window.startMin === 1440)
    fail(
      `${at}: begin and end must be HH:MM times of day, 00:00-23:59 (an end may be 24:00), got "${String(p.begin)}" and "${String(p.end)}" (e.g. "09:00" and "19:00"; an end before the begin crosses midnight)`,
    );
  const days = parseDays(p.days, at, fail);
  return window && window.startMin < 1440 ? { days, begin: window.startMin, end: window.endMin } : undefined;
}

/** A schedule's exceptions: a real date each, off or a workday. */
function parseExceptions(v: unknown, at: string, fail: Fail): Record<string, "off" | "workday"> {
  const exceptions: Record<string, "off" | "workday"> = {};
  for (const [date, kind] of Object.entries((v ?? {}) as Record<string, unknown>)) {
    if (!isCalendarDate(date))
      fail(
        `${at}.exceptions: "${date}" is not a date (YYYY-MM-DD, a day that exists: ${date.slice(0, 7)} may have fewer days)`,
      );
    else if (kind !== "off" && kind !== "workday")
      fail(`${at}.exceptions["${date}"]: expected "off" or "workday", got "${String(kind)}"`);
    else exceptions[date] = kind;
  }
  return exceptions;
}

/** One named schedule, its fields checked in order. */
function parseSchedule(name: string, value: unknown, fail: Fail): Schedule {
  const at = `schedule "${name}"`;
  if (!/^[A-Za-z0-9_.-]{1,63}$/.test(name))
    fail(`${at}: a name is 1-63 letters, digits, "_", "." or "-" (it is an instance tag's value)`);
  const s = (value ?? {}) as Record<string, unknown>;
  for (const k of Object.keys(s))
    if (!SCHEDULE_KEYS.includes(k)) fail(`${at}: unknown field "${k}"; expected ${SCHEDULE_KEYS.join(", ")}`);
  const periods = Array.isArray(s.periods)
    ? s.periods.map((p, i) => parsePeriod(p, `${at}.periods[${i}]`, fail)).filter((p): p is Period => !!p)
    : [];
  if (!Array.isArray(s.periods) || !s.periods.length) fail(`${at}.periods: expected at least one period`);
  const timezone = typeof s.timezone === "string" ? s.timezone : "";
  if (!isTimeZone(timezone))
    fail(`${at}.timezone: expected an IANA time zone such as Asia/Shanghai, got "${String(s.timezone)}"`);
  const calendar = s.calendar ?? "none";
  // A country code's existence is checked when its calendar loads, at the start of a run.
  if (
    typeof calendar !== "string" ||
    (calendar !== "CN" && calendar !== "none" && !/^[A-Z]{2}(-[A-Z0-9]{1,3})?$/.test(calendar))
  ) {
    fail(`${at}.calendar: ${CALENDAR_HELP}; got "${String(calendar)}"`);
  }
  const exceptions = parseExceptions(s.exceptions, at, fail);
  for (const k of ["enforced", "stopPrepaid"])
    if (s[k] !== undefined && typeof s[k] !== "boolean") fail(`${at}.${k}: expected true or false`);
  return {
    name,
    periods,
    timezone,
    calendar: String(calendar),
    exceptions,
    enforced: s.enforced === true,
    stopPrepaid: s.stopPrepaid === true,
  };
}

/** The schedules JSON: every problem named by its path, so one error lists everything to fix. */
export function parseSchedules(raw: string, fail: Fail): Map<string, Schedule> {
  const out = new Map<string, Schedule>();
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    fail(
      `not valid JSON (${(e as Error).message}); expected {"<name>": {"periods": [...], "timezone": "...", "calendar": "CN"}}`,
    );
    return out;
  }
  if (!json || typeof json !== "object" || Array.isArray(json) || !Object.keys(json).length) {
    fail(
      'expected an object of named schedules, e.g. {"office": {"periods": [{"days": "mon-fri", "begin": "09:00", "end": "19:00"}], "timezone": "Asia/Shanghai", "calendar": "CN"}}',
    );
    return out;
  }
  for (const [name, value] of Object.entries(json as Record<string, unknown>))
    out.set(name, parseSchedule(name, value, fail));
  return out;
}
