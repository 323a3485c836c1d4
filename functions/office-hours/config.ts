/** office-hours settings, from env. OFFICE_HOURS_SCHEDULES is JSON, checked field by field. */
import * as z from "zod/mini";
import { baseShape, ownVariables, parseEnv, toBaseConfig, type BaseConfig, type Env } from "../../lib/config/config.ts";
import { field, int, num, oneOf, optionalInt } from "../../lib/config/fields.ts";
import { prices, tag, type TagMatch } from "../../lib/config/parsers.ts";
import type { Schedule } from "../../lib/calendar/calendar.ts";
import { parseSchedules } from "../../lib/calendar/schedule-syntax.ts";

export { CALENDAR_HELP, parseSchedules } from "../../lib/calendar/schedule-syntax.ts";

/** Weekdays 09:00-19:00 in Beijing time, with China's holidays and make-up workdays. */
export const DEFAULT_SCHEDULES =
  '{"office":{"periods":[{"days":"mon-fri","begin":"09:00","end":"19:00"}],"timezone":"Asia/Shanghai","calendar":"CN"}}';

const schema = z.object({
  ...baseShape,
  OFFICE_HOURS_SCHEDULES: field((v, fail) => parseSchedules(v ?? DEFAULT_SCHEDULES, fail)),
  // The tag an instance opts in with; its value names the schedule.
  OFFICE_HOURS_TAG: field((v, fail) => {
    const key = v ?? "autopilot:office-hours";
    if (key.includes("=")) fail(`expected a tag key (the value names the schedule), got "${key}"`);
    return key;
  }),
  OFFICE_HOURS_OPT_OUT_TAG: tag("autopilot:office-hours-opt-out=true"),
  // The tag on which each run records its last action on an instance (`start@2026-12-02T01:05Z`).
  OFFICE_HOURS_STATE_TAG: field((v, fail) => {
    const key = v ?? "autopilot:office-hours-last";
    if (key.includes("=") || !key.trim() || key.length > 127)
      fail(`expected a tag key of 1-127 characters without "=", got "${key}"`);
    return key;
  }),
  OFFICE_HOURS_STOPPED_MODE: oneOf(["STOP_CHARGING", "KEEP_CHARGING"], "STOP_CHARGING"),
  OFFICE_HOURS_MAX_FRACTION: num(1, { min: 0, max: 1 }),
  OFFICE_HOURS_MAX_COUNT: optionalInt(0),
  OFFICE_HOURS_PRICES: prices(),
  // Warn first: at the end of hours a machine is announced and tagged autopilot:warning:office-hours; a later run stops it (0: off).
  OFFICE_HOURS_WARN_MINUTES: int(0, 0, 240),
});

export interface OfficeHoursConfig extends BaseConfig {
  schedules: Map<string, Schedule>;
  tagKey: string;
  optOutTag: TagMatch;
  stateTagKey: string;
  stoppedMode: "STOP_CHARGING" | "KEEP_CHARGING";
  maxFraction: number;
  maxCount: number | undefined;
  prices: Map<string, number>;
  /** Minutes between the warning and the stop; 0: stop at once. */
  warnMinutes: number;
}

/** The variables this function reads beyond the shared ones. */
export const VARIABLES = ownVariables(schema);

export function loadConfig(env: Env = process.env): OfficeHoursConfig {
  const e = parseEnv(schema, env);
  return {
    ...toBaseConfig(e),
    schedules: e.OFFICE_HOURS_SCHEDULES,
    tagKey: e.OFFICE_HOURS_TAG,
    optOutTag: e.OFFICE_HOURS_OPT_OUT_TAG,
    stateTagKey: e.OFFICE_HOURS_STATE_TAG,
    stoppedMode: e.OFFICE_HOURS_STOPPED_MODE,
    maxFraction: e.OFFICE_HOURS_MAX_FRACTION,
    maxCount: e.OFFICE_HOURS_MAX_COUNT,
    prices: e.OFFICE_HOURS_PRICES,
    warnMinutes: e.OFFICE_HOURS_WARN_MINUTES,
  };
}
