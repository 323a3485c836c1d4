/**
 * rightsize against its owner and its own leftovers: a machine the owner stopped, snoozed, opted
 * out or retyped while a run was at work; the tags a resize that ended without done leaves; the
 * run's time. Each case failed on 798a1ee (found by an attack on that change).
 */
import { describe, expect, it } from "vitest";
import type { Emulator } from "../emulator/server.ts";
import { RunTime } from "../functions/rightsize/pace.ts";
import { resizeOne } from "../functions/rightsize/apply.ts";
import { KINDS, RESIZING_TAG, STOP_KEY_PREFIX } from "../functions/rightsize/plan.ts";
import type { RunReport } from "../lib/report/report.ts";
import { instantTag, SNOOZE_TAG } from "../lib/snooze/snooze.ts";
import { runFunction } from "./helpers/functions.ts";
import { afterOurStop, APPLY, APPLY_TAG, big, decision, GZ, stopKeys, whenArrives, ZERO } from "./helpers/rightsize.ts";
import { clientFor, emulator, emulatorClock } from "./helpers/world.ts";

const HOUR = 3600_000;
const acted = (emu: Emulator) =>
  emu.calls.map((c) => c.action).filter((a) => a === "ResetInstancesType" || a === "StartInstances");

describe("rightsize: a machine stopped by its owner, not by a resize", () => {
  it("is not reset and started when the owner stopped it, snoozed it and took the apply tag off after the plan", async () => {
    const emu = await emulator({ timings: ZERO });
    // Running at plan time; then, while the run resizes other machines, its owner stops it by hand,
    // snoozes it and takes the apply tag off. No progress tag: no resize of ours ever began on it.
    const inst = big(emu, [{ Key: SNOOZE_TAG, Value: instantTag(emu.state.now() + 2 * HOUR) }]);
    inst.InstanceState = "STOPPED";
    const { client } = clientFor(emu);
    const out = await resizeOne(client, decision(inst.InstanceId), new RunTime(async () => {}, Date.now()), APPLY_TAG);
    // docs: "A resize already begun (the machine stopped by it) is finished whatever the snooze";
    // this one was not begun, and the apply tag is gone: it should be left as its owner left it.
    expect(acted(emu)).toEqual([]);
    expect(out.status).toBe("changed-under-us");
    expect(emu.state.settle(inst)).toMatchObject({ InstanceType: "S5.2XLARGE16", InstanceState: "STOPPED" });
  });
});

describe("rightsize: a snooze written while the stop's tag is written", () => {
  it("holds the stop back: the snooze came before the stop was sent", async () => {
    const emu = await emulator({ timings: ZERO });
    const inst = big(emu, [APPLY]);
    // The owner clicks "keep running" while our progress tag is being written (a second or two,
    // under the 20 s after which the tag is written again and the machine read again).
    whenArrives(emu, "TagResources", () => {
      inst.Tags = [...(inst.Tags ?? []), { Key: SNOOZE_TAG, Value: instantTag(emu.state.now() + 2 * HOUR) }];
    });
    const { client } = clientFor(emu);
    const out = await resizeOne(client, decision(inst.InstanceId), new RunTime(async () => {}, Date.now()), APPLY_TAG);
    expect(emu.callsFor("StopInstances")).toEqual([]);
    expect(out).toMatchObject({ status: "changed-under-us", code: "Rightsize.Snoozed" });
  });
});

describe("rightsize: stop keys", () => {
  it("leaves no stop key behind when the owner starts the machine again and snoozes it after our stop", async () => {
    const emu = await emulator({ timings: ZERO });
    const inst = big(emu, [APPLY]);
    // Our stop is answered; before our reset the owner starts the machine again and snoozes it
    // (working late): the next stop is held back (Rightsize.Snoozed), rightly.
    afterOurStop(emu, () => {
      emu.state.settle(inst);
      inst.InstanceState = "RUNNING";
      inst.Tags = [...(inst.Tags ?? []), { Key: SNOOZE_TAG, Value: instantTag(emu.state.now() + 2 * HOUR) }];
    });
    const { client } = clientFor(emu);
    const out = await resizeOne(client, decision(inst.InstanceId), new RunTime(async () => {}, Date.now()), APPLY_TAG);
    expect(out).toMatchObject({ status: "changed-under-us", code: "Rightsize.Snoozed" });
    // The resize is over (held back); its key stays for good, and the next resize adds another.
    expect(stopKeys(inst)).toEqual([]);
  });

  it("a machine with 49 tags is not stopped: a first resize needs two free tags (its progress tag and its stop key)", async () => {
    const emu = await emulator({ timings: ZERO });
    const others = Array.from({ length: 48 }, (_, i) => ({ Key: `team:label-${i}`, Value: "x" }));
    const inst = big(emu, [APPLY, ...others]);
    const { client } = clientFor(emu);
    const out = await resizeOne(client, decision(inst.InstanceId), new RunTime(async () => {}, Date.now()), APPLY_TAG);
    // The tags are written before the stop, in one call: refused past 50, nothing is stopped.
    expect(out).toMatchObject({ status: "failed", code: "LimitExceeded.ResourceAttachedTags" });
    expect(emu.callsFor("StopInstances")).toEqual([]);
    expect(emu.state.settle(inst)).toMatchObject({ InstanceType: "S5.2XLARGE16", InstanceState: "RUNNING" });
    // With 48 it is resized.
    inst.Tags = inst.Tags!.filter((t) => t.Key !== "team:label-0");
    const again = await resizeOne(
      client,
      decision(inst.InstanceId),
      new RunTime(async () => {}, Date.now()),
      APPLY_TAG,
    );
    expect(again).toMatchObject({ status: "done" });
  });

  it("leaves no stop key behind when the owner changes the type after our (answered) stop", async () => {
    const emu = await emulator({ timings: ZERO });
    const inst = big(emu, [APPLY]);
    // Our stop is answered; as it lands, the owner gives the machine another type in the console.
    whenArrives(emu, "StopInstances", () => {
      inst.InstanceType = "S5.LARGE8";
    });
    const { report } = await runFunction<RunReport>("rightsize", emu, {
      RIGHTSIZE_WINDOW: "00:00-24:00",
      RIGHTSIZE_MAX_FRACTION: "1",
      REGIONS: GZ,
    });
    expect(report.outcomes).toMatchObject({ "changed-under-us": 1 });
    // docs: "The record of done removes every such key": there is no done here, and nothing else
    // ever removes the key; each such resize costs the machine one of its 50 tags for good.
    expect(stopKeys(inst)).toEqual([]);
  });
});

describe("rightsize: a progress tag left by a held-back stop", () => {
  it("a later run does not reset and start a machine its owner opted out and stopped for the night", async () => {
    const emu = await emulator({ timings: ZERO });
    const inst = big(emu, [APPLY]);
    // Run 1: our stop is answered; before our reset the owner starts the machine again and takes
    // the apply tag off; the next stop is rightly held back (Rightsize.ApplyTagRemoved).
    afterOurStop(emu, () => {
      emu.state.settle(inst);
      inst.InstanceState = "RUNNING";
      inst.Tags = (inst.Tags ?? []).filter((t) => t.Key !== APPLY.Key);
    });
    const { client } = clientFor(emu);
    const out = await resizeOne(client, decision(inst.InstanceId), new RunTime(async () => {}, Date.now()), APPLY_TAG);
    expect(out).toMatchObject({ status: "changed-under-us", code: "Rightsize.ApplyTagRemoved" });
    // The progress tag stays. That evening office-hours (or the owner) stops the machine.
    emu.state.settle(inst);
    inst.InstanceState = "STOPPED";
    const before = emu.calls.length;
    const { report } = await runFunction<RunReport>("rightsize", emu, {
      RIGHTSIZE_WINDOW: "00:00-24:00",
      RIGHTSIZE_MAX_FRACTION: "1",
      REGIONS: GZ,
    });
    // Run 2 takes it for a resize of ours half done ("resume"): it changes the type of a machine
    // whose owner took the apply tag off, and starts a machine stopped for the night.
    const acts = emu.calls.slice(before).map((c) => c.action);
    expect(acts).not.toContain("ResetInstancesType");
    expect(acts).not.toContain("StartInstances");
    expect(emu.state.settle(inst)).toMatchObject({ InstanceType: "S5.2XLARGE16", InstanceState: "STOPPED" });
    expect(report.results.map((r) => r.kind)).not.toContain(KINDS.resume);
  });
});

describe("rightsize: a type its owner chose during a resize", () => {
  it("is judged afresh by the next run, not taken for a resize of ours half done every day", async () => {
    const emu = await emulator({ timings: ZERO });
    const inst = big(emu, [APPLY]);
    // Run 1: as our (answered) stop lands, the owner gives the machine another type and starts it.
    whenArrives(emu, "StopInstances", () => {
      inst.InstanceType = "S5.LARGE8";
    });
    const env = { RIGHTSIZE_WINDOW: "00:00-24:00", RIGHTSIZE_MAX_FRACTION: "1", REGIONS: GZ };
    const first = await runFunction<RunReport>("rightsize", emu, env);
    expect(first.report.outcomes).toMatchObject({ "changed-under-us": 1 });
    emu.state.settle(inst);
    inst.InstanceState = "RUNNING";
    // Run 2 (the next day): the progress tag names S5.2XLARGE16>S5.MEDIUM4 on an S5.LARGE8.
    const second = await runFunction<RunReport>("rightsize", emu, env);
    expect(second.report.results.map((r) => r.kind)).not.toContain(KINDS.resume);
  });
});

describe("rightsize: the run's time", () => {
  it("a resume with the run's time already spent says so, not a negative number of seconds", async () => {
    const emu = await emulator({ timings: ZERO });
    // Stopped by an earlier run's resize; this run spent 15 minutes listing a large fleet.
    const inst = big(emu, [APPLY, { Key: RESIZING_TAG, Value: "S5.2XLARGE16>S5.MEDIUM4@2026-01-01T00:00:00Z/abc123" }]);
    inst.InstanceState = "STOPPED";
    const { client } = clientFor(emu);
    const run = new RunTime(async () => {}, Date.now(), 15 * 60_000);
    const out = await resizeOne(client, decision(inst.InstanceId), run, APPLY_TAG);
    expect(out).toMatchObject({ status: "failed" });
    expect((out as { message?: string }).message).not.toMatch(/-\d+ s/);
  });
});

describe("rightsize: a resize begun with just over 4 minutes left", () => {
  it("does not leave the machine stopped until the next day's run", async () => {
    // The emulator's resize as test/rightsize.test.ts models it: a 20 s stop and a 240 s reset.
    const emu = await emulator({
      timings: { stopMs: 20_000, startMs: 0, syncMs: 0, bindMs: 0, functionMs: 0, resizeMs: 240_000 },
    });
    const inst = big(emu, [APPLY]);
    const { client } = clientFor(emu, { clock: emulatorClock(emu) });
    // The run spent 9 min 50 s listing, measuring and pricing: 4 min 10 s left, over BEGIN_WITHIN_MS.
    const run = new RunTime(async (ms) => void emu.advance(ms), emu.state.now(), 9 * 60_000 + 50_000);
    const out = await resizeOne(client, decision(inst.InstanceId), run, APPLY_TAG);
    // Begun, then given up (Timeout) mid-reset: "the next run takes it up" — the schedule is daily
    // (0 19 * * *), so the machine stays down about 24 hours.
    expect(out.status === "done" || emu.state.settle(inst).InstanceState === "RUNNING").toBe(true);
  });
});

describe("rightsize: a resume outside the window", () => {
  it("does not stop a running machine outside the window because a held-back resize left its progress tag", async () => {
    const emu = await emulator({ timings: ZERO });
    // A resize stopped it; its owner started it again at the old type and snoozed it; that run's
    // stop was then held back (Rightsize.Snoozed), leaving the progress tag. The snooze is over now.
    const inst = big(emu, [APPLY, { Key: RESIZING_TAG, Value: "S5.2XLARGE16>S5.MEDIUM4@2026-01-01T00:00:00Z/abc123" }]);
    expect(inst.InstanceState).toBe("RUNNING");
    // The window does not include now: a resize of a running machine must wait for it.
    const h = new Date(emu.state.now()).getUTCHours();
    const window = `${String((h + 3) % 24).padStart(2, "0")}:00-${String((h + 4) % 24).padStart(2, "0")}:00`;
    const { report } = await runFunction<RunReport>("rightsize", emu, {
      RIGHTSIZE_WINDOW: window,
      RIGHTSIZE_TIMEZONE: "UTC",
      RIGHTSIZE_MAX_FRACTION: "1",
      REGIONS: GZ,
    });
    // docs: "the next run finishes that resize whatever the window says — the machine is down";
    // this machine is not down: stopping it now is a stop outside the window its owner chose.
    expect(emu.callsFor("StopInstances")).toEqual([]);
    expect(report.outcomes.done ?? 0).toBe(0);
  });
});

describe("rightsize: more than 10 stop keys (UnTagResources takes 10 keys a call)", () => {
  it("removes every old stop key at done, in calls of 10 keys, and waits for none of them", async () => {
    const emu = await emulator({ timings: ZERO });
    const old = Array.from({ length: 23 }, (_, i) => ({
      Key: `${STOP_KEY_PREFIX}old${i}`,
      Value: "2026-01-01T00:00:00Z",
    }));
    const inst = big(emu, [APPLY, ...old]);
    const { client } = clientFor(emu);
    let slept = 0;
    const run = new RunTime(async (ms) => void (slept += ms), Date.now());
    const out = await resizeOne(client, decision(inst.InstanceId), run, APPLY_TAG);
    expect(out).toMatchObject({ status: "done" });
    expect(stopKeys(inst)).toEqual([]);
    expect(emu.callsFor("UnTagResources")).toHaveLength(3);
    expect(slept).toBeLessThan(60_000);
  });
});

describe("rightsize: a stop key dated far ahead (a hand edit, a host clock running ahead)", () => {
  it("is waited for no longer than 6 minutes from first sight, and removed at done", async () => {
    const emu = await emulator({ timings: ZERO });
    const inst = big(emu, [APPLY, { Key: `${STOP_KEY_PREFIX}ahead1`, Value: "2099-01-01T00:00:00Z" }]);
    const { client } = clientFor(emu, { clock: emulatorClock(emu) });
    let slept = 0;
    const run = new RunTime(async (ms) => {
      emu.advance(ms);
      slept += ms;
    }, emu.state.now());
    const out = await resizeOne(client, decision(inst.InstanceId), run, APPLY_TAG);
    expect(out).toMatchObject({ status: "done" });
    expect(slept).toBeGreaterThanOrEqual(6 * 60_000);
    expect(slept).toBeLessThan(7 * 60_000);
    expect(stopKeys(inst)).toEqual([]);
  });
});
