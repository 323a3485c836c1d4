/**
 * How a resize ends when its reset fails or the owner moved first: a reset refused outright, or
 * failing with server faults; a start-back that fails; a stop refused because the machine moved;
 * a stop held back after the tag. Found by an attack on the evidence rule (5d71405); each case
 * failed there.
 */
import { describe, expect, it } from "vitest";
import { RunTime } from "../functions/rightsize/pace.ts";
import { resizeOne } from "../functions/rightsize/apply.ts";
import { progressOf, RESIZING_TAG } from "../functions/rightsize/plan.ts";
import { utcSeconds } from "../lib/utc-seconds.ts";
import { APPLY, APPLY_TAG, big, decision, GZ, whenArrives, ZERO, outOfStock } from "./helpers/rightsize.ts";
import { clientFor, emulator, emulatorClock } from "./helpers/world.ts";

const FROM = "S5.2XLARGE16";
const TO = "S5.MEDIUM4";
const tag = (inst: { Tags?: Array<{ Key: string; Value: string }> }, key: string) =>
  inst.Tags?.find((t) => t.Key === key)?.Value;
const acted = (emu: { calls: Array<{ action?: string }> }) =>
  emu.calls.map((c) => c.action).filter((a) => a === "ResetInstancesType" || a === "StartInstances");
/** A run outside the window, so only a resize begun is taken up. */
const _outside = () => {
  const h = new Date().getUTCHours();
  return { RIGHTSIZE_WINDOW: `${(h + 2) % 24}:00-${(h + 3) % 24}:00`, RIGHTSIZE_MAX_FRACTION: "1", REGIONS: GZ };
};

describe("rightsize: resetFailed", () => {
  it("a start-back that fails says the machine is left stopped, and keeps the records of the stop", async () => {
    const emu = await emulator({ timings: ZERO });
    const { client } = clientFor(emu);
    const inst = big(emu, [APPLY]);
    outOfStock(emu);
    emu.faults.add({ action: "StartInstances", kind: "error", code: "InternalError", count: 20 });
    const out = await resizeOne(client, decision(inst.InstanceId), new RunTime(async () => {}, Date.now()), APPLY_TAG);
    const now = emu.state.settle(inst);
    expect(now).toMatchObject({ InstanceType: FROM, InstanceState: "STOPPED" });
    // Either the report says the machine is still stopped, or the tags let the next run take it up.
    const honest = !/started back/.test(JSON.stringify(out));
    const takenUp = progressOf(tag(now, RESIZING_TAG)) !== undefined;
    expect({ honest, takenUp }).not.toEqual({ honest: false, takenUp: false });
  });
});

describe("rightsize: a stop of ours with no answer", () => {
  it("a reset refused outright while our stop has no answer: the start-back waits out the stop's window", async () => {
    const emu = await emulator({ timings: ZERO });
    const { client } = clientFor(emu, { timeoutMs: 300, clock: emulatorClock(emu) });
    const inst = big(emu, [APPLY]);
    let ownerStopped = false;
    emu.faults.add({
      action: "StopInstances",
      kind: "slow",
      count: 1,
      delayMs: 10_000,
      until: () => {
        // As our stop is held on the way, office-hours (or the owner) stops the machine; ours
        // arrives once the machine was started back.
        if (!ownerStopped) {
          ownerStopped = true;
          inst.InstanceState = "STOPPED";
        }
        return emu.callsFor("StartInstances").length > 0 && inst.InstanceState === "RUNNING";
      },
    });
    outOfStock(emu);
    // Waits move the emulator's clock too: the start-back waits out our stop's window, and the
    // held stop then arrives expired (the API refuses a request signed over 5 minutes before).
    const run = new RunTime(async (ms) => void emu.advance(ms), Date.now());
    const out = await resizeOne(client, decision(inst.InstanceId), run, APPLY_TAG);
    await new Promise((r) => setTimeout(r, 100));
    expect(JSON.stringify(out)).toMatch(/started back/);
    // docs: for 6 minutes after a stop with no answer no start is sent. The report says started back.
    expect(emu.state.settle(inst)).toMatchObject({ InstanceType: FROM, InstanceState: "RUNNING" });
  });
});

describe("rightsize: a stop of ours refused as the machine moved", () => {
  it("a stop refused because its owner stopped the machine first is not taken for ours: left stopped", async () => {
    const emu = await emulator({ timings: ZERO });
    const { client } = clientFor(emu);
    const inst = big(emu, [APPLY]);
    // The owner's stop lands between our last look and our stop: ours is refused (the machine moved).
    whenArrives(emu, "StopInstances", () => {
      inst.InstanceState = "STOPPED";
    });
    const out = await resizeOne(client, decision(inst.InstanceId), new RunTime(async () => {}, Date.now()), APPLY_TAG);
    expect(emu.callsFor("StopInstances")).toHaveLength(1);
    // No stop of ours was carried out: the machine is the owner's to keep stopped.
    expect(acted(emu)).toEqual([]);
    expect(out).toMatchObject({ status: "changed-under-us", code: "Rightsize.StoppedByOwner" });
  });
});

describe("rightsize: a transient fault after our stop", () => {
  it("a reset failing with server faults is tried again within the resize's time", async () => {
    const emu = await emulator({ timings: ZERO });
    const { client } = clientFor(emu);
    const inst = big(emu, [APPLY]);
    // A server fault for a few seconds: the client's four tries, then the API answers again.
    emu.faults.add({ action: "ResetInstancesType", kind: "error", code: "InternalError", count: 4 });
    const out = await resizeOne(client, decision(inst.InstanceId), new RunTime(async () => {}, Date.now()), APPLY_TAG);
    // The run had 12 minutes left: the reset is tried again within them, not left for tomorrow.
    expect({ status: out.status, machine: emu.state.settle(inst).InstanceState }).toEqual({
      status: "done",
      machine: "RUNNING",
    });
  });
});

describe("rightsize: a reset copy that lands late", () => {
  it("a reset whose first copy lands late, after the client's re-send, is waited for and finished (no start-back)", async () => {
    const emu = await emulator({ timings: { ...ZERO, resizeMs: 60_000 } });
    const { client } = clientFor(emu, { timeoutMs: 300 });
    const inst = big(emu, [APPLY]);
    // The first copy is held past the client's timeout and carried out once the re-send has arrived.
    emu.faults.add({
      action: "ResetInstancesType",
      kind: "slow",
      count: 1,
      delayMs: 5000,
      until: () => emu.callsFor("ResetInstancesType").length >= 2,
    });
    const run = new RunTime(async (ms) => emu.advance(ms), Date.now());
    const out = await resizeOne(client, decision(inst.InstanceId), run, APPLY_TAG);
    expect(out.status).toBe("done");
    expect(emu.callsFor("StartInstances")).toEqual([]);
    expect(emu.state.settle(inst)).toMatchObject({ InstanceType: TO, InstanceState: "RUNNING" });
  });
});

describe("rightsize: a stop held back after the progress tag", () => {
  it("a stop held back after the tag keeps the record of an earlier done", async () => {
    const emu = await emulator({ timings: ZERO });
    const { client } = clientFor(emu);
    // Resized to S5.2XLARGE16 two days ago: only the hours since count (resizedAt).
    const done = `done>${FROM}@${utcSeconds(emu.state.now() - 2 * 86_400_000)}`;
    const inst = big(emu, [APPLY, { Key: RESIZING_TAG, Value: done }]);
    // As our progress tag is written, the owner takes the apply tag off: the stop is held back.
    whenArrives(emu, "TagResources", () => {
      inst.Tags = (inst.Tags ?? []).filter((t) => t.Key !== APPLY.Key);
    });
    const out = await resizeOne(client, decision(inst.InstanceId), new RunTime(async () => {}, Date.now()), APPLY_TAG);
    expect(out).toMatchObject({ status: "changed-under-us", code: "Rightsize.ApplyTagRemoved" });
    expect(emu.callsFor("StopInstances")).toEqual([]);
    // docs: ended without done, a stop not sent: "what it said before" is written back.
    expect(tag(inst, RESIZING_TAG)).toBe(done);
  });
});
