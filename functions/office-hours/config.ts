/**
 * office-hours settings, declared once (lib/config/settings.ts) and read from env.
 * OFFICE_HOURS_SCHEDULES is JSON, checked field by field.
 */
import { readConfig, toBaseConfig, type BaseConfig, type Env } from "../../lib/config/config.ts";
import { declareSettings, type SettingValues } from "../../lib/config/settings.ts";
import { field, int, num, oneOf, optionalInt } from "../../lib/config/fields.ts";
import { prices, tag } from "../../lib/config/parsers.ts";
import { parseSchedules } from "../../lib/calendar/schedule-syntax.ts";

export { CALENDAR_HELP, parseSchedules } from "../../lib/calendar/schedule-syntax.ts";

/** Weekdays 09:00-19:00 in Beijing time, with China's holidays and make-up workdays. */
export const DEFAULT_SCHEDULES =
  '{"office":{"periods":[{"days":"mon-fri","begin":"09:00","end":"19:00"}],"timezone":"Asia/Shanghai","calendar":"CN"}}';

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
