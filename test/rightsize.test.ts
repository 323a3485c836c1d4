/**
 * rightsize against the emulator: proposals and prices computed here, independently, from the same
 * hourly points the emulator serves and its own type table; applying only for tagged machines, in
 * the window, through the guard; a dry run writes nothing; a resize left half done is finished
 * and never done twice.
 */
import { describe, expect, it } from "vitest";
import type { RunReport } from "../lib/report/report.ts";
import { TYPES } from "../emulator/instance-types.ts";
import type { Emulator } from "../emulator/server.ts";
import { monitorTime } from "../lib/tencent/monitor.ts";
import { api } from "../lib/tencent/services.ts";
import { nextStep, resizeOne } from "../functions/rightsize/apply.ts";
import { RunTime } from "../functions/rightsize/pace.ts";
import { KINDS, progressOf, RESIZING_TAG, STOP_KEY_PREFIX, unfinished } from "../functions/rightsize/plan.ts";
import { runFunction } from "./helpers/functions.ts";
import { APPLY_TAG, decision } from "./helpers/rightsize.ts";
import { clientFor, emulator } from "./helpers/world.ts";

const GZ = "ap-guangzhou";
const WRITES = ["StopInstances", "ResetInstancesType", "StartInstances", "TagResources", "UnTagResources"];
const ALL_DAY = { RIGHTSIZE_WINDOW: "00:00-24:00", RIGHTSIZE_MAX_FRACTION: "1", REGIONS: GZ };
/** A one-hour window two hours from now (UTC): outside it whenever the test runs. */
const notNow = () => {
  const h = new Date().getUTCHours();
  return { RIGHTSIZE_WINDOW: `${(h + 2) % 24}:00-${(h + 3) % 24}:00`, RIGHTSIZE_MAX_FRACTION: "1", REGIONS: GZ };
};
const APPLY = [{ Key: "autopilot:rightsize", Value: "apply" }];

/** Nearest-rank percentile, written here on its own so the test does not check the code with itself. */
const rank = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.ceil((xs.length * p) / 100) - 1]!;

/** What the test expects for a machine: the same hourly points, the rule written out, the emulator's prices. */
async function expected(emu: Emulator, id: string, type: string, withMemory: boolean) {
  const { client } = clientFor(emu);
  const end = new Date(emu.state.now());
  const start = new Date(end.getTime() - 14 * 86400_000);
  const series = async (metric: string) => {
    const r = await api(client).getMonitorData(GZ, {
      Namespace: "QCE/CVM",
      MetricName: metric,
      Period: 3600,
      StartTime: monitorTime(start),
      EndTime: monitorTime(end),
      Instances: [{ Dimensions: [{ Name: "InstanceId", Value: id }] }],
    });
    return r.DataPoints[0]!.Values;
  };
  const cpu = await series("CPUUsage");
  const mem = withMemory ? await series("MemUsage") : [];
  const p99 = rank(cpu, 99);
  const m99 = mem.length ? rank(mem, 99) : undefined;
  const now = TYPES[type]!;
  const family = type.split(".")[0]!;
  const fits = Object.entries(TYPES)
    .filter(([t, s]) => t.startsWith(`${family}.`) && t !== type && s.cpu <= now.cpu && s.memory <= now.memory)
    .filter(([, s]) => (p99 * now.cpu) / s.cpu < 70)
    .filter(([, s]) => m99 === undefined || (m99 * now.memory) / s.memory < 80)
    .sort(([, a], [, b]) => a.cpu - b.cpu || a.memory - b.memory);
  const to = fits[0]?.[0];
  return {
    p99: Math.round(p99 * 10) / 10,
    to,
    saving: to ? Math.round((now.hourly - TYPES[to]!.hourly) * 720 * 100) / 100 : undefined,
  };
}

type Note = { id: string; to: string; cpuP99: number; memP99: number | null; monthlySaving?: number; message: string };
const proposals = (r: RunReport) => (r.notes as { proposals?: Note[] }).proposals ?? [];
const writes = (emu: Emulator) => emu.calls.filter((c) => WRITES.includes(c.action ?? ""));

describe("rightsize proposals", () => {
  it("proposes the smallest type of the family that keeps P99 CPU (and memory, when known) under target, priced", async () => {
    const emu = await emulator();
    const add = (type: string, cpu: number, mem?: number) =>
      emu.state.addInstance({ Region: GZ, InstanceType: type, profile: { cpu, traffic: 1, ...(mem ? { mem } : {}) } });
    const s5 = add("S5.2XLARGE16", 10); // no monitoring agent: CPU alone decides
    const s5mem = add("S5.4XLARGE32", 5, 30); // memory keeps it at 16 GB
    const sa2 = add("SA2.LARGE8", 20);
    const busy = add("S5.LARGE8", 80);
    const m5 = add("M5.LARGE16", 5); // the only M5 type sold: nothing smaller
    const { report } = await runFunction<RunReport>("rightsize", emu, { REGIONS: GZ });
    const byId = new Map(proposals(report).map((p) => [p.id, p]));
    for (const [inst, mem] of [
      [s5, false],
      [s5mem, true],
      [sa2, false],
    ] as const) {
      const want = await expected(emu, inst.InstanceId, inst.InstanceType, mem);
      expect(want.to).toBeDefined();
      expect(byId.get(inst.InstanceId)).toMatchObject({ to: want.to, cpuP99: want.p99, monthlySaving: want.saving });
    }
    expect(byId.get(s5.InstanceId)).toMatchObject({ to: "S5.MEDIUM4", memP99: null, monthlySaving: 540 });
    expect(byId.get(s5.InstanceId)!.message).toContain("no monitoring agent");
    expect(byId.get(s5mem.InstanceId)).toMatchObject({ to: "S5.2XLARGE16", monthlySaving: 720 });
    expect(byId.has(busy.InstanceId)).toBe(false);
    expect(byId.has(m5.InstanceId)).toBe(false);
    expect(report.byRegion[GZ]!.byKind).toMatchObject({
      [KINDS.proposal]: 3,
      [KINDS["over-target"]]: 1,
      [KINDS["right-sized"]]: 1,
    });
    // Untagged: proposed only, nothing written.
    expect(writes(emu)).toEqual([]);
    // 14 days hourly: one GetMonitorData call a metric serves the five machines (5 × 337 points < 7,200).
    expect(emu.callsFor("GetMonitorData").every((c) => (c.params as { Period: number }).Period === 3600)).toBe(true);
  });

  it("judges a fleet of several pages once a machine, and quotes each zone, type and proposal once", async () => {
    const emu = await emulator();
    // 230 machines: three DescribeInstances pages, judged a page at a time.
    const fleet = Array.from({ length: 230 }, (_, n) =>
      emu.state.addInstance({
        Region: GZ,
        InstanceType: n % 2 ? "S5.2XLARGE16" : "SA2.LARGE8",
        profile: { cpu: n % 2 ? 10 : 20, traffic: 1 },
      }),
    );
    const { report } = await runFunction<RunReport>("rightsize", emu, { REGIONS: GZ });
    const got = proposals(report);
    expect(report.notesCount?.proposals ?? got.length).toBe(230);
    expect(report.byRegion[GZ]!.byKind).toEqual({ [KINDS.proposal]: 230 });
    // Two (zone, type, proposal) pairs: two quotes, not 230; every proposal carries its pair's price.
    const zones = new Set(fleet.map((i) => `${i.Placement.Zone}/${i.InstanceType}`));
    expect(emu.callsFor("InquiryPriceResetInstancesType").length).toBe(zones.size);
    const one = await expected(emu, fleet[1]!.InstanceId, "S5.2XLARGE16", false);
    for (const p of got.filter((x) => x.to === one.to)) expect(p.monthlySaving).toBe(one.saving);
  });

  it("a refused quote is asked once more by the next machine, and the price it gets serves the rest", async () => {
    const emu = await emulator();
    for (let n = 0; n < 120; n++)
      emu.state.addInstance({
        Region: GZ,
        InstanceType: "S5.2XLARGE16",
        profile: { cpu: 10, traffic: 1 },
      });
    // Refused once (not throttling, which the client retries): the next machine asks again.
    emu.faults.add({ action: "InquiryPriceResetInstancesType", kind: "error", code: "FailedOperation", count: 1 });
    const { report } = await runFunction<RunReport>("rightsize", emu, { REGIONS: GZ });
    // One refused, then one answered for each zone the emulator placed them in.
    const zones = new Set([...emu.state.instances.values()].map((i) => i.Placement.Zone));
    expect(emu.callsFor("InquiryPriceResetInstancesType").length).toBe(zones.size + 1);
    expect(report.byRegion[GZ]!.byKind).toEqual({ [KINDS.proposal]: 120 });
  });

  it("waits for enough data before judging", async () => {
    const emu = await emulator();
    const young = emu.state.addInstance({
      Region: GZ,
      InstanceType: "S5.2XLARGE16",
      CreatedTime: new Date(emu.state.now() - 10 * 3600_000).toISOString(),
      profile: { cpu: 5, traffic: 1 },
    });
    const { report } = await runFunction<RunReport>("rightsize", emu, { REGIONS: GZ });
    expect(proposals(report)).toEqual([]);
    expect(report.byRegion[GZ]!.byKind).toEqual({ [KINDS["too-little-data"]]: 1 });
    void young;
  });
});

describe("rightsize apply", () => {
  const big = (emu: Emulator, tags = APPLY) =>
    emu.state.addInstance({ Region: GZ, InstanceType: "S5.2XLARGE16", Tags: tags, profile: { cpu: 10, traffic: 1 } });

  it("resizes a tagged machine in the window: stop, ResetInstancesType, running at the new type", async () => {
    const emu = await emulator();
    const inst = big(emu);
    const other = big(emu, []);
    const { report } = await runFunction<RunReport>("rightsize", emu, ALL_DAY);
    expect(report.outcomes).toMatchObject({ done: 1, failed: 0 });
    expect(inst).toMatchObject({ InstanceType: "S5.MEDIUM4", CPU: 2, Memory: 4, InstanceState: "RUNNING" });
    // The run says what the resize saves: its proposal's monthly difference (the untagged one is only proposed).
    const saving = (report.notes.proposals as Array<{ id: string; monthlySaving: number }>).find(
      (p) => p.id === inst.InstanceId,
    )!.monthlySaving;
    expect(saving).toBeGreaterThan(0);
    expect(report.extras).toEqual({
      currency: "CNY",
      estimatedHourlySavings: Math.round((saving / 720) * 100) / 100,
      estimatedMonthlySavings: saving,
      unpriced: 0,
    });
    expect(other.InstanceType).toBe("S5.2XLARGE16");
    expect(writes(emu).map((c) => c.action)).toEqual([
      "TagResources",
      "StopInstances",
      "TagResources",
      "ResetInstancesType",
      "TagResources",
      "UnTagResources",
    ]);
    expect(inst.Tags).toContainEqual({ Key: RESIZING_TAG, Value: expect.stringMatching(/^done>S5\.MEDIUM4@20\d\d-/) });
    // The resize's own stop key went with its record of done.
    expect(inst.Tags!.map((t) => t.Key).filter((k) => k.startsWith(STOP_KEY_PREFIX))).toEqual([]);
    // A second run finds nothing half done, and no hours yet at the new type to judge it by.
    const before = writes(emu).length;
    await runFunction<RunReport>("rightsize", emu, ALL_DAY);
    expect(writes(emu).length).toBe(before);
  });

  it("begins no resize the run has too little time left for: SCF and Lambda end a run at 15 minutes", async () => {
    // Each resize takes about 4 minutes of the emulator's clock: the third would begin with 5 of the run's 13 left.
    const emu = await emulator({
      timings: { stopMs: 20_000, startMs: 0, syncMs: 0, bindMs: 0, functionMs: 0, resizeMs: 210_000 },
    });
    const machines = [big(emu), big(emu), big(emu), big(emu)];
    const { report } = await runFunction<RunReport>("rightsize", emu, ALL_DAY);
    expect(report.outcomes).toMatchObject({ done: 2, failed: 2 });
    const left = report.results.find((r) => r.outcome === "failed")!;
    expect(left).toMatchObject({ code: "Rightsize.RunTimeSpent" });
    expect(report.errors).toContainEqual(
      expect.objectContaining({ id: left.id, message: expect.stringMatching(/next run in the window takes it up/) }),
    );
    const last = machines.find((m) => m.InstanceId === left.id)!;
    expect(last).toMatchObject({ InstanceType: "S5.2XLARGE16", InstanceState: "RUNNING" });
    expect(writes(emu).filter((c) => JSON.stringify(c.params).includes(left.id))).toEqual([]);
  });

  it("counts the time the run spent before its resizes (listing, metrics, prices) against the 14 minutes", async () => {
    const emu = await emulator();
    const inst = big(emu);
    const { client } = clientFor(emu);
    const late = new RunTime(async (ms) => void emu.advance(ms), Date.now(), 11 * 60_000);
    expect(
      await resizeOne(client, decision(inst.InstanceId, { zone: inst.Placement.Zone }), late, APPLY_TAG),
    ).toMatchObject({
      status: "failed",
      code: "Rightsize.RunTimeSpent",
    });
    expect(writes(emu)).toEqual([]);
  });

  it("outside the window, and in a dry run, writes nothing", async () => {
    const emu = await emulator();
    const inst = big(emu);
    const outside = await runFunction<RunReport>("rightsize", emu, notNow());
    expect(outside.report.byRegion[GZ]!.byKind).toEqual({ [KINDS["waiting-for-window"]]: 1 });
    const dry = await runFunction<RunReport>("rightsize", emu, { ...ALL_DAY, DRY_RUN: "true" });
    expect(dry.report.outcomes).toMatchObject({ planned: 1, done: 0 });
    expect(writes(emu)).toEqual([]);
    expect(inst).toMatchObject({ InstanceType: "S5.2XLARGE16", InstanceState: "RUNNING" });
  });

  it("goes through the guard", async () => {
    const emu = await emulator();
    for (let i = 0; i < 3; i++) big(emu);
    const { report } = await runFunction<RunReport>("rightsize", emu, { ...ALL_DAY, RIGHTSIZE_MAX_COUNT: "2" });
    expect(report.guard).toMatchObject({ tripped: true, wouldAct: 3, limit: 2 });
    expect(report.outcomes["skipped-by-guard"]).toBe(3);
    expect(writes(emu)).toEqual([]);
  });

  it("finishes a resize a crashed run left stopped, without stopping or resetting twice", async () => {
    const emu = await emulator({
      timings: { stopMs: 0, startMs: 0, syncMs: 0, bindMs: 0, functionMs: 0, resizeMs: 60_000 },
    });
    // The first invocation tagged, stopped and sent ResetInstancesType, then the platform ended it.
    const inst = big(emu, [...APPLY, { Key: RESIZING_TAG, Value: "S5.2XLARGE16>S5.MEDIUM4" }]);
    emu.state.resizeLater(inst, "S5.MEDIUM4", 2, 4);
    inst.LatestOperation = "ResetInstancesType";
    inst.LatestOperationState = "OPERATING";
    // The retry comes outside the window: it finishes what was begun, and begins nothing new.
    const { report } = await runFunction<RunReport>("rightsize", emu, notNow());
    expect(report.byRegion[GZ]!.byKind).toEqual({ [KINDS.resume]: 1 });
    expect(report.outcomes).toMatchObject({ done: 1 });
    expect(emu.callsFor("StopInstances")).toEqual([]);
    expect(emu.callsFor("ResetInstancesType")).toEqual([]);
    expect(inst).toMatchObject({ InstanceType: "S5.MEDIUM4", InstanceState: "RUNNING" });
  });

  it("records a resize whose run ended before its record, so its old hours are not used to shrink it again", async () => {
    const emu = await emulator();
    const inst = emu.state.addInstance({
      Region: GZ,
      InstanceType: "S5.MEDIUM4",
      Tags: [...APPLY, { Key: RESIZING_TAG, Value: "S5.2XLARGE16>S5.MEDIUM4" }],
      profile: { cpu: 10, traffic: 1 },
    });
    const { report } = await runFunction<RunReport>("rightsize", emu, ALL_DAY);
    expect(report.byRegion[GZ]!.byKind).toEqual({ [KINDS.resume]: 1 });
    expect(writes(emu).map((c) => c.action)).toEqual(["TagResources"]);
    expect(inst.Tags).toContainEqual({ Key: RESIZING_TAG, Value: expect.stringMatching(/^done>S5\.MEDIUM4@/) });
    await runFunction<RunReport>("rightsize", emu, ALL_DAY);
    expect(writes(emu).map((c) => c.action)).toEqual(["TagResources"]);
  });

  it.each([
    [
      "S5.2XLARGE16>S5.MEDIUM4@2026-12-06T04:00:00Z",
      { from: "S5.2XLARGE16", to: "S5.MEDIUM4", stopSentAt: Date.UTC(2026, 11, 6, 4) },
    ],
    ["S5.2XLARGE16>S5.MEDIUM4", { from: "S5.2XLARGE16", to: "S5.MEDIUM4" }],
    ["S5.2XLARGE16>S5.MEDIUM4@not a time", { from: "S5.2XLARGE16", to: "S5.MEDIUM4" }],
    ["done>S5.MEDIUM4@2026-12-06T04:00:00Z", undefined],
    ["", undefined],
    ["S5.2XLARGE16", undefined],
  ] as const)("the progress tag %j reads as %j", (value, read) => {
    expect(progressOf(value)).toEqual(read);
  });

  it.each([
    ["RUNNING", "S5.2XLARGE16", undefined],
    ["STOPPED", "S5.2XLARGE16", { from: "S5.2XLARGE16", to: "S5.MEDIUM4" }],
    ["RUNNING", "S5.MEDIUM4", { from: "S5.2XLARGE16", to: "S5.MEDIUM4" }],
    ["STOPPED", "S5.LARGE8", undefined],
    ["RUNNING", "S5.LARGE8", undefined],
  ] as const)("a machine %s as %s under a resize's progress tag is unfinished: %j", (state, type, left) => {
    const tags = new Map([[RESIZING_TAG, "S5.2XLARGE16>S5.MEDIUM4@2026-12-06T04:00:00Z/abc123"]]);
    const m = { id: "ins-1", region: GZ, type, zone: "ap-guangzhou-3", chargeType: "POSTPAID_BY_HOUR", state, tags };
    expect(unfinished(m)).toEqual(left);
  });

  it.each([
    ["RUNNING", "S5.2XLARGE16", undefined, "stop"],
    ["STOPPING", "S5.2XLARGE16", undefined, "wait"],
    ["STOPPED", "S5.2XLARGE16", undefined, "reset"],
    ["STOPPED", "S5.2XLARGE16", "OPERATING", "wait"],
    ["STOPPED", "S5.MEDIUM4", undefined, "start"],
    ["RUNNING", "S5.MEDIUM4", undefined, "finished"],
    ["RUNNING", "S5.LARGE8", undefined, "changed"],
  ] as const)("a machine %s as %s (%s) takes the step %s", (state, type, op, step) => {
    const i = { InstanceState: state, InstanceType: type, LatestOperationState: op } as never;
    expect(nextStep(i, "S5.2XLARGE16", "S5.MEDIUM4")).toBe(step);
  });
});
