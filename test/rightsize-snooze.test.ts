/**
 * rightsize and a snooze: a resize stops the machine for minutes, and `autopilot:snooze-until` (or
 * the page of a link that wrote it) told its owner it keeps running until then. A snoozed machine
 * is proposed, not resized; a snooze written while the run works on other machines withdraws its
 * stop; a resize already begun is finished, which brings the machine back running.
 */
import { describe, expect, it } from "vitest";
import type { RunReport } from "../lib/report/report.ts";
import type { Emulator } from "../emulator/server.ts";
import { RunTime } from "../functions/rightsize/pace.ts";
import { resizeOne } from "../functions/rightsize/apply.ts";
import { KINDS, RESIZING_TAG } from "../functions/rightsize/plan.ts";
import { instantTag, SNOOZE_TAG } from "../lib/snooze/snooze.ts";
import { runFunction } from "./helpers/functions.ts";
import { APPLY, APPLY_TAG, big, decision, GZ, whenArrives } from "./helpers/rightsize.ts";
import { clientFor, emulator } from "./helpers/world.ts";

const ALL_DAY = { RIGHTSIZE_WINDOW: "00:00-24:00", RIGHTSIZE_MAX_FRACTION: "1", REGIONS: GZ };
const HOUR = 3600_000;
const WRITES = new Set(["StopInstances", "ResetInstancesType", "StartInstances", "TagResources"]);
const snooze = (emu: Emulator, ms: number) => ({ Key: SNOOZE_TAG, Value: instantTag(emu.state.now() + ms) });
const actions = (emu: Emulator) => emu.calls.filter((c) => c.action !== "DescribeInstances").map((c) => c.action);
const writesFor = (emu: Emulator, id: string) =>
  emu.calls.filter((c) => WRITES.has(c.action ?? "") && JSON.stringify(c.params).includes(id));

describe("rightsize keeps a snooze's promise", () => {
  it("proposes a snoozed machine and resizes it once the snooze has passed", async () => {
    const emu = await emulator();
    const inst = big(emu, [APPLY, snooze(emu, 2 * HOUR)]);
    const held = await runFunction<RunReport>("rightsize", emu, ALL_DAY);
    expect(held.report.byRegion[GZ]!.byKind).toEqual({ [KINDS.snoozed]: 1 });
    expect(held.report.kept[0]).toMatchObject({ id: inst.InstanceId, reason: expect.stringMatching(/snoozed until/) });
    expect(writesFor(emu, inst.InstanceId)).toEqual([]);
    expect(inst).toMatchObject({ InstanceType: "S5.2XLARGE16", InstanceState: "RUNNING" });
    // Past its time the tag holds nothing back.
    inst.Tags = [APPLY, snooze(emu, -HOUR)];
    const after = await runFunction<RunReport>("rightsize", emu, ALL_DAY);
    expect(after.report.outcomes).toMatchObject({ done: 1 });
    expect(inst).toMatchObject({ InstanceType: "S5.MEDIUM4", InstanceState: "RUNNING" });
  });

  it("holds back a machine whose snooze tag is not a time with its zone, never guessing at it", async () => {
    const emu = await emulator();
    const inst = big(emu, [APPLY, { Key: SNOOZE_TAG, Value: "tomorrow" }]);
    const { report } = await runFunction<RunReport>("rightsize", emu, ALL_DAY);
    expect(report.byRegion[GZ]!.byKind).toEqual({ [KINDS["bad-snooze-tag"]]: 1 });
    expect(writesFor(emu, inst.InstanceId)).toEqual([]);
  });

  it("withdraws a stop when the owner snoozes the machine while the run resizes another", async () => {
    const emu = await emulator();
    const first = big(emu, [APPLY]);
    const second = big(emu, [APPLY]);
    // As the first machine's stop arrives, the second's owner presses "keep running".
    whenArrives(emu, "StopInstances", () => {
      second.Tags = [APPLY, snooze(emu, 2 * HOUR)];
    });
    const { report } = await runFunction<RunReport>("rightsize", emu, ALL_DAY);
    const outcome = (id: string) => report.results.find((r) => r.id === id);
    expect(outcome(first.InstanceId)).toMatchObject({ outcome: "done" });
    expect(outcome(second.InstanceId)).toMatchObject({ outcome: "changed-under-us", code: "Rightsize.Snoozed" });
    expect(writesFor(emu, second.InstanceId)).toEqual([]);
    expect(second).toMatchObject({ InstanceType: "S5.2XLARGE16", InstanceState: "RUNNING" });
  });

  it.each([
    ["the apply tag taken off", [] as Array<{ Key: string; Value: string }>, "Rightsize.ApplyTagRemoved"],
    ["a snooze that is not a time", [APPLY, { Key: SNOOZE_TAG, Value: "soon" }], "Rightsize.BadSnoozeTag"],
  ])("withdraws a planned stop on %s since the plan", async (_, tags, code) => {
    const emu = await emulator();
    const inst = big(emu, tags);
    const { client } = clientFor(emu);
    const d = decision(inst.InstanceId, { zone: inst.Placement.Zone });
    const out = await resizeOne(client, d, new RunTime(async () => {}, Date.now()), APPLY_TAG);
    expect(out).toEqual({ status: "changed-under-us", code });
    expect(actions(emu)).toEqual([]);
  });

  it("finishes a resize it began, snooze or not: the machine comes back running at its new type", async () => {
    const emu = await emulator();
    const inst = big(emu, [APPLY, snooze(emu, 2 * HOUR), { Key: RESIZING_TAG, Value: "S5.2XLARGE16>S5.MEDIUM4" }]);
    inst.InstanceState = "STOPPED";
    const { report } = await runFunction<RunReport>("rightsize", emu, ALL_DAY);
    expect(report.byRegion[GZ]!.byKind).toEqual({ [KINDS.resume]: 1 });
    expect(report.outcomes).toMatchObject({ done: 1 });
    expect(emu.callsFor("StopInstances")).toEqual([]);
    expect(inst).toMatchObject({ InstanceType: "S5.MEDIUM4", InstanceState: "RUNNING" });
  });
});
