/** auto-stop-idle settings, from env. */
import * as z from "zod/mini";
import {
  baseShape,
  ConfigError,
  ownVariables,
  parseEnv,
  toBaseConfig,
  type BaseConfig,
  type Env,
} from "../../lib/config/config.ts";
import { bool, csv, field, int, num, oneOf, optionalInt, regex, type Pattern } from "../../lib/config/fields.ts";
import { tag, tagList, timeZone, windows, type TagMatch, type TimeWindow } from "../../lib/config/parsers.ts";
import { loadSchedules, scheduleZone, shortestInterval } from "../../lib/platform/schedules.ts";
import { IDLE_SETTINGS } from "../../lib/config/idle-settings.ts";

/** auto-stop-idle's schedule unless SCHEDULE_AUTO_STOP_IDLE sets another: every 15 minutes. */
export const SCHEDULE = "*/15 * * * *";

const schema = z.object({
  ...baseShape,
  AUTO_STOP_INCLUDE_TAGS: tagList(),
  AUTO_STOP_OPT_OUT_TAG: tag("autopilot:auto-stop=off"),
  AUTO_STOP_NAME_PATTERN: regex(),
  AUTO_STOP_PROJECTS: field((v, fail) => {
    const ids = csv(v).map(Number);
    if (ids.some((n) => !Number.isInteger(n) || n < 0)) fail("expected a comma list of project ids, e.g. 0,1001");
    return ids;
  }),
  AUTO_STOP_LOOKBACK_MINUTES: int(60, 5, 1440),
  AUTO_STOP_METRIC_PERIOD: field((v, fail) => {
    if (v !== undefined && v !== "60" && v !== "300") fail(`expected 60 or 300 (seconds), got "${v}"`);
    return Number(v ?? "300");
  }),
  AUTO_STOP_CPU_THRESHOLD: IDLE_SETTINGS.AUTO_STOP_CPU_THRESHOLD,
  AUTO_STOP_CPU_STAT: oneOf(["max", "p95"], "max"),
  AUTO_STOP_NETWORK_THRESHOLD_MBPS: IDLE_SETTINGS.AUTO_STOP_NETWORK_THRESHOLD_MBPS,
  AUTO_STOP_SCHEDULE: windows(),
  AUTO_STOP_TIMEZONE: timeZone(),
  AUTO_STOP_STOPPED_MODE: oneOf(["STOP_CHARGING", "KEEP_CHARGING"], "STOP_CHARGING"),
  AUTO_STOP_STOP_TYPE: oneOf(["SOFT", "HARD", "SOFT_FIRST"], "SOFT"),
  AUTO_STOP_MAX_FRACTION: num(0.5, { min: 0, max: 1 }),
  AUTO_STOP_MAX_COUNT: optionalInt(0),
  AUTO_STOP_OVERRIDE_GUARD: bool(false),
  AUTO_STOP_PRICES: IDLE_SETTINGS.AUTO_STOP_PRICES,
  AUTO_STOP_CURRENCY: IDLE_SETTINGS.AUTO_STOP_CURRENCY,
  // Where candidates come from: every in-scope machine's metrics (polling), or only the machines
  // Cloud Monitor's idle alarm policy reports (alarms, set up by deploy), verified the same way.
  AUTO_STOP_SOURCE: oneOf(["polling", "alarms"], "polling"),
  // GetMonitorData calls one run may make in one account, shared by its regions (0: no limit).
  AUTO_STOP_METRIC_BUDGET: optionalInt(0),
  // How far back alarm histories are searched: DescribeAlarmHistories finds an alarm by when it began.
  AUTO_STOP_ALARM_SEARCH_DAYS: int(30, 1, 180),
  // Warn first: a machine found idle is announced and tagged autopilot:warning:auto-stop-idle; a later run stops it (0: off).
  AUTO_STOP_WARN_MINUTES: int(0, 0, 1440),
  // Where a warning's snooze links point: the function URL, or serve's address (links need WEBHOOK_SECRET too).
  AUTO_STOP_LINK_URL: field((v, fail) => {
    if (v === undefined || v.trim() === "") return undefined;
    const u = v.trim().replace(/\/+$/, "");
    if (!/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(u))
      fail(
        `expected the function URL or serve's address, e.g. https://1250000000-abc.ap-guangzhou.tencentscf.com, got "${v}"`,
      );
    return u;
  }),
});

export interface AutoStopPolicy {
  includeTags: TagMatch[];
  optOutTag: TagMatch;
  namePattern: Pattern | undefined;
  projects: number[];
  lookbackMinutes: number;
  metricPeriod: number;
  cpuThreshold: number;
  cpuStat: "max" | "p95";
  networkThresholdMbps: number;
  schedule: TimeWindow[];
  timeZone: string;
  maxFraction: number;
  maxCount: number | undefined;
  overrideGuard: boolean;
  prices: Map<string, number>;
  currency: "CNY" | "USD";
  source: "polling" | "alarms";
  /** GetMonitorData calls a run may make in this account; undefined: no limit. */
  metricBudget: number | undefined;
  alarmSearchDays: number;
  warnMinutes: number;
  /** The shortest time between two scheduled runs (ms): the slot that numbers runs for the metric budget's rotation. */
  runEveryMs: number;
}

/**
 * The budget when AUTO_STOP_METRIC_BUDGET is unset in alarm mode: a 15-minute schedule's share
 * of Cloud Monitor's free 1,000,000 GetMonitorData calls a month (1,000,000 / 2,880 runs ≈ 347),
 * rounded down to leave room for `run` by hand.
 */
export const ALARM_MODE_BUDGET = 340;

export interface AutoStopConfig extends BaseConfig {
  policy: AutoStopPolicy;
  stoppedMode: "STOP_CHARGING" | "KEEP_CHARGING";
  stopType: "SOFT" | "HARD" | "SOFT_FIRST";
  /** The base of warnings' snooze links (AUTO_STOP_LINK_URL), or undefined: no links. */
  linkUrl: string | undefined;
}

/** The variables this function reads beyond the shared ones. */
export const VARIABLES = ownVariables(schema);

export function loadConfig(env: Env = process.env): AutoStopConfig {
  const e = parseEnv(schema, env);
  // Alarm mode binds its policy by tag: with no tag to bind by it would watch nothing, and stop nothing, silently.
  if (e.AUTO_STOP_SOURCE === "alarms" && !e.AUTO_STOP_INCLUDE_TAGS.length) {
    throw new ConfigError([
      "AUTO_STOP_SOURCE=alarms: the idle alarm policy is bound to instances by tag; set AUTO_STOP_INCLUDE_TAGS (e.g. autopilot:auto-stop=on) and tag the machines, or use AUTO_STOP_SOURCE=polling",
    ]);
  }
  return {
    ...toBaseConfig(e),
    stoppedMode: e.AUTO_STOP_STOPPED_MODE,
    stopType: e.AUTO_STOP_STOP_TYPE,
    policy: {
      includeTags: e.AUTO_STOP_INCLUDE_TAGS,
      optOutTag: e.AUTO_STOP_OPT_OUT_TAG,
      namePattern: e.AUTO_STOP_NAME_PATTERN,
      projects: e.AUTO_STOP_PROJECTS,
      lookbackMinutes: e.AUTO_STOP_LOOKBACK_MINUTES,
      metricPeriod: e.AUTO_STOP_METRIC_PERIOD,
      cpuThreshold: e.AUTO_STOP_CPU_THRESHOLD,
      cpuStat: e.AUTO_STOP_CPU_STAT,
      networkThresholdMbps: e.AUTO_STOP_NETWORK_THRESHOLD_MBPS,
      schedule: e.AUTO_STOP_SCHEDULE,
      timeZone: e.AUTO_STOP_TIMEZONE,
      maxFraction: e.AUTO_STOP_MAX_FRACTION,
      maxCount: e.AUTO_STOP_MAX_COUNT,
      overrideGuard: e.AUTO_STOP_OVERRIDE_GUARD,
      prices: e.AUTO_STOP_PRICES,
      currency: e.AUTO_STOP_CURRENCY,
      source: e.AUTO_STOP_SOURCE,
      metricBudget:
        e.AUTO_STOP_METRIC_BUDGET === 0
          ? undefined
          : (e.AUTO_STOP_METRIC_BUDGET ?? (e.AUTO_STOP_SOURCE === "alarms" ? ALARM_MODE_BUDGET : undefined)),
      alarmSearchDays: e.AUTO_STOP_ALARM_SEARCH_DAYS,
      warnMinutes: e.AUTO_STOP_WARN_MINUTES,
      runEveryMs: shortestInterval(
        loadSchedules([{ name: "auto-stop-idle", schedule: SCHEDULE }], env)["auto-stop-idle"]!,
        scheduleZone(env),
      ),
    },
    linkUrl: e.AUTO_STOP_LINK_URL,
  };
}
