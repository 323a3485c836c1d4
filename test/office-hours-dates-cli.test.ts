/**
 * office-hours on real dates, through the CLI with its clock moved (`run --dry-run --at`) against
 * the emulator: China's make-up workdays and holidays in the calendar's data, 2027's statutory
 * holidays past it (said in a notice), and weekday periods that mean what they say.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { Emulator } from "../emulator/server.ts";
import type { RunReport } from "../lib/report/report.ts";
import { runCli } from "./helpers/cli.ts";
import { envFor } from "./helpers/functions.ts";
import { emulator } from "./helpers/world.ts";

const SCHEDULES = JSON.stringify({
  office: { periods: [{ days: "mon-fri", begin: "09:00", end: "19:00" }], timezone: "Asia/Shanghai", calendar: "CN" },
  "mon-wed": {
    periods: [{ days: "mon,wed", begin: "09:00", end: "19:00" }],
    timezone: "Asia/Shanghai",
    calendar: "CN",
  },
  weekend: { periods: [{ days: "sat,sun", begin: "10:00", end: "18:00" }], timezone: "Asia/Shanghai", calendar: "CN" },
});

describe("office-hours through the CLI on real dates", () => {
  let emu: Emulator;
  const ids: Record<string, string> = {};
  beforeEach(async () => {
    // The helper stops its emulators after each test: one per row.
    emu = await emulator();
    for (const s of ["office", "mon-wed", "weekend"])
      ids[s] = emu.state.addInstance({
        Region: "ap-guangzhou",
        InstanceName: `dev-${s}`,
        InstanceState: "STOPPED",
        Tags: [{ Key: "autopilot:office-hours", Value: s }],
      }).InstanceId;
  });

  const NOTICE =
    "China's 2027 holiday arrangement is not in the calendar data yet: following statutory holidays only; add make-up days with `exceptions`";
  const DECEMBER =
    "China's 2027 holiday arrangement is not in the calendar data yet: following statutory holidays only from 2027-01-01; add make-up days with `exceptions`";
  it.each([
    ["2026-09-20 (Sunday worked for National Day)", "2026-09-20T09:05+08:00", "office", true],
    ["2026-10-01 (National Day)", "2026-10-01T09:05+08:00", "office", false],
    ["2026-10-10 (Saturday worked for National Day)", "2026-10-10T09:05+08:00", "office", true],
    ["2027-01-01 (New Year's Day, past the data)", "2027-01-01T09:05+08:00", "office", false],
    ["2027-02-05 (Spring Festival's eve, past the data)", "2027-02-05T09:05+08:00", "office", false],
    ["2027-10-01 (National Day, past the data)", "2027-10-01T09:05+08:00", "office", false],
    ["an ordinary Tuesday with mon,wed", "2026-12-01T10:00+08:00", "mon-wed", false],
    ["an ordinary Saturday with sat,sun", "2026-12-05T11:00+08:00", "weekend", true],
  ])("%s", { timeout: 30_000 }, async (_name, at, schedule, starts) => {
    const r = await runCli(
      ["run", "office-hours", "--dry-run", "--at", at, "-o", "json"],
      envFor(emu, { OFFICE_HOURS_SCHEDULES: SCHEDULES }),
    );
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as RunReport;
    const planned = report.results.filter((x) => x.id === ids[schedule]).map((x) => x.action);
    expect(planned).toEqual(starts ? ["start"] : []);
    // Past the data, and from December 1 before it, the run says so (in the report and the log).
    const notice = at.startsWith("2027") ? NOTICE : at.startsWith("2026-12") ? DECEMBER : undefined;
    expect(report.notices).toEqual(notice && [notice]);
    if (notice) expect(r.stderr).toContain(notice);
  });

  it("from December 1 the coming year's missing data is announced", async () => {
    const r = await runCli(
      ["run", "office-hours", "--dry-run", "--at", "2026-12-02T10:00+08:00", "-o", "json"],
      envFor(emu),
    );
    expect(JSON.parse(r.stdout).notices).toEqual([DECEMBER]);
    // November: nothing to say yet.
    const november = await runCli(
      ["run", "office-hours", "--dry-run", "--at", "2026-11-30T10:00+08:00", "-o", "json"],
      envFor(emu),
    );
    expect(JSON.parse(november.stdout).notices).toBeUndefined();
  });

  it("--at is refused without a dry run, or without a zone, before anything runs", async () => {
    const wet = await runCli(
      ["run", "office-hours", "--at", "2027-01-01T09:05+08:00"],
      envFor(emu, { DRY_RUN: "false" }),
    );
    expect(wet.code).toBe(2);
    expect(wet.stderr).toContain("--at decides as of another instant and needs --dry-run");
    const zoneless = await runCli(["run", "office-hours", "--dry-run", "--at", "2027-01-01 09:05"], envFor(emu));
    expect(zoneless.code).toBe(2);
    expect(zoneless.stderr).toContain("--at needs an instant with its zone");
    expect(emu.callsFor("StartInstances")).toEqual([]);
  });
});
