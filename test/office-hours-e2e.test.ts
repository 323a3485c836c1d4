/** office-hours end to end over a simulated day against the emulator: transitions acted on, everything else left alone. */
import { describe, expect, it } from "vitest";
import type { Emulator } from "../emulator/server.ts";
import type { OfficeHoursReport } from "../functions/office-hours/index.ts";
import { runFunction } from "./helpers/functions.ts";
import { emulator } from "./helpers/world.ts";

const GZ = "ap-guangzhou";
const cst = (local: string) => () => new Date(`${local}+08:00`);
const TAG = (v: string) => [{ Key: "autopilot:office-hours", Value: v }];
const state = (emu: Emulator, id: string) => emu.state.settle(emu.state.instances.get(id)!).InstanceState;
const writes = (emu: Emulator) => emu.calls.filter((c) => /^(Start|Stop)Instances$/.test(c.action!) && !c.code).length;

function fleet(emu: Emulator) {
  const s = emu.state;
  return {
    dev: [0, 1, 2].map((i) =>
      s.addInstance({ Region: GZ, InstanceName: `dev-${i}`, InstanceState: "STOPPED", Tags: TAG("office") }),
    ),
    untagged: s.addInstance({ Region: GZ, InstanceName: "prod-db", InstanceState: "STOPPED" }),
    optedOut: s.addInstance({
      Region: GZ,
      InstanceName: "dev-keep",
      InstanceState: "STOPPED",
      Tags: [...TAG("office"), { Key: "autopilot:office-hours-opt-out", Value: "true" }],
    }),
    unknown: s.addInstance({ Region: GZ, InstanceName: "dev-typo", InstanceState: "STOPPED", Tags: TAG("ofice") }),
    prepaid: s.addInstance({
      Region: GZ,
      InstanceName: "dev-prepaid",
      InstanceState: "RUNNING",
      InstanceChargeType: "PREPAID",
      Tags: TAG("office"),
    }),
  };
}

describe("office-hours savings", () => {
  it("a stopped type without a price is counted and named as unpriced, never taken as free", async () => {
    const emu = await emulator();
    for (const type of ["S5.MEDIUM4", "S5.MEDIUM4", "S5.LARGE8"])
      emu.state.addInstance({ Region: GZ, InstanceType: type, InstanceState: "RUNNING", Tags: TAG("office") });
    const { report } = await runFunction<OfficeHoursReport>(
      "office-hours",
      emu,
      { OFFICE_HOURS_PRICES: "S5.MEDIUM4=0.5", DRY_RUN: "true" },
      {},
      { now: cst("2026-11-30T19:05:00") },
    );
    expect(report.outcomes.planned).toBe(3);
    expect(report.extras).toEqual({ estimatedSaving: 14, unpriced: 1, unpricedTypes: ["S5.LARGE8"] }); // 2 machines × 14 hours × 0.5
  });
});

describe("office-hours across a simulated day", () => {
  it("starts at the start of hours, stops at the end, leaves what people changed, and re-running writes nothing", async () => {
    const emu = await emulator();
    const f = fleet(emu);
    const run = (at: string, env: Record<string, string> = {}) =>
      runFunction<OfficeHoursReport>("office-hours", emu, env, {}, { now: cst(at) });

    // Monday 09:05 Beijing time: hours began five minutes ago.
    const morning = await run("2026-11-30T09:05:00");
    expect(
      morning.report.results
        .filter((r) => r.outcome === "done")
        .map((r) => r.id)
        .sort(),
    ).toEqual(f.dev.map((i) => i.InstanceId).sort());
    for (const i of f.dev) expect(state(emu, i.InstanceId)).toBe("RUNNING");
    for (const i of [f.untagged, f.optedOut, f.unknown]) expect(state(emu, i.InstanceId)).toBe("STOPPED");
    expect(morning.report.kept.find((k) => k.id === f.unknown.InstanceId)).toMatchObject({ kind: "unknown schedule" });
    expect(morning.report.kept.find((k) => k.id === f.optedOut.InstanceId)).toMatchObject({ kind: "opted out" });
    // The untagged machine is not even listed: the run asks only for instances with the tag.
    expect(morning.report.scanned).toBe(6);

    const before = writes(emu);
    await run("2026-11-30T09:05:00");
    expect(writes(emu)).toBe(before);

    // 19:05: hours ended. Pay-as-you-go machines stop without charging; the prepaid one is left.
    const evening = await run("2026-11-30T19:05:00", { OFFICE_HOURS_PRICES: "S5.MEDIUM4=0.5" });
    for (const i of f.dev)
      expect(emu.state.instances.get(i.InstanceId)!).toMatchObject({
        InstanceState: "STOPPED",
        StopChargingMode: "STOP_CHARGING",
      });
    expect(state(emu, f.prepaid.InstanceId)).toBe("RUNNING");
    expect(evening.report.kept.find((k) => k.id === f.prepaid.InstanceId)).toMatchObject({
      kind: "prepaid: not stopped",
    });
    expect(evening.report.extras.estimatedSaving).toBe(21); // 3 machines × 14 hours × 0.5

    // 23:00: someone starts a machine by hand; the schedule is not enforced, so it is left until the next stop.
    emu.state.instances.get(f.dev[0]!.InstanceId)!.InstanceState = "RUNNING";
    const night = await run("2026-11-30T23:00:00");
    expect(state(emu, f.dev[0]!.InstanceId)).toBe("RUNNING");
    expect(night.report.kept.find((k) => k.id === f.dev[0]!.InstanceId)).toMatchObject({
      kind: "changed by hand since our last action",
    });

    // Tuesday 09:05: the two stopped ones start; the one already running is as scheduled.
    const tuesday = await run("2026-12-01T09:05:00");
    expect(tuesday.report.outcomes.done).toBe(2);
    for (const i of f.dev) expect(state(emu, i.InstanceId)).toBe("RUNNING");
  });

  it("a start refused for lack of capacity is reported with its RequestId and tried again at the next run", async () => {
    const emu = await emulator();
    const f = fleet(emu);
    const victim = f.dev[1]!.InstanceId;
    emu.faults.add({
      action: "StartInstances",
      kind: "error",
      code: "ResourceInsufficient.ZoneSoldOutForSpecifiedInstance",
      match: (p) => (p.InstanceIds as string[]).includes(victim),
    });
    const first = await runFunction<OfficeHoursReport>(
      "office-hours",
      emu,
      {},
      {},
      { now: cst("2026-11-30T09:05:00") },
    );
    expect(first.report.errors).toEqual([
      expect.objectContaining({
        id: victim,
        code: "ResourceInsufficient.ZoneSoldOutForSpecifiedInstance",
        requestId: expect.any(String),
      }),
    ]);
    expect(state(emu, victim)).toBe("STOPPED");
    // The others of its batch started: the refusal was isolated to the one instance.
    for (const i of f.dev.filter((x) => x.InstanceId !== victim)) expect(state(emu, i.InstanceId)).toBe("RUNNING");
    emu.faults.clear(); // capacity is back
    const next = await runFunction<OfficeHoursReport>("office-hours", emu, {}, {}, { now: cst("2026-11-30T09:10:00") });
    expect(next.report.errors).toEqual([]);
    expect(state(emu, victim)).toBe("RUNNING");
  });

  it("the blast-radius guard holds a run back by count", async () => {
    const emu = await emulator();
    fleet(emu);
    const { report } = await runFunction<OfficeHoursReport>(
      "office-hours",
      emu,
      { OFFICE_HOURS_MAX_COUNT: "2" },
      {},
      { now: cst("2026-11-30T09:05:00") },
    );
    expect(report.guard).toMatchObject({ tripped: true, wouldAct: 3, limit: 2 });
    expect(report.outcomes["skipped-by-guard"]).toBe(3);
    expect(emu.callsFor("StartInstances")).toEqual([]);
  });
});
