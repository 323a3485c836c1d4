import { describe, expect, it } from "vitest";
import cron from "node-cron";
import { ConfigError } from "../lib/config/config.ts";
import { cronProblem, loadSchedules as load, toAwsCron, toScfCron } from "../lib/platform/schedules.ts";
import { REGISTRY } from "../functions/registry.ts";
import type { Env } from "../lib/config/config.ts";

const loadSchedules = (env: Env) => load(REGISTRY, env);
const DEFAULT_SCHEDULES = Object.fromEntries(REGISTRY.map((f) => [f.name, f.schedule]));

describe("the schedule table", () => {
  it("defaults: auto-stop every 15 min, image-sync 02:00, renew-flag 09:00, key-rotation weekly", () => {
    expect(loadSchedules({})).toEqual(DEFAULT_SCHEDULES);
  });

  it.each(Object.values(DEFAULT_SCHEDULES))("%s is valid for node-cron too", (expr) => {
    expect(cron.validate(expr)).toBe(true);
  });

  it.each([
    ["*/15 * * * *", "0 */15 * * * * *", "cron(*/15 * * * ? *)"],
    ["0 2 * * *", "0 0 2 * * * *", "cron(0 2 * * ? *)"],
    ["0 3 * * 1", "0 0 3 * * 1 *", "cron(0 3 ? * MON *)"],
    ["30 8 * * 1-5", "0 30 8 * * 1-5 *", "cron(30 8 ? * MON-FRI *)"],
    ["0 0 * * 0,6", "0 0 0 * * 0,6 *", "cron(0 0 ? * SUN,SAT *)"],
    ["0 0 * * 7", "0 0 0 * * 7 *", "cron(0 0 ? * SUN *)"],
  ])("%s -> SCF %s, EventBridge %s", (expr, scf, aws) => {
    expect(toScfCron(expr)).toBe(scf);
    expect(toScfCron(expr).split(" ")).toHaveLength(7);
    expect(toAwsCron(expr)).toBe(aws);
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
      'SCHEDULE_RENEW_FLAG: "0 25 * * *": hour 25 is outside 0-23',
    ]);
  });

  it.each([["* * * *"], ["61 * * * *"], ["*/0 * * * *"], ["a b c d e"], ["0 0 32 * *"]])("%s is refused", (expr) => {
    expect(cronProblem(expr)).toBeDefined();
  });

  it("EventBridge cannot restrict both day fields", () => {
    expect(() => toAwsCron("0 0 1 * 1")).toThrow("cannot restrict both");
  });
});
