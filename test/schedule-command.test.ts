/** `cvm-autopilot schedule`: each office-hours machine's next starts and stops, with the day kind that decides each. */
import { describe, expect, it } from "vitest";
import { loadConfig } from "../functions/office-hours/config.ts";
import { nextChanges } from "../functions/office-hours/next-changes.ts";
import { runCli } from "./helpers/cli.ts";
import { envFor } from "./helpers/functions.ts";
import { emulator } from "./helpers/world.ts";

const office = () =>
  loadConfig({
    TENCENTCLOUD_SECRET_ID: "a",
    TENCENTCLOUD_SECRET_KEY: "b",
    TENCENTCLOUD_REGION: "ap-guangzhou",
  }).schedules.get("office")!;
const TAG = (v: string) => [{ Key: "autopilot:office-hours", Value: v }];

describe("next starts and stops", () => {
  it("over China's National Day 2026: holidays skip their starts, and the make-up Saturday starts", () => {
    const changes = nextChanges(office(), new Date("2026-09-30T12:00:00+08:00"), 8).map(
      (c) => `${c.action} ${c.date} ${c.action === "skip" ? "" : c.at.toISOString().slice(11, 16)} ${c.dayKind}`,
    );
    expect(changes).toEqual([
      "stop 2026-09-30 11:00 working day",
      "skip 2026-10-01  holiday",
      "skip 2026-10-02  holiday",
      "skip 2026-10-05  holiday",
      "skip 2026-10-06  holiday",
      "skip 2026-10-07  holiday",
      "start 2026-10-08 01:00 working day",
      "stop 2026-10-08 11:00 working day",
      "start 2026-10-09 01:00 working day",
      "stop 2026-10-09 11:00 working day",
      "start 2026-10-10 01:00 make-up workday",
      "stop 2026-10-10 11:00 make-up workday",
      "start 2026-10-12 01:00 working day",
    ]);
  });

  it("an exception decides its day", () => {
    const s = { ...office(), exceptions: { "2026-12-07": "off" as const } };
    const [first] = nextChanges(s, new Date("2026-12-06T12:00:00+08:00"), 1);
    expect(first).toMatchObject({ action: "skip", date: "2026-12-07", dayKind: "day off (exception)" });
  });
});

describe("cvm-autopilot schedule", () => {
  it("lists each tagged machine, says which are opted out or on no schedule, and reads only", async () => {
    const emu = await emulator();
    const s = emu.state;
    s.addInstance({ Region: "ap-guangzhou", InstanceName: "dev-a", Tags: TAG("office") });
    s.addInstance({
      Region: "ap-guangzhou",
      InstanceName: "dev-keep",
      Tags: [...TAG("office"), { Key: "autopilot:office-hours-opt-out", Value: "true" }],
    });
    s.addInstance({ Region: "ap-guangzhou", InstanceName: "dev-typo", Tags: TAG("ofice") });
    s.addInstance({ Region: "ap-guangzhou", InstanceName: "prod" });
    const r = await runCli(["schedule", "--next", "2"], envFor(emu));
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    const a = lines.indexOf(lines.find((l) => l.startsWith("dev-a "))!);
    expect(lines[a]).toMatch(/^dev-a \(ins-\w+, ap-guangzhou\): schedule "office" \(Asia\/Shanghai\)$/);
    expect(lines[a + 1]).toMatch(/^ {2}(start|stop|no start) /);
    expect(lines.slice(a + 1, a + 6).filter((l) => /^ {2}(start|stop) /.test(l))).toHaveLength(2);
    expect(r.stdout).toContain("  opted out by tag autopilot:office-hours-opt-out=true: never started or stopped");
    expect(r.stdout).toContain('  no schedule "ofice" in OFFICE_HOURS_SCHEDULES (office): left alone');
    expect(r.stdout).not.toContain("prod");
    expect(emu.calls.filter((c) => !/^(Describe|Get)/.test(c.action!))).toEqual([]);
    const bad = await runCli(["schedule", "--next", "0"], envFor(emu));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--next needs a whole number");
  });
});
