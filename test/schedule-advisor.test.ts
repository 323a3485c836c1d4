/**
 * schedule-advisor end to end on the emulator: machines with known weekly rhythms (fleet.ts), a
 * fixed clock, and what the test computes on its own — each pattern's schedule, and the hours
 * outside it in the fortnight at the machine's price — compared with the function's findings.
 * Every proposal is read back by office-hours' own parser.
 */
import { describe, expect, it } from "vitest";
import { addWeeklyMachine, WEEKLY_PATTERNS, type WeeklyPattern } from "../emulator/fleet.ts";
import { hourOfWeek } from "../emulator/handlers/monitor.ts";
import type { Emulator } from "../emulator/server.ts";
import { isRunning } from "../lib/calendar/calendar.ts";
import { parseSchedules } from "../functions/office-hours/config.ts";
import type { RunReport } from "../lib/report/report.ts";
import { runFunction } from "./helpers/functions.ts";
import { emulator } from "./helpers/world.ts";

const SH = "ap-shanghai";
// Friday 2026-11-20 11:30 Beijing time: the fortnight before it has no public holiday or make-up workday in China.
const NOW = Date.parse("2026-11-20T03:30:00Z");
const HOUR = 3600_000;
const PRICE = 0.5;
const ENV = { REGIONS: SH, AUTO_STOP_PRICES: `S5.MEDIUM4=${PRICE}` };

async function world() {
  const t = NOW;
  const emu = await emulator({ now: () => t });
  const clock = { now: () => t, sleep: async () => {} };
  const run = (extra: Record<string, string> = {}) =>
    runFunction<RunReport>("schedule-advisor", emu, { ...ENV, ...extra }, {}, { now: () => new Date(t), clock });
  return { emu, run };
}

/** What the test expects a fortnight of a pattern to save: its hours outside the busy ones, each at PRICE. */
function expectedSaving(busy: readonly number[]): { hours: number; cny: number } {
  const last = Math.floor(NOW / HOUR) * HOUR - HOUR;
  let hours = 0;
  for (let k = 0; k < 14 * 24; k++) if (!busy.includes(hourOfWeek((last - k * HOUR) / 1000))) hours++;
  return { hours, cny: Math.round(hours * PRICE * 100) / 100 };
}

const machine = (
  emu: Emulator,
  pattern: WeeklyPattern,
  ageDays = 60,
  tags: Array<{ Key: string; Value: string }> = [],
) => addWeeklyMachine(emu.state, { region: SH, pattern, ageDays, tags });

describe("schedule-advisor on known weekly patterns", () => {
  it("proposes office hours Mon-Fri and weekends only, says around the clock and too little history, and prices each saving", async () => {
    const { emu, run } = await world();
    const office = machine(emu, "office-hours");
    const weekends = machine(emu, "weekends-only");
    const always = machine(emu, "around-the-clock");
    const young = machine(emu, "office-hours", 3);
    const { report } = await run();
    const by = new Map(report.results.map((r) => [r.id, r]));

    expect(by.get(office.InstanceId)).toMatchObject({
      action: "office-hours",
      outcome: "finding",
      detail: { tag: "autopilot:office-hours=mon-fri.0900-1900", hoursInUse: 50 },
    });
    expect(by.get(weekends.InstanceId)?.detail).toMatchObject({
      tag: "autopilot:office-hours=sat.sun.0000-2400",
      hoursInUse: 48,
    });
    for (const [m, pattern] of [
      [office, "office-hours"],
      [weekends, "weekends-only"],
    ] as const) {
      const want = expectedSaving(WEEKLY_PATTERNS[pattern].busyHours);
      expect(by.get(m.InstanceId)?.detail).toMatchObject({ hoursSaved: want.hours, saving: want.cny, currency: "CNY" });
    }
    // 14 days: 336 hours; Mon-Fri 09-19 runs 100 of them, weekends 96.
    expect(expectedSaving(WEEKLY_PATTERNS["office-hours"].busyHours)).toEqual({ hours: 236, cny: 118 });
    expect(by.get(always.InstanceId)).toMatchObject({ action: "keep-running", kind: "used around the clock" });
    expect(by.get(always.InstanceId)?.detail?.tag).toBeUndefined();
    expect(by.get(young.InstanceId)).toMatchObject({ action: "wait-for-history", kind: "too little history" });
    expect(by.get(young.InstanceId)?.reason).toContain("needs 168 (a week)");
    expect(report.extras).toEqual({ totalSaving: 118 + 120, currency: "CNY" });
    // Read-only: nothing written, and no link in the report without SCHEDULE_ADVISOR_LINK_URL.
    expect(emu.callsFor("TagResources")).toHaveLength(0);
    expect(JSON.stringify(report)).not.toContain("/accept?");
  });

  it("outputs a tag value and OFFICE_HOURS_SCHEDULES entry that office-hours' own parser reads as the pattern's hours", async () => {
    const { emu, run } = await world();
    const ids = (["office-hours", "weekends-only"] as const).map((p) => [p, machine(emu, p).InstanceId] as const);
    const { report } = await run();
    for (const [pattern, id] of ids) {
      const d = report.results.find((r) => r.id === id)!.detail!;
      const problems: string[] = [];
      const schedules = parseSchedules(String(d.entry), (m) => problems.push(m));
      expect(problems).toEqual([]);
      const name = String(d.tag).split("=")[1]!;
      const s = schedules.get(name)!;
      expect(s).toMatchObject({ timezone: "Asia/Shanghai", calendar: "CN" });
      // Every hour of an ordinary week (Mon 2026-11-16 00:00 Beijing on): running exactly in the busy hours.
      const monday = Date.parse("2026-11-16T00:30:00+08:00");
      const running = Array.from({ length: 168 }, (_, h) => isRunning(s, new Date(monday + h * HOUR)));
      expect(running).toEqual(Array.from({ length: 168 }, (_, h) => WEEKLY_PATTERNS[pattern].busyHours.includes(h)));
    }
  });

  it("gives a group sharing a tag one schedule, the hours any member used, each member priced on it", async () => {
    const { emu, run } = await world();
    const team = [{ Key: "team", Value: "web" }];
    const a = machine(emu, "office-hours", 60, team);
    const b = machine(emu, "weekends-only", 60, team);
    const { report } = await run({ SCHEDULE_ADVISOR_GROUP_TAG: "team" });
    const union = [...WEEKLY_PATTERNS["office-hours"].busyHours, ...WEEKLY_PATTERNS["weekends-only"].busyHours];
    const want = expectedSaving(union);
    for (const m of [a, b])
      expect(report.results.find((r) => r.id === m.InstanceId)?.detail).toMatchObject({
        group: "team=web",
        tag: "autopilot:office-hours=mon-fri.0900-1900_sat.sun.0000-2400",
        hoursSaved: want.hours,
        saving: want.cny,
      });
  });

  it("reads 14 days at Period 3600 within 7,200 points a call: 21 machines a call, three metrics", async () => {
    const { emu, run } = await world();
    for (let i = 0; i < 25; i++) machine(emu, "office-hours");
    await run();
    const calls = emu.callsFor("GetMonitorData");
    // ceil(25 / 21) = 2 calls for each of CPUUsage, LanOuttraffic, WanOuttraffic.
    expect(calls).toHaveLength(6);
    for (const c of calls) {
      const p = c.params as { Period: number; Instances: unknown[]; StartTime: string; EndTime: string };
      expect(p.Period).toBe(3600);
      expect(p.Instances.length).toBeLessThanOrEqual(21);
      expect(p.Instances.length * 14 * 24).toBeLessThanOrEqual(7200);
      expect([p.StartTime, p.EndTime]).toEqual(["2026-11-06T11:00:00+08:00", "2026-11-20T10:00:00+08:00"]);
    }
  });

  it("hands out an accept link only live, with a link URL and WEBHOOK_SECRET", async () => {
    const { emu, run } = await world();
    const office = machine(emu, "office-hours");
    const links = { SCHEDULE_ADVISOR_LINK_URL: "https://advisor.example", WEBHOOK_SECRET: "s".repeat(32) };
    const dry = (await run({ ...links, DRY_RUN: "true" })).report;
    expect(JSON.stringify(dry)).not.toContain("/accept?");
    const live = (await run(links)).report;
    const found = live.results.find((r) => r.id === office.InstanceId)!;
    expect((found.detail!.links as Array<{ url: string }>)[0]!.url).toMatch(
      new RegExp(
        `^https://advisor\\.example/accept\\?instance=${office.InstanceId}&region=ap-shanghai&account=&schedule=mon-fri\\.0900-1900&entry=`,
      ),
    );
    expect(emu.callsFor("TagResources")).toHaveLength(0);
  });
});
