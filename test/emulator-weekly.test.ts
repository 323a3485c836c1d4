/**
 * The emulator's GetMonitorData over a fortnight at Period 3600, for machines with a weekly rhythm:
 * hour-aligned points, the rhythm's busy and quiet hours in Beijing time, and the 7,200-point
 * limit a request may hold (tccli monitor api.json).
 */
import { describe, expect, it } from "vitest";
import { addWeeklyMachine, WEEKLY_PATTERNS } from "../emulator/fleet.ts";
import { hourOfWeek } from "../emulator/handlers/monitor.ts";
import { clientFor, emulator } from "./helpers/world.ts";

const SH = "ap-shanghai";
const NOW = Date.parse("2026-11-20T03:30:00Z");
const FORTNIGHT = { StartTime: "2026-11-06T11:00:00+08:00", EndTime: "2026-11-20T10:00:00+08:00" };
type Reply = { DataPoints: Array<{ Timestamps: number[]; Values: number[] }>; StartTime: string; EndTime: string };

describe("GetMonitorData over a fortnight, hourly", () => {
  it("answers 336 hour-aligned points per machine with its weekly rhythm, and refuses a request past 7,200 points", async () => {
    const t = NOW;
    const emu = await emulator({ now: () => t });
    const { client } = clientFor(emu, { clock: { now: () => t, sleep: async () => {} } });
    const office = addWeeklyMachine(emu.state, { region: SH, pattern: "office-hours", ageDays: 30 });
    const ask = (n: number) =>
      client.call<Reply>(
        "monitor",
        "GetMonitorData",
        {
          Namespace: "QCE/CVM",
          MetricName: "CPUUsage",
          Period: 3600,
          ...FORTNIGHT,
          Instances: Array.from({ length: n }, () => ({
            Dimensions: [{ Name: "InstanceId", Value: office.InstanceId }],
          })),
        },
        { region: SH },
      );
    // 21 machines × 336 points = 7,056: one request; 22 × 336 = 7,392: refused.
    const r = await ask(21);
    expect(r.DataPoints).toHaveLength(21);
    const [first] = r.DataPoints;
    expect(first!.Timestamps).toHaveLength(336);
    expect(first!.Timestamps.every((ts) => ts % 3600 === 0)).toBe(true);
    expect([r.StartTime, r.EndTime]).toEqual([FORTNIGHT.StartTime, FORTNIGHT.EndTime]);
    const busy = WEEKLY_PATTERNS["office-hours"].busyHours as readonly number[];
    first!.Timestamps.forEach((ts, i) => {
      const v = first!.Values[i]!;
      if (busy.includes(hourOfWeek(ts))) expect(v).toBeGreaterThanOrEqual(32);
      else expect(v).toBeLessThanOrEqual(1.2);
    });
    await expect(ask(22)).rejects.toMatchObject({ code: "InvalidParameterValue" });
  });

  it("counts hours of the week from Monday 00:00 Beijing time", () => {
    expect(hourOfWeek(Date.parse("2026-11-16T00:00:00+08:00") / 1000)).toBe(0);
    expect(hourOfWeek(Date.parse("2026-11-20T09:30:00+08:00") / 1000)).toBe(4 * 24 + 9);
    expect(hourOfWeek(Date.parse("2026-11-22T23:00:00+08:00") / 1000)).toBe(167);
  });
});
