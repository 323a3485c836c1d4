/**
 * The schedules, from each function's declaration (its default) and SCHEDULE_<NAME> overrides,
 * all in one zone, SCHEDULE_TIMEZONE (default UTC). One table feeds the local node-cron scheduler
 * (which evaluates in that zone), SCF timer triggers (7-field cron, evaluated in Beijing time) and
 * serverless.yml (EventBridge rules, evaluated in UTC): each platform gets an expression that fires
 * at the same instants, or the schedule is refused with the reason.
 *
 * Expressions are 5-field cron (minute hour day-of-month month day-of-week; weekday names
 * accepted), parsed and validated by cron-parser (well kept, the de-facto parser for Node), not by
 * hand; converting between zones works on the fields it expands.
 */
import { CronExpressionParser } from "cron-parser";
import { ConfigError, type Env } from "../config/config.ts";
import { field } from "../config/fields.ts";
import { readSetting, readSettings, type Setting } from "../config/settings.ts";
import { SERVE_SETTINGS } from "../config/serve-settings.ts";
import { zoneParts } from "../zone-parts.ts";

/** What the schedule table needs of a function. */
export interface Scheduled {
  name: string;
  schedule: string;
}

/** `auto-stop-idle` -> `SCHEDULE_AUTO_STOP_IDLE`. */
export const scheduleVar = (name: string) => `SCHEDULE_${name.toUpperCase().replace(/-/g, "_")}`;

/**
 * The zone SCF evaluates timer-trigger cron in: Beijing time, UTC+8. The SCF docs pages at hand
 * do not state it; deployers' guides do ("SCF 定时触发器默认按北京时间"), so `deploy` takes
 * SCF_TIMER_ZONE to override it should an account's timers run otherwise.
 */
export const SCF_TIMER_ZONE = "Asia/Shanghai";
const DAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/** Checks a 5-field cron expression; returns the problem, or undefined when it is valid. */
export function cronProblem(expr: string): string | undefined {
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5)
    return `expected 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}`;
  try {
    CronExpressionParser.parse(expr, { tz: "UTC" });
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * A function's SCHEDULE_<NAME>, declared once: its own schedule unless the variable sets another,
 * checked by the one cron rule (cronProblem) wherever it is read: the schedules, `validate`, the reference.
 */
export function scheduleDeclaration(f: Scheduled): Setting<string> {
  return {
    env: scheduleVar(f.name),
    parse: field((v, fail) => {
      const problem = v === undefined ? undefined : cronProblem(v);
      if (problem) fail(`"${v}": ${problem}`);
      return v ?? f.schedule;
    }),
    meaning: `when ${f.name} runs: a 5-field cron in SCHEDULE_TIMEZONE (\`cvm-autopilot validate\` says it in words)`,
  };
}

/** A zone's offset from UTC in minutes at an instant. */
function offsetAt(zone: string, at: Date): number {
  const parts = zoneParts(at, zone);
  const local = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
  );
  return Math.round((local - Math.floor(at.getTime() / 60_000) * 60_000) / 60_000);
}

/** A zone's fixed offset in minutes, or the reason it has none (an unknown name, daylight saving). */
export function fixedOffset(zone: string): number | string {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
  } catch {
    return `"${zone}" is not an IANA time zone (e.g. UTC, Asia/Shanghai, Europe/Berlin)`;
  }
  const jan = offsetAt(zone, new Date(Date.UTC(2026, 0, 15)));
  const jul = offsetAt(zone, new Date(Date.UTC(2026, 6, 15)));
  if (jan !== jul)
    return `${zone} changes its offset (daylight saving): a cron expression on SCF or EventBridge has one fixed offset all year; use a zone without daylight saving, or UTC`;
  return jan;
}

/** `[1,2,3,5]` -> `1-3,5`: a field's values, compressed. */
function list(values: number[], all: number): string {
  const v = [...new Set(values)].sort((a, b) => a - b);
  if (v.length === all) return "*";
  const out: string[] = [];
  for (let i = 0; i < v.length; ) {
    let j = i;
    while (j + 1 < v.length && v[j + 1] === v[j]! + 1) j++;
    out.push(j > i + 1 ? `${v[i]}-${v[j]}` : j === i + 1 ? `${v[i]},${v[j]}` : `${v[i]}`);
    i = j + 1;
  }
  return out.join(",");
}

/**
 * The same instants, written for another zone: hours move by the offset difference, and when
 * that crosses midnight the day of week moves with them. An expression that no single cron in
 * the other zone can say — hours that land on different days while days are restricted, a day
 * of month that would wrap, a difference that is not whole hours — is refused with the reason.
 */
export function convertCron(
  expr: string,
  from: string,
  to: string,
): { minute: string; hour: string; dom: string; month: string; dow: string } {
  const [minute, hourText, dom, month] = expr.trim().split(/\s+/) as [string, string, string, string];
  const a = fixedOffset(from);
  const b = fixedOffset(to);
  if (typeof a === "string" || typeof b === "string")
    throw new ConfigError([`SCHEDULE_TIMEZONE: ${typeof a === "string" ? a : b}`]);
  const fields = CronExpressionParser.parse(expr, { tz: "UTC" }).fields;
  const dows = [...new Set(fields.dayOfWeek.values.map((d) => Number(d) % 7))];
  const dowRestricted = dows.length < 7;
  const domRestricted = dom !== "*" && dom !== "?";
  if (a === b) return { minute, hour: hourText, dom, month, dow: dowRestricted ? list(dows, 7) : "*" };
  const delta = b - a;
  if (delta % 60 !== 0)
    throw new ConfigError([
      `schedule "${expr}": ${from} and ${to} differ by ${delta} minutes, not whole hours; write the schedule in ${to}`,
    ]);
  const shift = delta / 60;
  const hours = fields.hour.values.map(Number);
  const carries = new Set(hours.map((h) => Math.floor((h + shift) / 24)));
  const moved = hours.map((h) => (((h + shift) % 24) + 24) % 24);
  if (carries.size > 1 && (dowRestricted || domRestricted)) {
    throw new ConfigError([
      `schedule "${expr}" in ${from}: some of its hours fall on the previous or next day in ${to} and others do not, so no single cron there fires at the same instants; split it, or write it in ${to}`,
    ]);
  }
  const carry = [...carries][0]!;
  if (carry !== 0 && domRestricted)
    throw new ConfigError([
      `schedule "${expr}" in ${from}: its day of month moves a day in ${to}, which a cron cannot say at month ends; restrict days of week instead`,
    ]);
  const dow = !dowRestricted
    ? "*"
    : list(
        dows.map((d) => (((d + carry) % 7) + 7) % 7),
        7,
      );
  return { minute, hour: list(moved, 24), dom, month, dow };
}

/** SCF timer triggers take 7 fields (second minute hour day month week year), day of week 0-6, in Beijing time. */
export function toScfCron(expr: string, zone = "UTC", scfZone = SCF_TIMER_ZONE): string {
  const c = convertCron(expr, zone, scfZone);
  return `0 ${c.minute} ${c.hour} ${c.dom} ${c.month} ${c.dow} *`;
}

/**
 * EventBridge `cron(min hour dom month dow year)`, in UTC: one of day-of-month / day-of-week must
 * be `?`, and day-of-week counts 1-7 from Sunday, so days are written as names (SUN..SAT).
 */
export function toAwsCron(expr: string, zone = "UTC"): string {
  const c = convertCron(expr, zone, "UTC");
  if (c.dow === "*") return `cron(${c.minute} ${c.hour} ${c.dom} ${c.month} ? *)`;
  if (c.dom !== "*")
    throw new ConfigError([`schedule "${expr}": EventBridge cannot restrict both day-of-month and day-of-week`]);
  return `cron(${c.minute} ${c.hour} ? ${c.month} ${c.dow.replace(/\d/g, (d) => DAY_NAMES[Number(d)]!)} *)`;
}

/** SCHEDULE_TIMEZONE: the zone every schedule is written in (default UTC). */
export function scheduleZone(env: Env = process.env): string {
  const zone = readSetting(env, SERVE_SETTINGS.scheduleTimezone) ?? "UTC";
  const off = fixedOffset(zone);
  // node-cron follows daylight saving locally, but SCF and EventBridge cannot: refused for all alike.
  if (typeof off === "string") throw new ConfigError([`SCHEDULE_TIMEZONE: ${off}`]);
  return zone;
}

/** Each function's schedule read by its declaration; the problems, if any, instead. */
function declaredSchedules(functions: readonly Scheduled[], env: Env): Record<string, string> | ConfigError {
  try {
    return readSettings(env, Object.fromEntries(functions.map((f) => [f.name, scheduleDeclaration(f)])));
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
}

/** The effective schedule per function: its default, overridden by SCHEDULE_<NAME>; all problems at once. */
export function loadSchedules(functions: readonly Scheduled[], env: Env = process.env): Record<string, string> {
  const declared = declaredSchedules(functions, env);
  const issues: string[] = declared instanceof ConfigError ? [...declared.issues] : [];
  const out = declared instanceof ConfigError ? {} : (declared as Record<string, string>);
  let zone = "UTC";
  try {
    zone = scheduleZone(env);
  } catch (e) {
    issues.push(...(e as ConfigError).issues);
  }
  // Every schedule must convert exactly for both platforms, or nothing is deployed or served.
  if (!issues.length) {
    for (const [name, expr] of Object.entries(out)) {
      try {
        toScfCron(expr, zone);
        toAwsCron(expr, zone);
      } catch (e) {
        issues.push(`${scheduleVar(name)}: ${(e as ConfigError).issues?.join("; ") ?? (e as Error).message}`);
      }
    }
  }
  if (issues.length) throw new ConfigError(issues);
  return out;
}

/**
 * The shortest time between two fires of a schedule (ms), over its first fires after a fixed
 * Monday: the length of one slot when runs are numbered by time. A schedule with gaps (office
 * hours, weekdays only) counts its long gaps as several slots.
 */
export function shortestInterval(expr: string, zone = "UTC"): number {
  const fires = CronExpressionParser.parse(expr, { tz: zone, currentDate: new Date(Date.UTC(2026, 0, 5)) });
  let last = fires.next().getTime();
  let shortest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 16; i++) {
    const t = fires.next().getTime();
    shortest = Math.min(shortest, t - last);
    last = t;
  }
  return shortest;
}
