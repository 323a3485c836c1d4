/**
 * AUTO_STOP_METRIC_BUDGET admits machines in a rotation: every in-scope machine is checked within
 * ⌈in scope ÷ budget⌉ consecutive runs, with no state kept between runs.
 */
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { takeTurn } from "../functions/auto-stop-idle/rotation.ts";
import { shortestInterval } from "../lib/deploy/schedules.ts";
import { runFunction } from "./helpers/functions.ts";
import { emulator } from "./helpers/world.ts";

const GZ = "ap-guangzhou";

/** The instance ids one run asked CPUUsage for, from the emulator's record of GetMonitorData calls. */
function cpuAsked(calls: Array<{ params?: unknown }>): string[] {
  return calls.flatMap((c) => {
    const p = c.params as { MetricName?: string; Instances?: Array<{ Dimensions: Array<{ Value: string }> }> };
    return p.MetricName === "CPUUsage" ? (p.Instances ?? []).map((i) => i.Dimensions[0]!.Value) : [];
  });
}

describe("the metric budget's rotation", () => {
  it.each([
    ["*/15 * * * *", 15],
    ["*/30 * * * *", 30],
  ])("500 machines, 50 a run, schedule %s: all checked within 10 consecutive runs", async (schedule, minutes) => {
    const emu = await emulator();
    const fleet = Array.from({ length: 500 }, () =>
      emu.state.addInstance({ Region: GZ, profile: { cpu: 60, traffic: 5 } }),
    );
    const checked = new Set<string>();
    // Runs start a little after their fire time, at a slot that is not the rotation's first turn.
    const first = Date.parse("2026-12-07T10:00:07Z") + 3 * minutes * 60_000;
    for (let run = 0; run < 10; run++) {
      const before = emu.callsFor("GetMonitorData").length;
      const at = new Date(first + run * minutes * 60_000);
      const { report } = await runFunction<{ errors: unknown[] }>(
        "auto-stop-idle",
        emu,
        // 3 calls: one batch of 50 machines (CPU, LAN, WAN).
        { AUTO_STOP_METRIC_BUDGET: "3", SCHEDULE_AUTO_STOP_IDLE: schedule },
        {},
        { now: () => at },
      );
      expect(report.errors).toEqual([]);
      const asked = cpuAsked(emu.callsFor("GetMonitorData").slice(before));
      expect(asked).toHaveLength(50);
      for (const id of asked) checked.add(id);
    }
    expect(checked).toEqual(new Set(fleet.map((i) => i.InstanceId)));
  });

  it("any fleet and budget: ⌈n ÷ budget⌉ consecutive runs from any run check every machine, each at most budget a run, in any listing order", async () => {
    await fc.assert(
      fc.property(
        fc.uniqueArray(fc.stringMatching(/^ins-[a-z0-9]{8}$/), { minLength: 1, maxLength: 700 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.func(fc.integer()),
        (ids, budget, from, shuffleKey) => {
          const turns = Math.ceil(ids.length / budget);
          const listed = [...ids].sort((a, b) => shuffleKey(a) - shuffleKey(b));
          const seen = new Set<string>();
          for (let run = from; run < from + turns; run++) {
            const { admitted, deferred } = takeTurn(listed, (x) => x, budget, run);
            expect(admitted.length).toBe(Math.min(budget, ids.length));
            expect(new Set([...admitted, ...deferred]).size).toBe(ids.length);
            // The listing's order changes nothing: the same run takes the same machines.
            expect(new Set(takeTurn(ids, (x) => x, budget, run).admitted)).toEqual(new Set(admitted));
            for (const id of admitted) seen.add(id);
          }
          expect(seen.size).toBe(ids.length);
        },
      ),
      { seed: 37, numRuns: 300 },
    );
  });

  it.each([
    ["*/15 * * * *", 15],
    ["5,20,35,50 * * * *", 15],
    ["0 * * * *", 60],
    ["*/15 8-20 * * 1-5", 15],
    ["0 9 * * *", 24 * 60],
  ])("a run's slot under %s is %i minutes", (expr, minutes) => {
    expect(shortestInterval(expr, "Asia/Shanghai")).toBe(minutes * 60_000);
  });
});
