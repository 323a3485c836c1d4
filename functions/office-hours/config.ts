/**
 * office-hours settings, declared once (lib/config/settings.ts) and read from env.
 * OFFICE_HOURS_SCHEDULES is JSON, checked field by field.
 */
import { readConfig, toBaseConfig, type BaseConfig, type Env } from "../../lib/config/config.ts";
import { declareSettings, type SettingValues } from "../../lib/config/settings.ts";
import { field, int, num, oneOf, optionalInt, type Fail } from "../../lib/config/fields.ts";
import { isTimeZone, parseWindow, prices, tag } from "../../lib/config/parsers.ts";
import type { Period, Schedule } from "./calendar.ts";
import { WEEKDAYS, type Weekday } from "./days.ts";

export const CALENDAR_HELP =
  'expected "CN" (China\'s holidays and make-up workdays), a country or region code such as "DE", "DE-BE" or "US-CA", or "none"';

/** Weekdays 09:00-19:00 in Beijing time, with China's holidays and make-up workdays. */
export const DEFAULT_SCHEDULES =
  '{"office":{"periods":[{"days":"mon-fri","begin":"09:00","end":"19:00"}],"timezone":"Asia/Shanghai","calendar":"CN"}}';

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
  for (const [name, value] of Object.entries(json as Record<string, unknown>)) {
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
    const exceptions: Record<string, "off" | "workday"> = {};
    for (const [date, kind] of Object.entries((s.exceptions ?? {}) as Record<string, unknown>)) {
      if (!isCalendarDate(date))
        fail(
          `${at}.exceptions: "${date}" is not a date (YYYY-MM-DD, a day that exists: ${date.slice(0, 7)} may have fewer days)`,
        );
      else if (kind !== "off" && kind !== "workday")
        fail(`${at}.exceptions["${date}"]: expected "off" or "workday", got "${String(kind)}"`);
      else exceptions[date] = kind;
    }
    for (const k of ["enforced", "stopPrepaid"])
      if (s[k] !== undefined && typeof s[k] !== "boolean") fail(`${at}.${k}: expected true or false`);
    out.set(name, {
      name,
      periods,
      timezone,
      calendar: String(calendar),
      exceptions,
      enforced: s.enforced === true,
      stopPrepaid: s.stopPrepaid === true,
    });
  }
  return out;
}

export const SETTINGS = declareSettings({
  schedules: {
    env: "OFFICE_HOURS_SCHEDULES",
    parse: field((v, fail) => parseSchedules(v ?? DEFAULT_SCHEDULES, fail)),
    meaning: "JSON: named schedules (docs/functions.md, office-hours)",
    default: "weekdays 09:00–19:00, `Asia/Shanghai`, `CN` calendar, named `office`",
  },
  // The tag an instance opts in with; its value names the schedule.
  tagKey: {
    env: "OFFICE_HOURS_TAG",
    parse: field((v, fail) => {
      const key = v ?? "autopilot:office-hours";
      if (key.includes("=")) fail(`expected a tag key (the value names the schedule), got "${key}"`);
      return key;
    }),
    meaning: "the tag key an instance opts in with; its value names the schedule",
  },
  optOutTag: {
    env: "OFFICE_HOURS_OPT_OUT_TAG",
    parse: tag("autopilot:office-hours-opt-out=true"),
    meaning: "instances with this tag are never started or stopped",
  },
  // The tag on which each run records its last action on an instance (`start@2026-12-02T01:05Z`).
  stateTagKey: {
    env: "OFFICE_HOURS_STATE_TAG",
    parse: field((v, fail) => {
      const key = v ?? "autopilot:office-hours-last";
      if (key.includes("=") || !key.trim() || key.length > 127)
        fail(`expected a tag key of 1-127 characters without "=", got "${key}"`);
      return key;
    }),
    meaning: "the tag on which each run records its last action on an instance (docs/functions.md, office-hours)",
  },
  stoppedMode: {
    env: "OFFICE_HOURS_STOPPED_MODE",
    parse: oneOf(["STOP_CHARGING", "KEEP_CHARGING"], "STOP_CHARGING"),
    meaning: "`STOP_CHARGING` or `KEEP_CHARGING` for pay-as-you-go stops",
  },
  maxFraction: {
    env: "OFFICE_HOURS_MAX_FRACTION",
    parse: num(1, { min: 0, max: 1 }),
    meaning: "blast-radius guard: at most this share (0–1) of the in-scope instances started or stopped per run",
    default: "`1` (a schedule's edge moves every machine on it)",
  },
  maxCount: {
    env: "OFFICE_HOURS_MAX_COUNT",
    parse: optionalInt(0),
    meaning: "blast-radius guard: at most this many instances started or stopped per run",
    default: "— (no count limit)",
  },
  prices: {
    env: "OFFICE_HOURS_PRICES",
    parse: prices(),
    meaning:
      "`InstanceType=hourlyPrice,…`: the report's `estimatedSaving` for the hours stopped; pay-as-you-go machines whose type has no price are counted as `unpriced` and named in `unpricedTypes`, never taken as free",
  },
  // Warn first: at the end of hours a machine is announced and tagged autopilot:warning:office-hours; a later run stops it (0: off).
  warnMinutes: {
    env: "OFFICE_HOURS_WARN_MINUTES",
    parse: int(0, 0, 240),
    meaning:
      "warn before stopping: at the end of hours a machine is announced and tagged `autopilot:warning:office-hours` (sealed like auto-stop-idle's) instead of stopped; a later run stops it only on office-hours' own warning, given at least these minutes earlier while the machine has run since, unless `autopilot:snooze-until` says otherwise. Starts are never delayed. `0`: stop at once",
  },
});

export type OfficeHoursConfig = BaseConfig & SettingValues<typeof SETTINGS>;

export function loadConfig(env: Env = process.env): OfficeHoursConfig {
  const { shared, own } = readConfig(env, SETTINGS);
  return { ...toBaseConfig(shared), ...own };
}
