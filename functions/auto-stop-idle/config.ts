/** auto-stop-idle settings, from env (issue 5). */
import { z } from "zod";
import { baseSchema, boolFlag, csv, parseEnv, positiveInt, toBaseConfig, type BaseConfig, type Env } from "../../lib/config/config.ts";
import { fraction, regexSchema, tagListSchema, tagSchema, timeZoneSchema, windowsSchema, type TagMatch, type TimeWindow } from "../../lib/config/parsers.ts";

const schema = baseSchema.extend({
  AUTO_STOP_INCLUDE_TAGS: tagListSchema,
  AUTO_STOP_OPT_OUT_TAG: tagSchema("autopilot:auto-stop=off"),
  AUTO_STOP_NAME_PATTERN: regexSchema,
  AUTO_STOP_PROJECTS: z.string().optional().transform((v, ctx) => {
    const ids = csv(v).map(Number);
    if (ids.some((n) => !Number.isInteger(n) || n < 0)) ctx.addIssue({ code: "custom", message: "expected a comma list of project ids, e.g. 0,1001" });
    return ids;
  }),
  AUTO_STOP_LOOKBACK_MINUTES: positiveInt(60),
  AUTO_STOP_METRIC_PERIOD: z.enum(["60", "300"], { error: "expected 60 or 300 (seconds)" }).optional().transform((v) => Number(v ?? "300")),
  AUTO_STOP_CPU_THRESHOLD: z.coerce.number().gt(0).max(100).optional().transform((v) => v ?? 5),
  AUTO_STOP_CPU_STAT: z.enum(["max", "p95"], { error: "expected max or p95" }).optional().transform((v) => v ?? "max"),
  AUTO_STOP_NETWORK_THRESHOLD_MBPS: z.coerce.number().min(0).optional().transform((v) => v ?? 1),
  AUTO_STOP_SCHEDULE: windowsSchema,
  AUTO_STOP_TIMEZONE: timeZoneSchema,
  AUTO_STOP_STOPPED_MODE: z.enum(["STOP_CHARGING", "KEEP_CHARGING"], { error: "expected STOP_CHARGING or KEEP_CHARGING" }).optional().transform((v) => v ?? "STOP_CHARGING"),
  AUTO_STOP_STOP_TYPE: z.enum(["SOFT", "HARD", "SOFT_FIRST"], { error: "expected SOFT, HARD or SOFT_FIRST" }).optional().transform((v) => v ?? "SOFT"),
  AUTO_STOP_MAX_FRACTION: fraction(0.5),
  AUTO_STOP_MAX_COUNT: z.coerce.number().int().min(0).optional(),
  AUTO_STOP_OVERRIDE_GUARD: boolFlag(false),
  AUTO_STOP_PRICES: z.string().optional().transform((v, ctx) => {
    const prices = new Map<string, number>();
    for (const item of csv(v)) {
      const [type, price] = item.split("=");
      const n = Number(price);
      if (!type || !Number.isFinite(n) || n < 0) ctx.addIssue({ code: "custom", message: `"${item}" is not InstanceType=hourlyPrice (e.g. S5.MEDIUM4=0.32)` });
      else prices.set(type.trim(), n);
    }
    return prices;
  }),
});

export interface AutoStopPolicy {
  includeTags: TagMatch[];
  optOutTag: TagMatch;
  namePattern: RegExp | undefined;
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
}

export interface AutoStopConfig extends BaseConfig {
  policy: AutoStopPolicy;
  stoppedMode: "STOP_CHARGING" | "KEEP_CHARGING";
  stopType: "SOFT" | "HARD" | "SOFT_FIRST";
}

export function loadConfig(env: Env = process.env): AutoStopConfig {
  const e = parseEnv(schema, env);
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
    },
  };
}
