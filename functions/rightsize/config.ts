/** rightsize settings, from env. */
import * as z from "zod/mini";
import { baseShape, ownVariables, parseEnv, toBaseConfig, type BaseConfig, type Env } from "../../lib/config/config.ts";
import { bool, int, num, optionalInt } from "../../lib/config/fields.ts";
import { tag, timeZone, windows, type TagMatch, type TimeWindow } from "../../lib/config/parsers.ts";

const schema = z.object({
  ...baseShape,
  // The smaller type must keep the 14-day P99 CPU under this share of its capacity (percent).
  RIGHTSIZE_CPU_TARGET: num(70, { gt: 0, max: 100 }),
  // And, where Cloud Monitor has MemUsage (the monitoring agent runs), the P99 memory used under this share of its memory.
  RIGHTSIZE_MEMORY_TARGET: num(80, { gt: 0, max: 100 }),
  // How far back CPU and memory are read, hourly (Period 3600): 14 days by default, as AWS Compute Optimizer looks back.
  RIGHTSIZE_LOOKBACK_DAYS: int(14, 1, 30),
  // Hours of CPU data a machine needs before it is judged (Compute Optimizer asks for 30 or more).
  RIGHTSIZE_MIN_HOURS: int(30, 1, 720),
  // Applying is opt-in per machine: only machines with this tag are resized, and only in RIGHTSIZE_WINDOW.
  RIGHTSIZE_APPLY_TAG: tag("autopilot:rightsize=apply"),
  // The maintenance window(s), HH:MM-HH:MM in RIGHTSIZE_TIMEZONE; none: never applied, only proposed.
  RIGHTSIZE_WINDOW: windows(),
  RIGHTSIZE_TIMEZONE: timeZone(),
  // The guard: at most this share and count of the machines judged are resized in one run.
  RIGHTSIZE_MAX_FRACTION: num(0.5, { min: 0, max: 1 }),
  RIGHTSIZE_MAX_COUNT: optionalInt(0),
  RIGHTSIZE_OVERRIDE_GUARD: bool(false),
});

export interface RightsizePolicy {
  cpuTarget: number;
  memoryTarget: number;
  lookbackDays: number;
  minHours: number;
  applyTag: TagMatch;
  window: TimeWindow[];
  timeZone: string;
  maxFraction: number;
  maxCount: number | undefined;
  overrideGuard: boolean;
}

export interface RightsizeConfig extends BaseConfig {
  policy: RightsizePolicy;
}

/** The variables this function reads beyond the shared ones. */
export const VARIABLES = ownVariables(schema);

export function loadConfig(env: Env = process.env): RightsizeConfig {
  const e = parseEnv(schema, env);
  return {
    ...toBaseConfig(e),
    policy: {
      cpuTarget: e.RIGHTSIZE_CPU_TARGET,
      memoryTarget: e.RIGHTSIZE_MEMORY_TARGET,
      lookbackDays: e.RIGHTSIZE_LOOKBACK_DAYS,
      minHours: e.RIGHTSIZE_MIN_HOURS,
      applyTag: e.RIGHTSIZE_APPLY_TAG,
      window: e.RIGHTSIZE_WINDOW,
      timeZone: e.RIGHTSIZE_TIMEZONE,
      maxFraction: e.RIGHTSIZE_MAX_FRACTION,
      maxCount: e.RIGHTSIZE_MAX_COUNT,
      overrideGuard: e.RIGHTSIZE_OVERRIDE_GUARD,
    },
  };
}
