import { describe, expect, it } from "vitest";
import cron from "node-cron";
import { CronExpressionParser } from "cron-parser";
import type { ConfigError } from "../lib/config/config.ts";
import { cronProblem, loadSchedules as load, toAwsCron, toScfCron } from "../lib/deploy/schedules.ts";
import { REGISTRY } from "../functions/registry.ts";
import type { Env } from "../lib/config/config.ts";
import { readSettings } from "../lib/config/settings.ts";
import { scheduleSetting } from "../cli/host-settings.ts";

const loadSchedules = (env: Env) => load(REGISTRY, env);
const DEFAULT_SCHEDULES = Object.fromEntries(REGISTRY.map((f) => [f.name, f.schedule]));

describe("the schedule table", () => {
  it("defaults: auto-stop every 15 min, image-sync 02:00, renew-flag 09:00, key-rotation weekly", () => {
    expect(loadSchedules({})).toEqual(DEFAULT_SCHEDULES);
  });

  it.each(Object.values(DEFAULT_SCHEDULES))("%s is valid for node-cron too", (expr) => {
    expect(cron.validate(expr)).toBe(true);
  });

  // SCF evaluates timer cron in Beijing time (UTC+8), EventBridge in UTC: a UTC schedule's hours move by 8 on SCF.
  it.each([
    ["*/15 * * * *", "0 */15 * * * * *", "cron(*/15 * * * ? *)"],
    ["0 2 * * *", "0 0 10 * * * *", "cron(0 2 * * ? *)"],
    ["0 3 * * 1", "0 0 11 * * 1 *", "cron(0 3 ? * MON *)"],
    ["30 8 * * 1-5", "0 30 16 * * 1-5 *", "cron(30 8 ? * MON-FRI *)"],
    ["0 0 * * 0,6", "0 0 8 * * 0,6 *", "cron(0 0 ? * SUN,SAT *)"],
    // Day 7 is Sunday for node-cron, but SCF takes 0-6 only.
    ["0 0 * * 7", "0 0 8 * * 0 *", "cron(0 0 ? * SUN *)"],
    // A step over days of week becomes the days themselves (EventBridge rejects `*/TUE`).
    ["0 3 * * */2", "0 0 11 * * 0,2,4,6 *", "cron(0 3 ? * SUN,TUE,THU,SAT *)"],
    // Friday 20:00 UTC is Saturday 04:00 in Beijing: the day moves with the hour.
    ["0 20 * * 5", "0 0 4 * * 6 *", "cron(0 20 ? * FRI *)"],
    ["0 9 * * MON-FRI", "0 0 17 * * 1-5 *", "cron(0 9 ? * MON-FRI *)"],
  ])("UTC %s -> SCF %s, EventBridge %s", (expr, scf, aws) => {
    expect(toScfCron(expr)).toBe(scf);
    expect(toScfCron(expr).split(" ")).toHaveLength(7);
    expect(toAwsCron(expr)).toBe(aws);
  });

  /** The next instants an expression fires at, read in a zone (cron-parser, as node-cron would in that zone). */
  const next = (expr: string, tz: string, n = 30) => {
    const it = CronExpressionParser.parse(expr, { tz, currentDate: new Date("2026-03-01T00:00:00Z") });
    return Array.from({ length: n }, () => it.next().toDate().toISOString());
  };
  const scfFields = (scf: string) => scf.split(" ").slice(1, 6).join(" ");
  const awsFields = (aws: string) => aws.slice(5, -3).replace("?", "*").replace(/ \? /, " * ");

  it.each([
    ["0 9 * * 1-5", "Asia/Shanghai"],
    ["30 1 * * 1", "Asia/Shanghai"],
    ["0 22 * * 0,3", "UTC"],
    ["15 6 * * *", "Asia/Tokyo"],
    ["0 4 * * 2", "Asia/Kolkata"],
    ["0 23 * * 6", "America/Bogota"],
  ])("%s in %s fires at the same instants locally, on SCF and on EventBridge", (expr, zone) => {
    if (zone === "Asia/Kolkata") {
      // +5:30 is not whole hours from UTC or Beijing: refused, not approximated.
      expect(() => toScfCron(expr, zone)).toThrow(/not whole hours/);
      return;
    }
    const local = next(expr, zone);
    expect(next(scfFields(toScfCron(expr, zone)), "Asia/Shanghai")).toEqual(local);
    expect(next(awsFields(toAwsCron(expr, zone)), "UTC")).toEqual(local);
  });

  it("what cannot be converted exactly is refused with the reason", () => {
    // 10:00 stays Monday in Beijing, 20:00 becomes Tuesday: no single SCF cron says both.
    expect(() => toScfCron("0 10,20 * * 1")).toThrow(/some of its hours fall on the previous or next day/);
    expect(() => toScfCron("0 20 15 * *")).toThrow(/day of month moves a day/);
    expect(() => loadSchedules({ SCHEDULE_TIMEZONE: "Europe/Berlin" })).toThrow(/daylight saving/);
    expect(() => loadSchedules({ SCHEDULE_TIMEZONE: "Mars/Olympus" })).toThrow(/not an IANA time zone/);
    expect(() => loadSchedules({ SCHEDULE_RENEW_FLAG: "0 10,20 * * 1" })).toThrow(
      /SCHEDULE_RENEW_FLAG: .*hours fall on the previous or next day/,
    );
  });

  it("env overrides, validated with a clear error per variable", () => {
    expect(loadSchedules({ SCHEDULE_AUTO_STOP_IDLE: "*/5 * * * *" })["auto-stop-idle"]).toBe("*/5 * * * *");
    const err = (() => {
      try {
        loadSchedules({ SCHEDULE_IMAGE_SYNC: "every night", SCHEDULE_RENEW_FLAG: "0 25 * * *" });
      } catch (e) {
        return e as ConfigError;
      }
    })()!;
    expect(err.issues).toEqual([
      'SCHEDULE_IMAGE_SYNC: "every night": expected 5 fields (minute hour day-of-month month day-of-week), got 2',
      'SCHEDULE_RENEW_FLAG: "0 25 * * *": Constraint error, got value 25 expected range 0-23',
    ]);
  });

  it.each([["* * * *"], ["61 * * * *"], ["*/0 * * * *"], ["a b c d e"], ["0 0 32 * *"]])("%s is refused", (expr) => {
    expect(cronProblem(expr)).toBeDefined();
  });

  it("EventBridge cannot restrict both day fields", () => {
    expect(() => toAwsCron("0 0 1 * 1")).toThrow("cannot restrict both");
  });
});

describe("SCF's timer zone", () => {
  it("is Beijing time by default, and SCF_TIMER_ZONE can say otherwise", () => {
    expect(toScfCron("0 9 * * *")).toBe("0 0 17 * * * *");
    expect(toScfCron("0 9 * * *", "UTC", "UTC")).toBe("0 0 9 * * * *");
    expect(toScfCron("0 9 * * 1", "Asia/Shanghai", "UTC")).toBe("0 0 1 * * 1 *");
  });
});

describe("SCHEDULE_<NAME>", () => {
  it("has one rule: the schedules refuse what its declaration refuses, in the same words", () => {
    const renew = REGISTRY.find((f) => f.name === "renew-flag")!;
    const env = { SCHEDULE_RENEW_FLAG: "0 25 * * *" };
    const issues = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as ConfigError).issues;
      }
      return [];
    };
    const declared = issues(() => readSettings(env, { schedule: scheduleSetting(renew) }));
    expect(declared).toEqual(['SCHEDULE_RENEW_FLAG: "0 25 * * *": Constraint error, got value 25 expected range 0-23']);
    expect(issues(() => load(REGISTRY, env))).toEqual(declared);
  });
});
