/**
 * rightsize's stops that get no answer (a timeout, a dropped connection, a server fault): one may
 * still be carried out until its signature expires, 5 minutes after it was signed. Until then no
 * run sends a second stop, a start or the record of done, whatever else happens meanwhile: another
 * run, the owner, a slow tag write. Each case here left the machine stopped at its new type on an
 * earlier version (d464131, 22fd590 or 64cdbe1).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { FaultRule } from "../emulator/faults.ts";
import type { Emulator } from "../emulator/server.ts";
import { RunTime } from "../functions/rightsize/pace.ts";
import { resizeOne } from "../functions/rightsize/apply.ts";
import { STOP_IN_FLIGHT_MS } from "../functions/rightsize/stops-sent.ts";
import { RESIZING_TAG, type RightsizeDecision, STOP_KEY_PREFIX } from "../functions/rightsize/plan.ts";
import { tagInstances } from "../lib/runtime/instance-tags.ts";
import type { RunReport } from "../lib/report/report.ts";
import { runFunction } from "./helpers/functions.ts";
import { clientFor, emulator, emulatorClock } from "./helpers/world.ts";

const GZ = "ap-guangzhou";
const ALL_DAY = { RIGHTSIZE_WINDOW: "00:00-24:00", RIGHTSIZE_MAX_FRACTION: "1", REGIONS: GZ };
const APPLY = [{ Key: "autopilot:rightsize", Value: "apply" }];
const APPLY_TAG = { key: "autopilot:rightsize", value: "apply" };
const ZERO = { stopMs: 0, startMs: 0, syncMs: 0, bindMs: 0, functionMs: 0, resizeMs: 0 };
const big = (emu: Emulator, tags = APPLY) =>
  emu.state.addInstance({ Region: GZ, InstanceType: "S5.2XLARGE16", Tags: tags, profile: { cpu: 10, traffic: 1 } });
/** The stop keys left on a machine. */
const stopKeys = (inst: { Tags?: Array<{ Key: string }> }) =>
  (inst.Tags ?? []).map((t) => t.Key).filter((k) => k.startsWith(STOP_KEY_PREFIX));
/** The decision a run hands resizeOne, for the cases that drive it directly. */
const decision = (id: string) =>
  ({
    id,
    region: GZ,
    kind: "resize",
    reason: "test",
    action: "resize",
    detail: { zone: "ap-guangzhou-3", from: "S5.2XLARGE16", to: "S5.MEDIUM4" },
  }) as RightsizeDecision;

/** A fault on the resize's looks at the machine by id after its stop: the first two come before it (one before the tag, one after). */
const onLookById = (rule: Omit<FaultRule, "action">): FaultRule => ({
  action: "DescribeInstances",
  after: 2,
  match: (p) => Array.isArray(p.InstanceIds),
  ...rule,
});

/**
 * A machine whose first progress tag write takes `ms`, on one clock for all, as in production:
 * Date (faked, moving with real time) is the emulator's and the run's, moved by its sleeps.
 */
async function slowFirstTagWrite(ms: number) {
  vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
  const emu = await emulator({ timings: ZERO, now: () => Date.now() });
  const inst = big(emu);
  emu.faults.add({
    action: "TagResources",
    kind: "slow",
    count: 1,
    delayMs: 1000,
    until: () => {
      vi.setSystemTime(Date.now() + ms);
      return true;
    },
  });
  return { emu, inst };
}

/**
 * Run B's resize of the machine, its first `action` held until `released()`: returned once B is
 * held there (wrapped, so the caller awaits the hold, not the resize).
 */
async function runBHeldAt(emu: Emulator, id: string, action: string, released: () => boolean) {
  let held = false;
  emu.faults.add({
    action,
    kind: "slow",
    count: 1,
    delayMs: 600_000,
    until: () => {
      held = true;
      return released();
    },
  });
  const b = clientFor(emu, { timeoutMs: 5000, clock: emulatorClock(emu) }).client;
  const runB = resizeOne(
    b,
    decision(id),
    new RunTime(async (ms: number) => void emu.advance(ms), Date.now()),
    APPLY_TAG,
  );
  while (!held) await new Promise((r) => setTimeout(r, 5));
  return { runB };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("rightsize: a stop with no answer", () => {
  const SHORT = { ...ALL_DAY, CVM_AUTOPILOT_TIMEOUT_MS: "100" };
  const recordedDone = (inst: { Tags?: Array<{ Key: string; Value: string }> }) => () =>
    inst.Tags?.some((t) => t.Key === RESIZING_TAG && t.Value.startsWith("done>")) ?? false;
  /** Emulator times of the stops the API carried out or refused, and when the start was sent. */
  const sent = (emu: Emulator, action: string) => emu.callsFor(action).map((c) => c.time);

  it("a stop with no answer that lands late: one stop, nothing it could undo until it can no longer land", async () => {
    const emu = await emulator({ timings: ZERO });
    const inst = big(emu);
    // Held past the client's timeout, carried out 30 s later (real or emulator time), or as soon
    // as the resize records itself done, which is when a late stop would hurt.
    emu.faults.add({ action: "StopInstances", kind: "slow", count: 1, delayMs: 30_000, until: recordedDone(inst) });
    const { report } = await runFunction<RunReport>("rightsize", emu, SHORT);
    await new Promise((r) => setTimeout(r, 50)); // a held request released at the end lands now
    expect(report.outcomes).toMatchObject({ done: 1, failed: 0 });
    expect(emu.state.settle(inst)).toMatchObject({ InstanceType: "S5.MEDIUM4", InstanceState: "RUNNING" });
    expect(sent(emu, "StopInstances")).toHaveLength(1);
    // The record of done waited until the stop could no longer be carried out (its signature had expired).
    const done = emu.callsFor("TagResources").find((c) => JSON.stringify(c.params).includes("done>"))!;
    expect(done.time - sent(emu, "StopInstances")[0]!).toBeGreaterThanOrEqual(STOP_IN_FLIGHT_MS);
  });

  it("a stop lost on the way is sent again only once it can no longer land, and the resize finishes", async () => {
    const emu = await emulator({ timings: ZERO });
    const inst = big(emu);
    emu.faults.add({ action: "StopInstances", kind: "drop", count: 1 });
    const { report } = await runFunction<RunReport>("rightsize", emu, ALL_DAY);
    expect(report.outcomes).toMatchObject({ done: 1, failed: 0 });
    const [first, second] = sent(emu, "StopInstances");
    expect(second! - first!).toBeGreaterThanOrEqual(STOP_IN_FLIGHT_MS);
    expect(emu.state.settle(inst)).toMatchObject({ InstanceType: "S5.MEDIUM4", InstanceState: "RUNNING" });
  });

  it("two overlapping runs: the first's unanswered stop never lands after the resize", async () => {
    const emu = await emulator({ timings: ZERO });
    const inst = big(emu);
    let ended = 0;
    emu.faults.add({ action: "StopInstances", kind: "slow", count: 1, delayMs: 600_000, until: () => ended === 2 });
    const one = () => runFunction<RunReport>("rightsize", emu, SHORT).finally(() => void ended++);
    const [a, b] = await Promise.all([one(), one()]);
    await new Promise((r) => setTimeout(r, 50));
    expect(a.report.outcomes.done + b.report.outcomes.done).toBe(2);
    expect(emu.state.settle(inst)).toMatchObject({ InstanceType: "S5.MEDIUM4", InstanceState: "RUNNING" });
  });

  it("the owner stops the machine while our stop is out: ours never lands after the resize", async () => {
    const emu = await emulator({ timings: ZERO });
    const inst = big(emu);
    emu.faults.add({ action: "StopInstances", kind: "slow", count: 1, delayMs: 600_000, until: recordedDone(inst) });
    emu.faults.add(onLookById({ kind: "stateChange", toState: "STOPPED", count: 1 }));
    const { report } = await runFunction<RunReport>("rightsize", emu, SHORT);
    await new Promise((r) => setTimeout(r, 50));
    expect(report.outcomes).toMatchObject({ done: 1 });
    expect(emu.state.settle(inst)).toMatchObject({ InstanceType: "S5.MEDIUM4", InstanceState: "RUNNING" });
  });

  it("the owner changes the type while our stop is out: said as a failure, for a person to look, not a quiet change", async () => {
    const emu = await emulator({ timings: ZERO });
    const inst = big(emu);
    // Our stop is held past the client's timeout; meanwhile the owner gives it another type.
    emu.faults.add({
      action: "StopInstances",
      kind: "slow",
      count: 1,
      delayMs: 600_000,
      until: () => {
        inst.InstanceType = "S5.LARGE8";
        return recordedDone(inst)();
      },
    });
    const { report } = await runFunction<RunReport>("rightsize", emu, SHORT);
    expect(report.outcomes).toMatchObject({ failed: 1, "changed-under-us": 0 });
    expect(report.errors).toContainEqual(
      expect.objectContaining({
        code: "Rightsize.ChangedWithStopOut",
        message: expect.stringMatching(/changed to S5\.LARGE8 .* may still be carried out until 20\d\d-/),
      }),
    );
  });

  it("a re-run finds a stop another run sent moments ago, and sends its own only once that one can no longer land", async () => {
    const emu = await emulator({ timings: ZERO });
    const at = new Date(emu.state.now()).toISOString().replace(/\.\d{3}Z$/, "Z");
    const inst = big(emu, [...APPLY, { Key: RESIZING_TAG, Value: `S5.2XLARGE16>S5.MEDIUM4@${at}` }]);
    const { report } = await runFunction<RunReport>("rightsize", emu, ALL_DAY);
    expect(report.outcomes).toMatchObject({ done: 1 });
    expect(sent(emu, "StopInstances")[0]! - Date.parse(at)).toBeGreaterThanOrEqual(STOP_IN_FLIGHT_MS);
    expect(emu.state.settle(inst)).toMatchObject({ InstanceType: "S5.MEDIUM4", InstanceState: "RUNNING" });
  });

  it("a progress tag written slowly is written again, so the 6 minutes count from near the stop's signing", async () => {
    // The first tag write takes 70 s (TagResources timing out and retried, the limiter).
    const { emu, inst } = await slowFirstTagWrite(70_000);
    emu.faults.add({ action: "StopInstances", kind: "slow", count: 1, delayMs: 3_600_000, until: recordedDone(inst) });
    const { client } = clientFor(emu, { timeoutMs: 100 });
    const sleep = async (ms: number) => void vi.setSystemTime(Date.now() + ms);
    const out = await resizeOne(client, decision(inst.InstanceId), new RunTime(sleep, Date.now()), APPLY_TAG);
    await new Promise((r) => setTimeout(r, 100)); // the held stop arrives now
    expect(out.status).toBe("done");
    expect(emu.state.settle(inst)).toMatchObject({ InstanceType: "S5.MEDIUM4", InstanceState: "RUNNING" });
  });

  it("another run's stop tagged in the same second is not taken for ours", async () => {
    const emu = await emulator({ timings: ZERO });
    const inst = big(emu);
    const clock = emulatorClock(emu);
    let aSent = false;
    // B's stop is held a moment (answered within its timeout) while run A tags and sends its own.
    const { runB } = await runBHeldAt(emu, inst.InstanceId, "StopInstances", () => aSent);
    // Run A read the machine running before B's tag and writes its own: the same second, its own mark.
    const value = inst.Tags!.find((t) => t.Key === RESIZING_TAG)!.Value.replace(/\/.*$/, "/other");
    const a = clientFor(emu, { timeoutMs: 100, retry: { maxAttempts: 1 }, clock }).client;
    await tagInstances(a, GZ, [inst.InstanceId], { [RESIZING_TAG]: value });
    emu.faults.add({ action: "StopInstances", kind: "slow", count: 1, delayMs: 3_600_000, until: recordedDone(inst) });
    const stop = { InstanceIds: [inst.InstanceId], StoppedMode: "KEEP_CHARGING" };
    await a.call("cvm", "StopInstances", stop, { region: GZ, atMostOnce: true }).catch(() => undefined);
    aSent = true;
    expect((await runB).status).toBe("done");
    await new Promise((r) => setTimeout(r, 100));
    expect(emu.state.settle(inst)).toMatchObject({ InstanceType: "S5.MEDIUM4", InstanceState: "RUNNING" });
  });

  it("two runs read the machine at once, the first ended by its platform with its stop out: the second waits for that stop too", async () => {
    const emu = await emulator({ timings: ZERO });
    const inst = big(emu);
    const clock = emulatorClock(emu);
    let aSent = false;
    // B has read the machine running; its progress tag is held until A has tagged and sent its stop.
    const { runB } = await runBHeldAt(emu, inst.InstanceId, "TagResources", () => aSent);
    // A read it at the same moment: it tags and sends its stop, which gets no answer; its platform
    // ends it at its first wait (its sleep never returns). The stop lands once B records done.
    let aEnded = false;
    emu.faults.add({
      action: "StopInstances",
      kind: "slow",
      count: 1,
      delayMs: 3_600_000,
      until: () => {
        aSent = true;
        return aEnded && recordedDone(inst)();
      },
    });
    const a = clientFor(emu, { timeoutMs: 100, retry: { maxAttempts: 1 }, clock }).client;
    const ended = () => {
      aEnded = true;
      return new Promise<void>(() => {});
    };
    void resizeOne(a, decision(inst.InstanceId), new RunTime(ended, Date.now()), APPLY_TAG);
    // B's tag now overwrites A's progress tag; A's stop is named only by A's own stop key.
    expect((await runB).status).toBe("done");
    while (!aEnded) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 100)); // A's held stop arrives now
    expect(stopKeys(inst)).toEqual([]); // B's record of done took A's stop key away too
    expect(emu.state.settle(inst)).toMatchObject({ InstanceType: "S5.MEDIUM4", InstanceState: "RUNNING" });
  });

  it("a look that fails while our stop may land is looked again, not the end of the resize", async () => {
    const emu = await emulator({ timings: ZERO });
    const inst = big(emu);
    emu.faults.add({ action: "StopInstances", kind: "slow", count: 1, delayMs: 30_000 });
    // Every attempt of the next two looks by id fails (the client gives up after its retries).
    emu.faults.add(onLookById({ kind: "error", code: "InternalError", count: 12 }));
    const { report } = await runFunction<RunReport>("rightsize", emu, SHORT);
    expect(report.outcomes).toMatchObject({ done: 1, failed: 0 });
    expect(emu.state.settle(inst)).toMatchObject({ InstanceType: "S5.MEDIUM4", InstanceState: "RUNNING" });
  });

  it.each([
    [60_000, 180_000],
    [90_000, 240_000],
  ])(
    "after a lost stop, a %i ms stop and a %i ms reset still finish in the run: the wait spends no polls",
    async (stopMs, resizeMs) => {
      const emu = await emulator({ timings: { ...ZERO, stopMs, startMs: 60_000, resizeMs } });
      const inst = big(emu);
      emu.faults.add({ action: "StopInstances", kind: "drop", count: 1 });
      const { report } = await runFunction<RunReport>("rightsize", emu, ALL_DAY);
      expect(report.outcomes).toMatchObject({ done: 1, failed: 0 });
      expect(emu.state.settle(inst)).toMatchObject({ InstanceType: "S5.MEDIUM4", InstanceState: "RUNNING" });
    },
  );

  it.each([
    ["a progress tag", [{ Key: RESIZING_TAG, Value: "S5.2XLARGE16>S5.MEDIUM4@2099-01-01T00:00:00Z" }]],
    [
      "a progress tag and two runs' stop keys",
      [
        { Key: RESIZING_TAG, Value: "S5.2XLARGE16>S5.MEDIUM4@2099-01-01T00:00:00Z/aaaaaa" },
        { Key: `${STOP_KEY_PREFIX}aaaaaa`, Value: "2099-01-01T00:00:00Z" },
        { Key: `${STOP_KEY_PREFIX}bbbbbb`, Value: "2099-01-01T00:00:10Z" },
      ],
    ],
  ])(
    "%s dated ahead of the clock holds the resize no longer than the window from when it was seen",
    async (_, tags) => {
      const emu = await emulator({ timings: ZERO });
      const inst = big(emu, [...APPLY, ...tags]);
      const { report } = await runFunction<RunReport>("rightsize", emu, ALL_DAY);
      expect(report.outcomes).toMatchObject({ done: 1 });
      expect(emu.state.settle(inst)).toMatchObject({ InstanceType: "S5.MEDIUM4", InstanceState: "RUNNING" });
      expect(emu.advanced()).toBeLessThan(STOP_IN_FLIGHT_MS + 60_000);
    },
  );

  it("a tag written again for being slow is not waited for: no stop was sent with it", async () => {
    const { emu, inst } = await slowFirstTagWrite(25_000);
    const { client } = clientFor(emu, { timeoutMs: 5000 });
    const t0 = Date.now();
    const sleep = async (ms: number) => void vi.setSystemTime(Date.now() + ms);
    expect((await resizeOne(client, decision(inst.InstanceId), new RunTime(sleep, Date.now()), APPLY_TAG)).status).toBe(
      "done",
    );
    expect(emu.callsFor("StopInstances")[0]!.time - t0).toBeLessThan(60_000);
  });

  it("a resize that cannot finish gives up within its time, before the platform ends the run", async () => {
    const emu = await emulator({ timings: { ...ZERO, resizeMs: 3_600_000 } });
    const inst = big(emu);
    emu.faults.add({ action: "StopInstances", kind: "drop", count: 1 });
    const { report } = await runFunction<RunReport>("rightsize", emu, ALL_DAY);
    expect(report.outcomes).toMatchObject({ failed: 1 });
    expect(JSON.stringify(report.errors)).toContain("Timeout");
    expect(emu.advanced()).toBeLessThan(14 * 60_000);
    expect(inst.InstanceType).toBe("S5.2XLARGE16");
  });

  it("a stop refused outright leaves no resize begun: no wait for it, no resume out of the window", async () => {
    const emu = await emulator({ timings: ZERO });
    const inst = big(emu);
    emu.faults.add({ action: "StopInstances", kind: "error", code: "AuthFailure.UnauthorizedOperation", count: 1 });
    const first = await runFunction<RunReport>("rightsize", emu, ALL_DAY);
    expect(first.report.outcomes).toMatchObject({ failed: 1 });
    expect(inst.Tags).toContainEqual({ Key: RESIZING_TAG, Value: expect.stringMatching(/^refused>S5\.MEDIUM4@/) });
    expect(stopKeys(inst)).toEqual([]);
    // The owner opts out and stops it; a run outside any window leaves it as it is.
    inst.Tags = inst.Tags!.filter((t) => t.Key !== "autopilot:rightsize");
    inst.InstanceState = "STOPPED";
    const later = await runFunction<RunReport>("rightsize", emu, { REGIONS: GZ, RIGHTSIZE_MAX_FRACTION: "1" });
    expect(later.report.outcomes.done).toBe(0);
    expect(emu.state.settle(inst)).toMatchObject({ InstanceType: "S5.2XLARGE16", InstanceState: "STOPPED" });
    // Tagged again and running, the next run in the window stops it at once: nothing to wait for.
    inst.Tags.push(...APPLY);
    inst.InstanceState = "RUNNING";
    const t0 = emu.state.now();
    const again = await runFunction<RunReport>("rightsize", emu, ALL_DAY);
    expect(again.report.outcomes).toMatchObject({ done: 1 });
    expect(emu.callsFor("StopInstances").at(-1)!.time - t0).toBeLessThan(60_000);
  });
});
