/**
 * The schedules, from each function's declaration (its default) and SCHEDULE_<NAME> overrides.
 * One table feeds the local node-cron scheduler, the SCF timer triggers (7-field cron) and
 * serverless.yml (EventBridge `cron(...)`), so there are no hand-kept copies. Schedules are
 * 5-field cron (minute hour day-of-month month day-of-week).
 */
import { ConfigError, type Env } from "../config/config.ts";

/** What the schedule table needs of a function. */
export interface Scheduled {
  name: string;
  schedule: string;
}

/** `auto-stop-idle` -> `SCHEDULE_AUTO_STOP_IDLE`. */
export const scheduleVar = (name: string) => `SCHEDULE_${name.toUpperCase().replace(/-/g, "_")}`;

const FIELD_RANGES: Array<[string, number, number]> = [
  ["minute", 0, 59],
  ["hour", 0, 23],
  ["day of month", 1, 31],
  ["month", 1, 12],
  ["day of week", 0, 7],
];
const DAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/** Checks a 5-field cron expression; returns the problem, or undefined when it is valid. */
export function cronProblem(expr: string): string | undefined {
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5) return `expected 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}`;
  for (let i = 0; i < 5; i++) {
    const [label, lo, hi] = FIELD_RANGES[i]!;
    for (const part of fields[i]!.split(",")) {
      const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
      if (!m) return `${label} "${part}" is not a number, range, list or step`;
      for (const n of [m[2], m[3]].filter((x): x is string => x !== undefined).map(Number)) {
        if (n < lo || n > hi) return `${label} ${n} is outside ${lo}-${hi}`;
      }
      if (m[4] !== undefined && Number(m[4]) === 0) return `${label} step must be at least 1`;
    }
  }
  return undefined;
}

/** The effective schedule per function: its default, overridden by SCHEDULE_<NAME>; all problems at once. */
export function loadSchedules(functions: readonly Scheduled[], env: Env = process.env): Record<string, string> {
  const out: Record<string, string> = Object.fromEntries(functions.map((f) => [f.name, f.schedule]));
  const issues: string[] = [];
  for (const { name } of functions) {
    const v = env[scheduleVar(name)]?.trim();
    if (!v) continue;
    const problem = cronProblem(v);
    if (problem) issues.push(`${scheduleVar(name)}: "${v}": ${problem}`);
    else out[name] = v;
  }
  if (issues.length) throw new ConfigError(issues);
  return out;
}

/** SCF timer triggers take 7 fields: second minute hour day month week year. */
export function toScfCron(expr: string): string {
  return `0 ${expr.trim().split(/\s+/).join(" ")} *`;
}

/**
 * EventBridge `cron(min hour dom month dow year)`: one of day-of-month / day-of-week must be `?`,
 * and day-of-week counts 1-7 from Sunday, so numbers become names (SUN..SAT) to avoid the shift.
 */
export function toAwsCron(expr: string): string {
  const [min, hour, dom, month, dow] = expr.trim().split(/\s+/) as [string, string, string, string, string];
  if (dow === "*") return `cron(${min} ${hour} ${dom} ${month} ? *)`;
  if (dom !== "*") throw new ConfigError([`schedule "${expr}": EventBridge cannot restrict both day-of-month and day-of-week`]);
  const day = (n: string) => DAY_NAMES[Number(n) % 7]!;
  const names = dow.replace(/\d+/g, day);
  return `cron(${min} ${hour} ? ${month} ${names} *)`;
}
