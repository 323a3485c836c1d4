/** office-hours' calendar and decisions, table-tested: pure functions of the schedule and `now`. */
import { beforeAll, describe, expect, it } from "vitest";
import { changedWithin, loadCountryCalendars, wantsRunning, type Schedule } from "../functions/office-hours/calendar.ts";
import { loadConfig, parseSchedules } from "../functions/office-hours/config.ts";
import { decide, scheduleNow, type RegionalInstance } from "../functions/office-hours/plan.ts";

const schedules = (json: unknown) => {
  const issues: string[] = [];
  const m = parseSchedules(JSON.stringify(json), (e) => issues.push(e));
  if (issues.length) throw new Error(issues.join("; "));
  return m;
};
const OFFICE = schedules({ office: { periods: [{ days: "mon-fri", begin: "09:00", end: "19:00" }], timezone: "Asia/Shanghai", calendar: "CN", exceptions: { "2026-12-24": "off", "2026-12-27": "workday" } } }).get("office")!;
const NIGHT = schedules({ night: { periods: [{ days: "mon-fri", begin: "22:00", end: "06:00" }], timezone: "Asia/Shanghai" } }).get("night")!;
const BERLIN = schedules({ berlin: { periods: [{ days: "mon-fri", begin: "09:00", end: "17:00" }], timezone: "Europe/Berlin", calendar: "none" } }).get("berlin")!;
const BERLIN_DE = schedules({ berlin: { periods: [{ days: "mon-fri", begin: "09:00", end: "17:00" }], timezone: "Europe/Berlin", calendar: "DE-BE" } }).get("berlin")!;
/** A Beijing wall-clock time as an instant. */
const cst = (local: string) => new Date(`${local}+08:00`);

describe("wantsRunning", () => {
  beforeAll(async () => {
    expect(await loadCountryCalendars(["DE-BE"])).toEqual([]);
  });

  it.each([
    ["a normal Monday morning", OFFICE, cst("2026-11-30T10:00:00"), true, "workday (CN calendar)"],
    ["a normal Monday evening", OFFICE, cst("2026-11-30T20:00:00"), false, "no period at 20:00"],
    ["a normal Saturday", OFFICE, cst("2026-12-05T10:00:00"), false, "weekend day (CN calendar)"],
    ["National Day, a Thursday", OFFICE, cst("2026-10-01T10:00:00"), false, "public holiday (CN calendar)"],
    ["the Sunday made a workday for National Day (调休)", OFFICE, cst("2026-09-20T10:00:00"), true, "make-up workday"],
    ["the Saturday made a workday for the Spring Festival", OFFICE, cst("2026-02-28T10:00:00"), true, "make-up workday"],
    ["a Spring Festival weekday", OFFICE, cst("2026-02-18T10:00:00"), false, "public holiday"],
    ["a date exception: off", OFFICE, cst("2026-12-24T10:00:00"), false, "a day off by exception"],
    ["a date exception: a Sunday made a workday", OFFICE, cst("2026-12-27T10:00:00"), true, "a workday by exception"],
    ["exactly at the period's start", OFFICE, cst("2026-11-30T09:00:00"), true, "within 09:00-19:00"],
    ["exactly at the period's end", OFFICE, cst("2026-11-30T19:00:00"), false, "no period at 19:00"],
    ["a period across midnight, Friday night", NIGHT, cst("2026-12-04T23:00:00"), true, "within 22:00-06:00"],
    ["across midnight into Saturday", NIGHT, cst("2026-12-05T03:00:00"), true, "begun 2026-12-04"],
    ["Saturday night: no period starts", NIGHT, cst("2026-12-05T23:00:00"), false, "no period"],
    ["Monday early: Sunday began none", NIGHT, cst("2026-12-07T03:00:00"), false, "no period"],
    ["Berlin before daylight saving (UTC+1)", BERLIN, new Date("2026-03-27T08:30:00Z"), true, "within 09:00-17:00"],
    ["Berlin after daylight saving (UTC+2): 07:30Z is 09:30", BERLIN, new Date("2026-03-30T07:30:00Z"), true, "within 09:00-17:00"],
    ["Berlin after daylight saving: 06:30Z is 08:30", BERLIN, new Date("2026-03-30T06:30:00Z"), false, "no period at 08:30"],
    ["a country calendar: Christmas Day in Berlin", BERLIN_DE, new Date("2026-12-25T09:00:00Z"), false, "public holiday (DE-BE"],
    ["a country calendar: an ordinary Monday in Berlin", BERLIN_DE, new Date("2026-12-28T09:00:00Z"), true, "within 09:00-17:00"],
  ])("%s", (_n, s: Schedule, at, running, reason) => {
    const v = wantsRunning(s, at);
    expect(v.running).toBe(running);
    expect(v.reason).toContain(reason);
  });

  it("a transition is seen within the grace period, not after it", () => {
    expect(changedWithin(OFFICE, cst("2026-11-30T09:03:00"), 15)).toBe(true);
    expect(changedWithin(OFFICE, cst("2026-11-30T10:00:00"), 15)).toBe(false);
    expect(changedWithin(OFFICE, cst("2026-11-30T19:14:00"), 15)).toBe(true);
  });
});

describe("decide", () => {
  const config = loadConfig({ TENCENTCLOUD_SECRET_ID: "a", TENCENTCLOUD_SECRET_KEY: "bbbbbbbb", TENCENTCLOUD_REGION: "ap-guangzhou", OFFICE_HOURS_PRICES: "S5.MEDIUM4=0.5" });
  const enforcedJson = { office: { periods: [{ days: "mon-fri", begin: "09:00", end: "19:00" }], timezone: "Asia/Shanghai", calendar: "CN", enforced: true, stopPrepaid: false } };
  const at = (local: string, s = config.schedules) => new Map([...s].map(([n, x]) => [n, scheduleNow(x, cst(local), 15)]));
  const inst = (o: Partial<RegionalInstance> = {}): RegionalInstance => ({
    InstanceId: "ins-aaaaaaaa", InstanceName: "dev-1", InstanceState: "STOPPED", InstanceChargeType: "POSTPAID_BY_HOUR", InstanceType: "S5.MEDIUM4",
    Tags: [{ Key: "autopilot:office-hours", Value: "office" }], Region: "ap-guangzhou", ...o,
  });
  it.each([
    ["hours begin: a stopped machine starts", inst(), "2026-11-30T09:05:00", undefined, "start-of-hours", "start"],
    ["hours end: a running machine stops", inst({ InstanceState: "RUNNING" }), "2026-11-30T19:05:00", undefined, "end-of-hours", "stop"],
    ["already stopped at night", inst(), "2026-11-30T23:00:00", undefined, "in-state", undefined],
    ["started by hand at night: left until the next stop", inst({ InstanceState: "RUNNING" }), "2026-11-30T23:00:00", undefined, "changed-by-hand", undefined],
    ["started by hand at night, enforced: stopped", inst({ InstanceState: "RUNNING" }), "2026-11-30T23:00:00", enforcedJson, "enforced", "stop"],
    ["prepaid at the end of hours: not stopped", inst({ InstanceState: "RUNNING", InstanceChargeType: "PREPAID" }), "2026-11-30T19:05:00", undefined, "prepaid", undefined],
    ["an unknown schedule name: reported, never guessed", inst({ Tags: [{ Key: "autopilot:office-hours", Value: "ofice" }] }), "2026-11-30T09:05:00", undefined, "unknown-schedule", undefined],
    ["the opt-out tag wins", inst({ Tags: [{ Key: "autopilot:office-hours", Value: "office" }, { Key: "autopilot:office-hours-opt-out", Value: "true" }] }), "2026-11-30T09:05:00", undefined, "opted-out", undefined],
    ["a public holiday morning: stays stopped", inst(), "2026-10-01T09:05:00", undefined, "in-state", undefined],
  ])("%s", (_n, i, local, json, kind, action) => {
    const s = json ? schedules(json) : config.schedules;
    const d = decide(i, config, at(local, s));
    expect(d.kind).toBe(kind);
    expect(d.action).toBe(action);
  });

  it("a stop says what it saves until the schedule next wants the machine", () => {
    const d = decide(inst({ InstanceState: "RUNNING" }), config, at("2026-11-30T19:05:00"));
    // 19:05 Monday to 09:00 Tuesday: 14 hours (to the quarter hour) at 0.5 an hour.
    expect(d.detail).toMatchObject({ hoursStopped: 14, estimatedSaving: 7 });
  });
});

describe("OFFICE_HOURS_SCHEDULES errors name what to fix", () => {
  it.each([
    ["{oops", "not valid JSON"],
    ['{"s":{"periods":[{"days":"mon-fri","begin":"9am","end":"19:00"}],"timezone":"Asia/Shanghai"}}', 'schedule "s".periods[0]: begin and end must be HH:MM'],
    ['{"s":{"periods":[{"days":"weekdays","begin":"09:00","end":"19:00"}],"timezone":"Asia/Shanghai"}}', '"weekdays" is not a weekday or range'],
    ['{"s":{"periods":[{"days":"mon","begin":"09:00","end":"19:00"}],"timezone":"Mars/Base"}}', "expected an IANA time zone"],
    ['{"s":{"periods":[{"days":"mon","begin":"09:00","end":"19:00"}],"timezone":"UTC","calendar":"germany"}}', 'a country or region code such as "DE"'],
    ['{"s":{"periods":[{"days":"mon","begin":"09:00","end":"19:00"}],"timezone":"UTC","exceptions":{"2026-13-45":"off"}}}', "is not a date"],
    ['{"s":{"periods":[],"timezone":"UTC"}}', "expected at least one period"],
    ['{"s":{"periods":[{"days":"mon","begin":"09:00","end":"19:00"}],"timezone":"UTC","holidays":"CN"}}', 'unknown field "holidays"'],
  ])("%s", (json, message) => {
    expect(() => loadConfig({ TENCENTCLOUD_SECRET_ID: "a", TENCENTCLOUD_SECRET_KEY: "bbbbbbbb", TENCENTCLOUD_REGION: "ap-guangzhou", OFFICE_HOURS_SCHEDULES: json })).toThrow(message);
  });

  it("the default schedule: weekdays 09:00-19:00 in Beijing time with the CN calendar", () => {
    const s = loadConfig({ TENCENTCLOUD_SECRET_ID: "a", TENCENTCLOUD_SECRET_KEY: "bbbbbbbb", TENCENTCLOUD_REGION: "ap-guangzhou" }).schedules.get("office")!;
    expect(s).toMatchObject({ timezone: "Asia/Shanghai", calendar: "CN", periods: [{ days: ["mon", "tue", "wed", "thu", "fri"], begin: 540, end: 1140 }] });
  });
});

describe("country calendars", () => {
  it("an unknown country code is named when calendars load", async () => {
    expect(await loadCountryCalendars(["XX", "DE", "US-ZZZ"])).toEqual(["XX", "US-ZZZ"]);
  });
});
