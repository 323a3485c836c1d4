/** office-hours' calendar and decisions, table-tested: pure functions of the schedule and `now`. */
import { beforeAll, describe, expect, it } from "vitest";
import chineseDays from "chinese-days";
import { lastChange, loadCountryCalendars, wantsRunning, type Schedule } from "../functions/office-hours/calendar.ts";
import { cnDataCovers, cnDataNotice, statutoryDaysOff } from "../functions/office-hours/cn-calendar.ts";
import { loadConfig, parseSchedules } from "../functions/office-hours/config.ts";
import { decide, scheduleNow, type RegionalInstance } from "../functions/office-hours/plan.ts";
import { readState, stateValue } from "../functions/office-hours/state-record.ts";
import { warningTagKey, warningValue } from "../lib/snooze/warning-tag.ts";

const schedules = (json: unknown) => {
  const issues: string[] = [];
  const m = parseSchedules(JSON.stringify(json), (e) => issues.push(e));
  if (issues.length) throw new Error(issues.join("; "));
  return m;
};
const OFFICE = schedules({
  office: {
    periods: [{ days: "mon-fri", begin: "09:00", end: "19:00" }],
    timezone: "Asia/Shanghai",
    calendar: "CN",
    exceptions: { "2026-12-24": "off", "2026-12-27": "workday" },
  },
}).get("office")!;
const NIGHT = schedules({
  night: { periods: [{ days: "mon-fri", begin: "22:00", end: "06:00" }], timezone: "Asia/Shanghai" },
}).get("night")!;
const BERLIN = schedules({
  berlin: { periods: [{ days: "mon-fri", begin: "09:00", end: "17:00" }], timezone: "Europe/Berlin", calendar: "none" },
}).get("berlin")!;
const BERLIN_DE = schedules({
  berlin: {
    periods: [{ days: "mon-fri", begin: "09:00", end: "17:00" }],
    timezone: "Europe/Berlin",
    calendar: "DE-BE",
  },
}).get("berlin")!;
/** A Beijing wall-clock time as an instant. */
const cst = (local: string) => new Date(`${local}+08:00`);

describe("wantsRunning", () => {
  beforeAll(async () => {
    expect(await loadCountryCalendars(["DE-BE"])).toEqual([]);
  });

  it.each([
    ["a normal Monday morning", OFFICE, cst("2026-11-30T10:00:00"), true, "ordinary mon (CN calendar)"],
    ["a normal Monday evening", OFFICE, cst("2026-11-30T20:00:00"), false, "no period at 20:00"],
    [
      "a normal Saturday",
      OFFICE,
      cst("2026-12-05T10:00:00"),
      false,
      "no period at 10:00; 2026-12-05 is an ordinary sat (CN calendar)",
    ],
    ["National Day, a Thursday", OFFICE, cst("2026-10-01T10:00:00"), false, "public holiday (CN calendar: 国庆节)"],
    ["the Sunday made a workday for National Day (调休)", OFFICE, cst("2026-09-20T10:00:00"), true, "make-up workday"],
    [
      "the Saturday made a workday for the Spring Festival",
      OFFICE,
      cst("2026-02-28T10:00:00"),
      true,
      "make-up workday",
    ],
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
    [
      "Berlin after daylight saving (UTC+2): 07:30Z is 09:30",
      BERLIN,
      new Date("2026-03-30T07:30:00Z"),
      true,
      "within 09:00-17:00",
    ],
    [
      "Berlin after daylight saving: 06:30Z is 08:30",
      BERLIN,
      new Date("2026-03-30T06:30:00Z"),
      false,
      "no period at 08:30",
    ],
    [
      "a country calendar: Christmas Day in Berlin",
      BERLIN_DE,
      new Date("2026-12-25T09:00:00Z"),
      false,
      "public holiday (DE-BE",
    ],
    [
      "a country calendar: an ordinary Monday in Berlin",
      BERLIN_DE,
      new Date("2026-12-28T09:00:00Z"),
      true,
      "within 09:00-17:00",
    ],
  ])("%s", (_n, s: Schedule, at, running, reason) => {
    const v = wantsRunning(s, at);
    expect(v.running).toBe(running);
    expect(v.reason).toContain(reason);
  });

  it("the last change of wanted state is found to the minute, across days", () => {
    expect(lastChange(OFFICE, cst("2026-11-30T09:03:00"), 60)).toEqual(cst("2026-11-30T09:00:00"));
    expect(lastChange(OFFICE, cst("2026-11-30T19:14:30"), 60)).toEqual(cst("2026-11-30T19:00:00"));
    // Monday 08:00: stopped since Friday 19:00, across the weekend.
    expect(lastChange(OFFICE, cst("2026-11-30T08:00:00"), 31 * 1440)).toEqual(cst("2026-11-27T19:00:00"));
    // Not found within the look-back: undefined, never a guess.
    expect(lastChange(OFFICE, cst("2026-11-30T12:00:00"), 60)).toBeUndefined();
  });
});

/** The same rule for every calendar: ordinary days follow the periods' weekdays, holidays none, make-up workdays the Monday-to-Friday periods. */
describe("which periods apply on which day", () => {
  const MON_WED = schedules({
    s: { periods: [{ days: "mon,wed", begin: "09:00", end: "19:00" }], timezone: "Asia/Shanghai", calendar: "CN" },
  }).get("s")!;
  const WEEKEND = schedules({
    s: { periods: [{ days: "sat,sun", begin: "10:00", end: "18:00" }], timezone: "Asia/Shanghai", calendar: "CN" },
  }).get("s")!;
  const WEEKEND_DE = schedules({
    s: { periods: [{ days: "sat,sun", begin: "10:00", end: "18:00" }], timezone: "Europe/Berlin", calendar: "DE-BE" },
  }).get("s")!;
  const DEFAULT = loadConfig({
    TENCENTCLOUD_SECRET_ID: "a",
    TENCENTCLOUD_SECRET_KEY: "bbbbbbbb",
    TENCENTCLOUD_REGION: "ap-guangzhou",
  }).schedules.get("office")!;
  beforeAll(async () => {
    expect(await loadCountryCalendars(["DE-BE"])).toEqual([]);
  });

  it.each([
    [
      "2026-09-20, the Sunday worked for National Day",
      DEFAULT,
      "2026-09-20T09:05:00",
      true,
      "make-up workday (CN calendar",
    ],
    ["2026-10-01, National Day", DEFAULT, "2026-10-01T09:05:00", false, "public holiday (CN calendar"],
    ["2026-10-10, the Saturday worked for National Day", DEFAULT, "2026-10-10T09:05:00", true, "make-up workday"],
    [
      "2027-01-01, New Year's Day, past the calendar's data",
      DEFAULT,
      "2027-01-01T09:05:00",
      false,
      "public holiday (CN statutory rule; 2027's arrangement is not in the calendar data: 元旦",
    ],
    ["2027-02-05, Spring Festival's eve (除夕)", DEFAULT, "2027-02-05T09:05:00", false, "春节"],
    ["2027-02-08, 正月初三", DEFAULT, "2027-02-08T09:05:00", false, "春节"],
    [
      "2027-02-09, the first working day after the statutory days",
      DEFAULT,
      "2027-02-09T09:05:00",
      true,
      "ordinary tue (CN statutory rule",
    ],
    ["2027-10-01, National Day", DEFAULT, "2027-10-01T09:05:00", false, "国庆"],
    ["2027-04-05, Qingming (the solar-term day)", DEFAULT, "2027-04-05T09:05:00", false, "清明"],
    ["an ordinary Tuesday with mon,wed", MON_WED, "2026-12-01T10:00:00", false, "ordinary tue"],
    ["an ordinary Wednesday with mon,wed", MON_WED, "2026-12-02T10:00:00", true, "within 09:00-19:00 (mon,wed"],
    ["an ordinary Saturday with sat,sun", WEEKEND, "2026-12-05T11:00:00", true, "within 10:00-18:00 (sat,sun"],
    [
      "a make-up Saturday with sat,sun only: the Monday-to-Friday periods, none here",
      WEEKEND,
      "2026-10-10T11:00:00",
      false,
      "make-up workday",
    ],
    ["National Day, a Saturday, with sat,sun", WEEKEND, "2026-10-03T11:00:00", false, "public holiday"],
    [
      "an ordinary Saturday with sat,sun, Berlin calendar",
      WEEKEND_DE,
      new Date("2026-12-05T11:00:00Z"),
      true,
      "within 10:00-18:00",
    ],
    [
      "a Berlin holiday on a Saturday (Christmas Eve 2027 is no holiday; 26 Dec 2026 is)",
      WEEKEND_DE,
      new Date("2026-12-26T11:00:00Z"),
      false,
      "public holiday (DE-BE",
    ],
  ])("%s", (_n, s: Schedule, at, running, reason) => {
    const v = wantsRunning(s, typeof at === "string" ? cst(at) : at);
    expect(v.reason).toContain(reason);
    expect(v.running).toBe(running);
  });

  it("the statutory rule gives exactly China's days off where the package has the data (2025, 2026)", () => {
    for (const year of [2025, 2026]) {
      expect(cnDataCovers(year)).toBe(true);
      const days = [...statutoryDaysOff(year).keys()];
      expect(days).toHaveLength(13);
      for (const d of days) expect(chineseDays.isHoliday(d), `${d} is a day off in chinese-days`).toBe(true);
    }
    expect(cnDataCovers(2027)).toBe(false);
    expect([...statutoryDaysOff(2027).keys()]).toEqual([
      "2027-01-01",
      "2027-02-05",
      "2027-02-06",
      "2027-02-07",
      "2027-02-08",
      "2027-04-05",
      "2027-05-01",
      "2027-05-02",
      "2027-06-09",
      "2027-09-15",
      "2027-10-01",
      "2027-10-02",
      "2027-10-03",
    ]);
  });

  it("says the data runs out from December 1 of the year before, and all through the year it lacks", () => {
    expect(cnDataNotice(cst("2026-11-30T23:59:00"))).toBeUndefined();
    expect(cnDataNotice(cst("2026-12-01T00:00:00"))?.notice).toBe(
      "China's 2027 holiday arrangement is not in the calendar data yet: following statutory holidays only from 2027-01-01; add make-up days with `exceptions`",
    );
    expect(cnDataNotice(cst("2027-06-01T00:00:00"))?.notice).toContain(
      "China's 2027 holiday arrangement is not in the calendar data yet: following statutory holidays only;",
    );
  });
});

describe("decide", () => {
  const config = loadConfig({
    TENCENTCLOUD_SECRET_ID: "a",
    TENCENTCLOUD_SECRET_KEY: "bbbbbbbb",
    TENCENTCLOUD_REGION: "ap-guangzhou",
    OFFICE_HOURS_PRICES: "S5.MEDIUM4=0.5",
  });
  const enforcedJson = {
    office: {
      periods: [{ days: "mon-fri", begin: "09:00", end: "19:00" }],
      timezone: "Asia/Shanghai",
      calendar: "CN",
      enforced: true,
      stopPrepaid: false,
    },
  };
  const at = (local: string, s = config.schedules) => new Map([...s].map(([n, x]) => [n, scheduleNow(x, cst(local))]));
  const TAGS = [{ Key: "autopilot:office-hours", Value: "office" }];
  /** Our sealed record for `<action>[-failed]@<minute>Z` (no WEBHOOK_SECRET); anything else is written as given, by hand. */
  const LAST = (v: string) => {
    const m = /^(start|stop)(-failed)?@(.+)Z$/.exec(v);
    const value = m ? stateValue(undefined, "ap-guangzhou", m[1] as "start", !!m[2], new Date(`${m[3]}:00Z`)) : v;
    return { Key: "autopilot:office-hours-last", Value: value };
  };
  const HAND = (v: string) => ({ Key: "autopilot:office-hours-last", Value: v });
  const inst = (o: Partial<RegionalInstance> = {}): RegionalInstance => ({
    InstanceId: "ins-aaaaaaaa",
    InstanceName: "dev-1",
    InstanceState: "STOPPED",
    InstanceChargeType: "POSTPAID_BY_HOUR",
    InstanceType: "S5.MEDIUM4",
    Tags: TAGS,
    Region: "ap-guangzhou",
    ...o,
  });
  it.each([
    ["hours begin: a stopped machine starts", inst(), "2026-11-30T09:05:00", undefined, "start-of-hours", "start"],
    [
      "hours end: a running machine stops",
      inst({ InstanceState: "RUNNING" }),
      "2026-11-30T19:05:00",
      undefined,
      "end-of-hours",
      "stop",
    ],
    ["already stopped at night", inst(), "2026-11-30T23:00:00", undefined, "in-state", undefined],
    [
      "stopped by us at 19:05, started by hand at 23:00: left until the next change",
      inst({ InstanceState: "RUNNING", Tags: [...TAGS, LAST("stop@2026-11-30T11:05Z")] }),
      "2026-11-30T23:00:00",
      undefined,
      "changed-by-hand",
      undefined,
    ],
    [
      "the same, enforced: stopped",
      inst({ InstanceState: "RUNNING", Tags: [...TAGS, LAST("stop@2026-11-30T11:05Z")] }),
      "2026-11-30T23:00:00",
      enforcedJson,
      "enforced",
      "stop",
    ],
    [
      "running at night with no record of ours: the schedule decides",
      inst({ InstanceState: "RUNNING" }),
      "2026-11-30T23:00:00",
      undefined,
      "end-of-hours",
      "stop",
    ],
    [
      "our start failed at 09:05: tried again at 09:30",
      inst({ Tags: [...TAGS, LAST("start-failed@2026-11-30T01:05Z")] }),
      "2026-11-30T09:30:00",
      undefined,
      "retry",
      "start",
    ],
    [
      "our start failed yesterday; the schedule changed since: acted on as today's start",
      inst({ Tags: [...TAGS, LAST("start-failed@2026-11-29T01:05Z")] }),
      "2026-11-30T09:30:00",
      undefined,
      "start-of-hours",
      "start",
    ],
    [
      "started by us at 09:05, stopped by hand at 11:00: left until hours end",
      inst({ Tags: [...TAGS, LAST("start@2026-11-30T01:05Z")] }),
      "2026-11-30T11:30:00",
      undefined,
      "changed-by-hand",
      undefined,
    ],
    [
      "stopped by us last night, still stopped in the morning: started (the schedule changed since)",
      inst({ Tags: [...TAGS, LAST("stop@2026-11-29T11:05Z")] }),
      "2026-11-30T10:30:00",
      undefined,
      "start-of-hours",
      "start",
    ],
    [
      "a well-formed record written by hand, without our seal: the schedule decides",
      inst({ InstanceState: "RUNNING", Tags: [...TAGS, HAND("stop@2026-11-30T11:05Z")] }),
      "2026-11-30T23:00:00",
      undefined,
      "end-of-hours",
      "stop",
    ],
    [
      "our record copied to another region: the schedule decides",
      inst({ InstanceState: "RUNNING", Region: "ap-shanghai", Tags: [...TAGS, LAST("stop@2026-11-30T11:05Z")] }),
      "2026-11-30T23:00:00",
      undefined,
      "end-of-hours",
      "stop",
    ],
    [
      "a state tag we did not write: the schedule decides",
      inst({ InstanceState: "RUNNING", Tags: [...TAGS, LAST("by hand")] }),
      "2026-11-30T23:00:00",
      undefined,
      "end-of-hours",
      "stop",
    ],
    [
      "snoozed past the end of hours: not stopped",
      inst({
        InstanceState: "RUNNING",
        Tags: [...TAGS, { Key: "autopilot:snooze-until", Value: "2026-11-30T22:00+08:00" }],
      }),
      "2026-11-30T19:05:00",
      undefined,
      "snoozed",
      undefined,
    ],
    [
      "a snooze that ended: stopped",
      inst({
        InstanceState: "RUNNING",
        Tags: [...TAGS, { Key: "autopilot:snooze-until", Value: "2026-11-30T19:00+08:00" }],
      }),
      "2026-11-30T19:05:00",
      undefined,
      "end-of-hours",
      "stop",
    ],
    [
      "a snooze never holds back a start",
      inst({ Tags: [...TAGS, { Key: "autopilot:snooze-until", Value: "2026-11-30T22:00+08:00" }] }),
      "2026-11-30T09:05:00",
      undefined,
      "start-of-hours",
      "start",
    ],
    [
      "a bad snooze value: not stopped, not guessed at",
      inst({ InstanceState: "RUNNING", Tags: [...TAGS, { Key: "autopilot:snooze-until", Value: "22:00" }] }),
      "2026-11-30T19:05:00",
      undefined,
      "bad-snooze-tag",
      undefined,
    ],
    [
      "prepaid at the end of hours: not stopped",
      inst({ InstanceState: "RUNNING", InstanceChargeType: "PREPAID" }),
      "2026-11-30T19:05:00",
      undefined,
      "prepaid",
      undefined,
    ],
    [
      "an unknown schedule name: reported, never guessed",
      inst({ Tags: [{ Key: "autopilot:office-hours", Value: "ofice" }] }),
      "2026-11-30T09:05:00",
      undefined,
      "unknown-schedule",
      undefined,
    ],
    [
      "the opt-out tag wins",
      inst({
        Tags: [
          { Key: "autopilot:office-hours", Value: "office" },
          { Key: "autopilot:office-hours-opt-out", Value: "true" },
        ],
      }),
      "2026-11-30T09:05:00",
      undefined,
      "opted-out",
      undefined,
    ],
    ["a public holiday morning: stays stopped", inst(), "2026-10-01T09:05:00", undefined, "in-state", undefined],
  ])("%s", (_n, i, local, json, kind, action) => {
    const s = json ? schedules(json) : config.schedules;
    const d = decide(i, config, at(local, s), cst(local));
    expect(d.kind).toBe(kind);
    expect(d.action).toBe(action);
  });

  /** office-hours' own sealed warning on ins-aaaaaaaa (no WEBHOOK_SECRET, no running period known), announced at `at` for `stop`. */
  const warned = (at: string, stop: string, fn = "office-hours") => ({
    Key: warningTagKey(fn),
    Value: warningValue(
      undefined,
      { fn, region: "ap-guangzhou", instance: "ins-aaaaaaaa", period: "none" },
      { at: Date.parse(at), stop: Date.parse(stop) },
    ),
  });
  it.each([
    ["end of hours, warning first: warned, not stopped", [], "2026-11-30T19:05:00", "end-warned", "warn"],
    [
      "warned at 19:05 for 19:20: still pending at 19:15",
      [warned("2026-11-30T11:05Z", "2026-11-30T11:20Z")],
      "2026-11-30T19:15:00",
      "warned",
      undefined,
    ],
    [
      "its time come at 19:25: stopped",
      [warned("2026-11-30T11:05Z", "2026-11-30T11:20Z")],
      "2026-11-30T19:25:00",
      "end-of-hours",
      "stop",
    ],
    [
      "a warning from yesterday is stale: warned anew",
      [warned("2026-11-29T11:05Z", "2026-11-29T11:20Z")],
      "2026-11-30T19:25:00",
      "end-warned",
      "warn",
    ],
    [
      "auto-stop's warning is not office-hours': warned by office-hours",
      [warned("2026-11-30T11:05Z", "2026-11-30T11:20Z", "auto-stop-idle")],
      "2026-11-30T19:25:00",
      "end-warned",
      "warn",
    ],
    [
      "a warning dated after now is not trusted: warned anew",
      [warned("2026-11-30T12:00Z", "2026-11-30T12:15Z")],
      "2026-11-30T19:25:00",
      "end-warned",
      "warn",
    ],
    [
      "warned, then snoozed: not stopped",
      [
        warned("2026-11-30T11:05Z", "2026-11-30T11:20Z"),
        { Key: "autopilot:snooze-until", Value: "2026-11-30T23:00+08:00" },
      ],
      "2026-11-30T19:25:00",
      "snoozed",
      undefined,
    ],
  ])("OFFICE_HOURS_WARN_MINUTES=15: %s", (_n, extra, local, kind, action) => {
    const d = decide(
      inst({ InstanceState: "RUNNING", Tags: [...TAGS, ...extra] }),
      { ...config, warnMinutes: 15 },
      at(local),
      cst(local),
    );
    expect([d.kind, d.action]).toEqual([kind, action]);
  });

  it("the state tag's value round-trips, to the minute, only with its seal, region and key", () => {
    const now = new Date("2026-12-02T02:00:00Z");
    const v = stateValue("k", "ap-guangzhou", "start", true, new Date("2026-12-02T01:05:42Z"));
    expect(v).toMatch(/^start-failed@2026-12-02T01:05Z seal=[\w-]{16}$/);
    expect(readState(v, "k", "ap-guangzhou", now)).toEqual({
      state: "ours",
      last: { action: "start", failed: true, at: new Date("2026-12-02T01:05:00Z") },
    });
    expect(readState(v, "other", "ap-guangzhou", now).state).toBe("unsealed");
    expect(readState(v, "k", "ap-shanghai", now).state).toBe("unsealed");
    expect(readState(v.replace("start-failed", "start"), "k", "ap-guangzhou", now).state).toBe("unsealed");
    expect(readState("start-failed@2026-12-02T01:05Z", "k", "ap-guangzhou", now).state).toBe("unsealed");
    expect(readState(v, "k", "ap-guangzhou", new Date("2026-12-02T01:00:00Z")).state).toBe("future");
    expect(readState(undefined, "k", "ap-guangzhou", now).state).toBe("none");
    const bad = `start@2026-13-02T01:05Z seal=${"a".repeat(16)}`;
    expect(readState(bad, "k", "ap-guangzhou", now).state).toBe("unsealed");
  });

  it("a stop says what it saves until the schedule next wants the machine", () => {
    const d = decide(inst({ InstanceState: "RUNNING" }), config, at("2026-11-30T19:05:00"), cst("2026-11-30T19:05:00"));
    // 19:05 Monday to 09:00 Tuesday: 14 hours (to the quarter hour) at 0.5 an hour.
    expect(d.detail).toMatchObject({ hoursStopped: 14, estimatedSaving: 7 });
  });
});

describe("OFFICE_HOURS_SCHEDULES errors name what to fix", () => {
  it.each([
    ["{oops", "not valid JSON"],
    [
      '{"s":{"periods":[{"days":"mon-fri","begin":"9am","end":"19:00"}],"timezone":"Asia/Shanghai"}}',
      'schedule "s".periods[0]: begin and end must be HH:MM',
    ],
    [
      '{"s":{"periods":[{"days":"weekdays","begin":"09:00","end":"19:00"}],"timezone":"Asia/Shanghai"}}',
      '"weekdays" is not a weekday or range',
    ],
    [
      '{"s":{"periods":[{"days":"mon","begin":"09:00","end":"19:00"}],"timezone":"Mars/Base"}}',
      "expected an IANA time zone",
    ],
    [
      '{"s":{"periods":[{"days":"mon","begin":"09:00","end":"19:00"}],"timezone":"UTC","calendar":"germany"}}',
      'a country or region code such as "DE"',
    ],
    [
      '{"s":{"periods":[{"days":"mon","begin":"09:00","end":"19:00"}],"timezone":"UTC","exceptions":{"2026-13-45":"off"}}}',
      "is not a date",
    ],
    ['{"s":{"periods":[],"timezone":"UTC"}}', "expected at least one period"],
    [
      '{"s":{"periods":[{"days":"mon","begin":"09:00","end":"19:00"}],"timezone":"UTC","exceptions":{"2026-02-30":"off"}}}',
      'schedule "s".exceptions: "2026-02-30" is not a date',
    ],
    [
      '{"s":{"periods":[{"days":"mon","begin":"24:30","end":"19:00"}],"timezone":"UTC"}}',
      'schedule "s".periods[0]: begin and end must be HH:MM times of day',
    ],
    [
      '{"s":{"periods":[{"days":"mon","begin":"09:00","end":"24:01"}],"timezone":"UTC"}}',
      'schedule "s".periods[0]: begin and end must be HH:MM times of day',
    ],
    [
      '{"s":{"periods":[{"days":"mon","begin":"24:00","end":"06:00"}],"timezone":"UTC"}}',
      'schedule "s".periods[0]: begin and end must be HH:MM times of day',
    ],
    [
      '{"s":{"periods":[{"days":"mon","begin":"09:00","end":"19:00"}],"timezone":"UTC","holidays":"CN"}}',
      'unknown field "holidays"',
    ],
  ])("%s", (json, message) => {
    expect(() =>
      loadConfig({
        TENCENTCLOUD_SECRET_ID: "a",
        TENCENTCLOUD_SECRET_KEY: "bbbbbbbb",
        TENCENTCLOUD_REGION: "ap-guangzhou",
        OFFICE_HOURS_SCHEDULES: json,
      }),
    ).toThrow(message);
  });

  it("the default schedule: weekdays 09:00-19:00 in Beijing time with the CN calendar", () => {
    const s = loadConfig({
      TENCENTCLOUD_SECRET_ID: "a",
      TENCENTCLOUD_SECRET_KEY: "bbbbbbbb",
      TENCENTCLOUD_REGION: "ap-guangzhou",
    }).schedules.get("office")!;
    expect(s).toMatchObject({
      timezone: "Asia/Shanghai",
      calendar: "CN",
      periods: [{ days: ["mon", "tue", "wed", "thu", "fri"], begin: 540, end: 1140 }],
    });
  });
});

describe("country calendars", () => {
  it("an unknown country code is named when calendars load", async () => {
    expect(await loadCountryCalendars(["XX", "DE", "US-ZZZ"])).toEqual(["XX", "US-ZZZ"]);
  });
});
