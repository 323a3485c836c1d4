/** rightsize settings, declared once (lib/config/settings.ts) and read from env. */
import { readConfig, toBaseConfig, type BaseConfig, type Env } from "../../lib/config/config.ts";
import { bool, int, num, optionalInt } from "../../lib/config/fields.ts";
import { tag, timeZone, windows } from "../../lib/config/parsers.ts";
import { declareSettings, type SettingValues } from "../../lib/config/settings.ts";

export const SETTINGS = declareSettings({
  // The smaller type must keep the 14-day P99 CPU under this share of its capacity (percent).
  cpuTarget: {
    env: "RIGHTSIZE_CPU_TARGET",
    parse: num(70, { gt: 0, max: 100 }),
    meaning: "the smaller type must keep the look-back's P99 CPU, scaled by the vCPU ratio, under this percent",
  },
  // And, where Cloud Monitor has MemUsage (the monitoring agent runs), the P99 memory used under this share of its memory.
  memoryTarget: {
    env: "RIGHTSIZE_MEMORY_TARGET",
    parse: num(80, { gt: 0, max: 100 }),
    meaning:
      "where Cloud Monitor has MemUsage (only with the monitoring agent), the P99 memory used must fit under this percent of the smaller type's memory; without it memory is reported unknown, never guessed",
  },
  // How far back CPU and memory are read, hourly (Period 3600): 14 days by default, as AWS Compute Optimizer looks back.
  lookbackDays: {
    env: "RIGHTSIZE_LOOKBACK_DAYS",
    parse: int(14, 1, 30),
    meaning: "days of hourly CPU and memory read (GetMonitorData, Period 3600)",
  },
  // Hours of CPU data a machine needs before it is judged (Compute Optimizer asks for 30 or more).
  minHours: {
    env: "RIGHTSIZE_MIN_HOURS",
    parse: int(30, 1, 720),
    meaning: "hours of CPU data a machine needs before it is judged",
  },
  // Applying is opt-in per machine: only machines with this tag are resized, and only in RIGHTSIZE_WINDOW.
  applyTag: {
    env: "RIGHTSIZE_APPLY_TAG",
    parse: tag("autopilot:rightsize=apply"),
    meaning: "only machines with this tag are resized (stop, ResetInstancesType, start); the rest are proposed only",
  },
  // The maintenance window(s), HH:MM-HH:MM in RIGHTSIZE_TIMEZONE; none: never applied, only proposed.
  window: {
    env: "RIGHTSIZE_WINDOW",
    parse: windows(),
    meaning:
      "maintenance window(s), `HH:MM-HH:MM,…` in RIGHTSIZE_TIMEZONE: the only time a resize begins (one begun earlier and left half done is finished whenever found)",
    default: "none: nothing is resized",
  },
  timeZone: { env: "RIGHTSIZE_TIMEZONE", parse: timeZone(), meaning: "time zone of RIGHTSIZE_WINDOW" },
  // The guard: at most this share and count of the machines judged are resized in one run.
  maxFraction: {
    env: "RIGHTSIZE_MAX_FRACTION",
    parse: num(0.5, { min: 0, max: 1 }),
    meaning: "blast-radius limit: share of the machines judged resized in one run",
  },
  maxCount: {
    env: "RIGHTSIZE_MAX_COUNT",
    parse: optionalInt(0),
    meaning: "blast-radius limit: resizes per run",
    default: "no limit",
  },
  overrideGuard: {
    env: "RIGHTSIZE_OVERRIDE_GUARD",
    parse: bool(false),
    meaning: "`true` lets one run past the guard",
  },
});

export type RightsizePolicy = SettingValues<typeof SETTINGS>;

export type RightsizeConfig = BaseConfig & { policy: RightsizePolicy };

export function loadConfig(env: Env = process.env): RightsizeConfig {
  const { shared, own } = readConfig(env, SETTINGS);
  return { ...toBaseConfig(shared), policy: own };
}
