/**
 * office-hours over time, as a user in China finds it: runs every five minutes across a morning
 * and an evening when the cloud refuses, then relents. A refused start or stop is retried at
 * every run while the schedule wants it, and every refused run is an error; a machine nobody
 * touched is never labelled "changed by hand"; one somebody did touch is, from the state tag.
 */
import { describe, expect, it } from "vitest";
import type { Emulator } from "../../emulator/server.ts";
import type { OfficeHoursReport } from "../../functions/office-hours/index.ts";
import { runFunction } from "../helpers/functions.ts";
import { emulator } from "../helpers/world.ts";

const GZ = "ap-guangzhou";
const TAG = [{ Key: "autopilot:office-hours", Value: "office" }];
const cst = (local: string) => () => new Date(`${local}+08:00`);
const state = (emu: Emulator, id: string) => emu.state.settle(emu.state.instances.get(id)!).InstanceState;
const lastTag = (emu: Emulator, id: string) =>
  emu.state.instances
    .get(id)!
    .Tags?.find((t) => t.Key === "autopilot:office-hours-last")
    ?.Value?.replace(/ seal=\S+$/, "");
const byHand = (r: OfficeHoursReport) =>
  r.kept.filter((k) => k.kind === "changed by hand since our last action").map((k) => k.id);

/** Runs office-hours at a Beijing wall-clock time; the emulator's clock moves on so starts and stops complete. */
async function runAt(emu: Emulator, local: string) {
  const { report } = await runFunction<OfficeHoursReport>("office-hours", emu, {}, {}, { now: cst(local) });
  emu.advance(10_000);
  return report;
}

describe("office-hours when the cloud refuses, then relents", () => {
  it("a start refused for capacity at 09:00, 09:05 and 09:10 is retried each run, reported each time, and lands at 09:15", async () => {
    const emu = await emulator();
    const victim = emu.state.addInstance({
      Region: GZ,
      InstanceName: "dev-victim",
      InstanceState: "STOPPED",
      Tags: TAG,
    }).InstanceId;
    const other = emu.state.addInstance({
      Region: GZ,
      InstanceName: "dev-other",
      InstanceState: "STOPPED",
      Tags: TAG,
    }).InstanceId;
    emu.faults.add({
      action: "StartInstances",
      kind: "error",
      code: "ResourceInsufficient.ZoneSoldOutForSpecifiedInstance",
      match: (p) => (p.InstanceIds as string[]).includes(victim),
    });

    for (const t of ["09:00", "09:05", "09:10"]) {
      const r = await runAt(emu, `2026-11-30T${t}:00`);
      // Each refused run is an error naming the instance and its RequestId, so the run fails and notifies.
      expect(r.errors, t).toEqual([
        expect.objectContaining({
          id: victim,
          code: "ResourceInsufficient.ZoneSoldOutForSpecifiedInstance",
          requestId: expect.any(String),
        }),
      ]);
      expect(byHand(r), t).toEqual([]);
      expect(state(emu, victim), t).toBe("STOPPED");
      expect(r.results.find((x) => x.id === victim)?.kind, t).toBe(
        t === "09:00" ? "hours begin: start" : "retry of a failed action",
      );
    }
    // The refusal was isolated: the other machine of its batch started at the first run and stays as scheduled.
    expect(state(emu, other)).toBe("RUNNING");
    expect(lastTag(emu, other)).toBe("start@2026-11-30T01:00Z");
    // The first failure's time is kept: a retry that fails again writes no new tag value.
    expect(lastTag(emu, victim)).toBe("start-failed@2026-11-30T01:00Z");

    emu.faults.clear(); // capacity is back
    const back = await runAt(emu, "2026-11-30T09:15:00");
    expect(back.errors).toEqual([]);
    expect(state(emu, victim)).toBe("RUNNING");
    expect(lastTag(emu, victim)).toBe("start@2026-11-30T01:15Z");
    const after = await runAt(emu, "2026-11-30T09:20:00");
    expect(after.outcomes.done + after.outcomes.planned).toBe(0);
    expect(byHand(after)).toEqual([]);
  });

  it("a stop refused with InternalError at 19:00-19:10 is retried for every machine of the batch, and lands at 19:15", async () => {
    const emu = await emulator();
    const ids = [0, 1].map(
      (i) =>
        emu.state.addInstance({ Region: GZ, InstanceName: `dev-${i}`, InstanceState: "STOPPED", Tags: TAG }).InstanceId,
    );
    await runAt(emu, "2026-11-30T09:05:00");
    for (const id of ids) expect(state(emu, id)).toBe("RUNNING");
    // The whole batch is refused (InternalError is not one instance's fault), so both are refused.
    emu.faults.add({ action: "StopInstances", kind: "error", code: "InternalError" });
    for (const t of ["19:00", "19:05", "19:10"]) {
      const r = await runAt(emu, `2026-11-30T${t}:00`);
      expect(r.errors.map((e) => [e.id, e.code]).sort(), t).toEqual(ids.map((id) => [id, "InternalError"]).sort());
      expect(byHand(r), t).toEqual([]);
    }
    emu.faults.clear();
    const r = await runAt(emu, "2026-11-30T19:15:00");
    expect(r.errors).toEqual([]);
    for (const id of ids) expect(state(emu, id)).toBe("STOPPED");
    expect(byHand(await runAt(emu, "2026-11-30T21:00:00"))).toEqual([]);
  });

  it("a machine with no tag of ours is judged by the schedule; one changed by hand after our action is labelled so, from the tag", async () => {
    const emu = await emulator();
    // Started by someone before office-hours ever ran: no record of ours.
    const unknown = emu.state.addInstance({
      Region: GZ,
      InstanceName: "dev-new",
      InstanceState: "RUNNING",
      Tags: TAG,
    }).InstanceId;
    const night = await runAt(emu, "2026-11-30T23:00:00");
    expect(byHand(night)).toEqual([]);
    expect(night.results.find((x) => x.id === unknown)).toMatchObject({ action: "stop", outcome: "done" });
    expect(state(emu, unknown)).toBe("STOPPED");
    // Now someone starts it by hand at 23:30: our last action (the stop) says otherwise.
    emu.state.instances.get(unknown)!.InstanceState = "RUNNING";
    const later = await runAt(emu, "2026-11-30T23:30:00");
    expect(byHand(later)).toEqual([unknown]);
    expect(state(emu, unknown)).toBe("RUNNING");
    // The next morning hours begin: as scheduled, nothing to do; in the evening it is stopped again.
    expect((await runAt(emu, "2026-12-01T09:05:00")).outcomes.done).toBe(0);
    await runAt(emu, "2026-12-01T19:05:00");
    expect(state(emu, unknown)).toBe("STOPPED");
  });

  it("a role without tag:TagResources: the start stands, and the run fails with an error that names the permission", async () => {
    const emu = await emulator();
    const id = emu.state.addInstance({ Region: GZ, InstanceState: "STOPPED", Tags: TAG }).InstanceId;
    emu.faults.add({
      action: "TagResources",
      kind: "error",
      code: "AuthFailure.UnauthorizedOperation",
      message: "you are not authorized to perform operation (tag:TagResources)",
    });
    const r = await runAt(emu, "2026-11-30T09:05:00");
    expect(state(emu, id)).toBe("RUNNING");
    expect(r.results[0]).toMatchObject({ id, outcome: "done" });
    expect(r.errors).toEqual([
      expect.objectContaining({
        id,
        action: "TagResources",
        code: "AuthFailure.UnauthorizedOperation",
        requestId: expect.any(String),
      }),
    ]);
    expect(r.errors[0]!.message).toContain("the functions' role needs tag:TagResources");
  });
});
