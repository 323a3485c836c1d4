/**
 * rightsize acts on a machine it finds stopped only on evidence that a resize stopped it: this
 * resize's stop, a stop key marked stopped once its stop was answered, an old-format `FROM>TO`, or
 * another run's stop that may just have landed. A tag written before a stop that was never sent
 * is no evidence. Found by an attack on a90af6c; each case failed there.
 */
import { describe, expect, it } from "vitest";
import type { Emulator } from "../emulator/server.ts";
import { RunTime } from "../functions/rightsize/pace.ts";
import { resizeOne } from "../functions/rightsize/apply.ts";
import { progressOf, RESIZING_TAG, STOP_KEY_PREFIX } from "../functions/rightsize/plan.ts";
import { instantTag, SNOOZE_TAG } from "../lib/snooze/snooze.ts";
import { utcSeconds } from "../lib/utc-seconds.ts";
import { runFunction } from "./helpers/functions.ts";
import { APPLY, APPLY_TAG, big, decision, GZ, stopKeys, whenArrives, ZERO, outOfStock } from "./helpers/rightsize.ts";
import { clientFor, emulator } from "./helpers/world.ts";

const FROM = "S5.2XLARGE16";
const TO = "S5.MEDIUM4";
const tag = (inst: { Tags?: Array<{ Key: string; Value: string }> }, key: string) =>
  inst.Tags?.find((t) => t.Key === key)?.Value;
const acted = (emu: Emulator) =>
  emu.calls.map((c) => c.action).filter((a) => a === "ResetInstancesType" || a === "StartInstances");
const setTag = (inst: { Tags?: Array<{ Key: string; Value: string }> }, key: string, value: string) => {
  inst.Tags = [...(inst.Tags ?? []).filter((t) => t.Key !== key), { Key: key, Value: value }];
};

describe("rightsize: giveBack restores a progress tag that begun() takes as evidence", () => {
  it("a slow tag write, then the owner stops the machine: it is reset and started (its own first tag given back)", async () => {
    const emu = await emulator({ timings: ZERO });
    const inst = big(emu, [APPLY]);
    const run = new RunTime(async () => {}, Date.now());
    let n = 0;
    emu.faults.add({
      action: "TagResources",
      kind: "slow",
      count: 2,
      delayMs: 1,
      until: () => {
        n++;
        // First write: slow (25 s on the run's clock), so the tag is written again before the stop.
        if (n === 1) void run.sleep(25_000);
        // Second write: meanwhile the owner stops the machine by hand.
        if (n === 2) inst.InstanceState = "STOPPED";
        return true;
      },
    });
    const { client } = clientFor(emu);
    const out = await resizeOne(client, decision(inst.InstanceId), run, APPLY_TAG);
    // No stop of ours was ever sent: the owner's stop must stand (Rightsize.StoppedByOwner).
    expect(emu.callsFor("StopInstances")).toEqual([]);
    expect(acted(emu)).toEqual([]);
    expect(out).toMatchObject({ status: "changed-under-us", code: "Rightsize.StoppedByOwner" });
  });

  it("a stale FROM>TO tag (a run ended between its tag and its stop) is written back, and the owner's stop is undone", async () => {
    const emu = await emulator({ timings: ZERO });
    const old = utcSeconds(emu.state.now() - 3600_000);
    const inst = big(emu, [APPLY, { Key: RESIZING_TAG, Value: `${FROM}>${TO}@${old}/oldrun` }]);
    whenArrives(emu, "TagResources", () => {
      inst.InstanceState = "STOPPED"; // the owner stops it while our progress tag is written
    });
    const { client } = clientFor(emu);
    const out = await resizeOne(client, decision(inst.InstanceId), new RunTime(async () => {}, Date.now()), APPLY_TAG);
    expect(emu.callsFor("StopInstances")).toEqual([]);
    expect(acted(emu)).toEqual([]);
    expect(out).toMatchObject({ status: "changed-under-us", code: "Rightsize.StoppedByOwner" });
  });
});

describe("rightsize: two overlapping runs through the describe-after-tag", () => {
  it("the later-tagging run erases the earlier run's resize (refused>, its stop key removed) and says its owner stopped it", async () => {
    const emu = await emulator({ timings: ZERO });
    const inst = big(emu, [APPLY]);
    const keyA = `${STOP_KEY_PREFIX}runA00`;
    whenArrives(emu, "TagResources", () => {
      // Run A read the machine with ours, tagged just before us (its value is overwritten by
      // ours in a moment, its stop key stays), then read it again and sent its stop.
      const at = utcSeconds(emu.state.now());
      setTag(inst, RESIZING_TAG, `${FROM}>${TO}@${at}/runA00`);
      setTag(inst, keyA, at);
      inst.InstanceState = "STOPPED";
    });
    const { client } = clientFor(emu);
    const out = await resizeOne(client, decision(inst.InstanceId), new RunTime(async () => {}, Date.now()), APPLY_TAG);
    const after = emu.state.settle(inst);
    // Run A is now ended by its platform (or simply goes on): either way the machine was stopped by
    // a resize, not by its owner. Whatever B does, the fact a later run needs must survive, or the
    // machine is finished by B.
    const finishedByB = after.InstanceState === "RUNNING" && after.InstanceType === TO;
    const evidenceLeft = progressOf(tag(after, RESIZING_TAG)) !== undefined || stopKeys(after).includes(keyA);
    expect(finishedByB || evidenceLeft).toBe(true);
    expect(out).not.toMatchObject({ code: "Rightsize.StoppedByOwner" });
  });
});

describe("rightsize: a failed look after the progress tag", () => {
  it("leaves FROM>TO and its stop key on a running machine; when its owner stops it later, the next run resets and starts it", async () => {
    const emu = await emulator({ timings: ZERO });
    const inst = big(emu, [APPLY]);
    // The look after the tag fails (the run's first look succeeds): a server fault, every retry.
    emu.faults.add({ action: "DescribeInstances", kind: "error", code: "InternalError", after: 1, count: 20 });
    const { client } = clientFor(emu);
    const out = await resizeOne(client, decision(inst.InstanceId), new RunTime(async () => {}, Date.now()), APPLY_TAG);
    expect(out.status).toBe("failed");
    expect(emu.callsFor("StopInstances")).toEqual([]);
    // No stop was sent: nothing begun should be left behind...
    const leftover = { progress: tag(inst, RESIZING_TAG), keys: stopKeys(inst) };
    // ...and the evening the owner (or office-hours) stops it; the next run lists it by its tag key.
    emu.faults.clear();
    inst.InstanceState = "STOPPED";
    const next = await resizeOne(
      client,
      decision(inst.InstanceId, { kind: "resume" }),
      new RunTime(async () => {}, Date.now()),
      APPLY_TAG,
    );
    expect(acted(emu)).toEqual([]);
    expect(next).toMatchObject({ status: "changed-under-us", code: "Rightsize.StoppedByOwner" });
    expect({ underWay: progressOf(leftover.progress), keys: leftover.keys }).toEqual({ underWay: undefined, keys: [] });
  });
});

describe("rightsize: a reset refused outright", () => {
  it("starts the machine back at its old type, not left stopped until the next day", async () => {
    const emu = await emulator({ timings: ZERO });
    const inst = big(emu, [APPLY]);
    outOfStock(emu);
    const { client } = clientFor(emu);
    const out = await resizeOne(client, decision(inst.InstanceId), new RunTime(async () => {}, Date.now()), APPLY_TAG);
    expect(out).toMatchObject({ status: "failed", code: "ResourceInsufficient.SpecifiedInstanceType" });
    // We stopped it; the resize cannot go on: the machine should be running again at its old type.
    expect(emu.state.settle(inst)).toMatchObject({ InstanceType: FROM, InstanceState: "RUNNING" });
  });
});

describe("rightsize: a reset accepted whose operation fails", () => {
  it("is sent again at every poll (1 s apart) until the resize's 120 polls run out, the machine stopped all along", async () => {
    const emu = await emulator({ timings: ZERO });
    const inst = big(emu, [APPLY]);
    // The call is accepted (a RequestId) but the asynchronous operation fails: the machine stays
    // STOPPED at its old type (the real API then shows LatestOperationState FAILED).
    emu.faults.add({
      action: "ResetInstancesType",
      kind: "body",
      body: '{"Response":{"RequestId":"accepted-then-failed"}}',
    });
    const { client } = clientFor(emu);
    const out = await resizeOne(client, decision(inst.InstanceId), new RunTime(async () => {}, Date.now()), APPLY_TAG);
    const resets = emu.callsFor("ResetInstancesType").length;
    expect({ status: out.status, resets }).toEqual({ status: "failed", resets: expect.any(Number) });
    // A failed operation is not retried blindly: a few at most, then the machine is started back.
    expect(resets).toBeLessThanOrEqual(3);
    expect(emu.state.settle(inst)).toMatchObject({ InstanceType: FROM, InstanceState: "RUNNING" });
  });
});

describe("rightsize: a snooze seen after the tag, with another run's stop in flight", () => {
  it("removes the other run's stop key and writes refused> though that stop may still land", async () => {
    const emu = await emulator({ timings: ZERO });
    const inst = big(emu, [APPLY]);
    const keyB = `${STOP_KEY_PREFIX}runB00`;
    whenArrives(emu, "TagResources", () => {
      // Run B tagged just before us and sent its stop, which has no answer yet (in flight); then
      // the owner snoozes the machine. B's progress value is overwritten by ours; its key stays.
      const at = utcSeconds(emu.state.now());
      setTag(inst, RESIZING_TAG, `${FROM}>${TO}@${at}/runB00`);
      setTag(inst, keyB, at);
      setTag(inst, SNOOZE_TAG, instantTag(emu.state.now() + 7200_000));
    });
    const { client } = clientFor(emu);
    const out = await resizeOne(client, decision(inst.InstanceId), new RunTime(async () => {}, Date.now()), APPLY_TAG);
    expect(out).toMatchObject({ status: "changed-under-us", code: "Rightsize.Snoozed" });
    // docs: "a run waits for every other run's stop it finds there too (the earlier run may have
    // been ended by its platform with its stop out)": B's record must survive for 6 minutes, or
    // its late stop leaves the machine stopped with nothing saying a resize is under way.
    expect(stopKeys(inst)).toContain(keyB);
  });
});

describe("rightsize: a progress tag no stop followed, through a whole run", () => {
  it("a machine its owner stopped, snoozed and opted out is reset and started outside the window", async () => {
    const emu = await emulator({ timings: ZERO });
    // What a resize that never sent its stop leaves (its look after the tag failed, its slow tag
    // written again and the run ended, its run ended between tag and stop): FROM>TO@time/mark and
    // its key. Since then the owner took the apply tag off, snoozed the machine and stopped it.
    const old = utcSeconds(emu.state.now() - 2 * 86_400_000);
    const inst = emu.state.addInstance({
      Region: GZ,
      InstanceType: FROM,
      Tags: [
        { Key: RESIZING_TAG, Value: `${FROM}>${TO}@${old}/oldrun` },
        { Key: `${STOP_KEY_PREFIX}oldrun`, Value: old },
        { Key: SNOOZE_TAG, Value: instantTag(emu.state.now() + 7200_000) },
      ],
      profile: { cpu: 10, traffic: 1 },
    });
    inst.InstanceState = "STOPPED";
    const h = new Date().getUTCHours();
    const outside = {
      RIGHTSIZE_WINDOW: `${(h + 2) % 24}:00-${(h + 3) % 24}:00`,
      RIGHTSIZE_MAX_FRACTION: "1",
      REGIONS: GZ,
    };
    await runFunction("rightsize", emu, { ...outside, DRY_RUN: "false" });
    expect(acted(emu)).toEqual([]);
    expect(emu.state.settle(inst)).toMatchObject({ InstanceType: FROM, InstanceState: "STOPPED" });
  });
});

describe("rightsize: what held", () => {
  it("a resize begun by an older version (FROM>TO, no time) and stopped by it is finished", async () => {
    const emu = await emulator({ timings: ZERO });
    const inst = big(emu, [{ Key: RESIZING_TAG, Value: `${FROM}>${TO}` }]);
    inst.InstanceState = "STOPPED";
    const { client } = clientFor(emu);
    const out = await resizeOne(
      client,
      decision(inst.InstanceId, { kind: "resume" }),
      new RunTime(async () => {}, Date.now()),
      APPLY_TAG,
    );
    expect(out.status).toBe("done");
    expect(emu.state.settle(inst)).toMatchObject({ InstanceType: TO, InstanceState: "RUNNING" });
  });

  it("a run that finds the machine stopped by another run's answered stop (its key marked) finishes that resize", async () => {
    const emu = await emulator({ timings: ZERO });
    // Run A tagged 7 minutes ago (past its stop's window, so this run does not wait for it) and
    // was ended before its stop; this run reads A's tag, writes its own, and meanwhile A's retry
    // sends the stop (answered): the look after our tag finds the machine stopped.
    const seven = utcSeconds(emu.state.now() - 7 * 60_000);
    const keyA = `${STOP_KEY_PREFIX}runA00`;
    const inst = big(emu, [
      APPLY,
      { Key: RESIZING_TAG, Value: `${FROM}>${TO}@${seven}/runA00` },
      { Key: keyA, Value: seven },
    ]);
    whenArrives(emu, "TagResources", () => {
      inst.InstanceState = "STOPPED";
      setTag(inst, keyA, `${seven}/stopped`); // A's retry was answered: its key says so
    });
    const { client } = clientFor(emu);
    const out = await resizeOne(client, decision(inst.InstanceId), new RunTime(async () => {}, Date.now()), APPLY_TAG);
    // A's key records its stop, so the reset is taken for a resize begun: finished, no stop of ours.
    expect(out.status).toBe("done");
    expect(emu.callsFor("StopInstances")).toEqual([]);
    expect(emu.state.settle(inst)).toMatchObject({ InstanceType: TO, InstanceState: "RUNNING" });
  });
});
