/**
 * Polling that remembers: a machine seen busy is not queried again until it could be idle, and
 * the machines stopped are exactly those stopped without memory, run after run, on a seeded
 * fleet whose machines go quiet at moments of their own (history that stays as it was).
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEMO_UIN, type Emulator } from "../emulator/server.ts";
import { seededRandom } from "../emulator/random.ts";
import { localStore } from "../lib/history/local-store.ts";
import { historySink } from "../lib/history/recorder.ts";
import { bucketStore } from "../lib/history/s3-store.ts";
import type { HistoryStore } from "../lib/history/store.ts";
import type { RunReport } from "../lib/report/report.ts";
import { runFunction } from "./helpers/functions.ts";
import { emulator } from "./helpers/world.ts";

const GZ = "ap-guangzhou";
const SH = "ap-shanghai";
const MIN = 60_000;
const START = Date.parse("2026-12-07T10:02:00Z");
const REMEMBERED = "busy: CPU, seen lately";
const idle = { cpu: 1, traffic: 0.01 };
const busy = { cpu: 60, traffic: 5 };

const localHistory = async () => localStore(await mkdtemp(join(tmpdir(), "busy-memory-")));

/** A world on its own clock: an emulator, and auto-stop run at `t` with or without a history store. */
async function world(opts: { instances?: number; seed?: number; store?: HistoryStore } = {}) {
  const clock = { t: START };
  const emu = await emulator({
    now: () => clock.t,
    regions: [GZ, SH],
    fleetRegions: [GZ, SH],
    ...(opts.instances ? { instances: opts.instances, seed: opts.seed ?? 1 } : {}),
  });
  const history = opts.store ? historySink(opts.store) : undefined;
  /** A run as of `at`, the emulator's clock at `emuAt` (the same, unless a test skews the run's clock). */
  const run = async (env: Record<string, string> = {}, at = clock.t, trigger = {}, emuAt = at) => {
    clock.t = emuAt;
    const before = emu.callsFor("GetMonitorData").length;
    const { report } = await runFunction<RunReport>(
      "auto-stop-idle",
      emu,
      { REGIONS: `${GZ},${SH}`, AUTO_STOP_MAX_FRACTION: "1", DRY_RUN: "false", ...env },
      trigger,
      {
        now: () => new Date(at),
        // The client signs with the emulator's clock; the run judges as of `at` (a clock of its own, for skew).
        clock: { now: () => emu.state.now(), sleep: async () => undefined },
        ...(history ? { history } : {}),
      },
    );
    const sent = emu.callsFor("GetMonitorData").slice(before);
    return { report, calls: sent.length, cpuAsked: cpuAsked(sent) };
  };
  return { emu, clock, run };
}

/** Machines whose CPU the calls asked for (the emulator's record of GetMonitorData). */
const cpuAsked = (calls: Array<{ params?: unknown }>) =>
  calls.reduce((n, c) => {
    const p = c.params as { MetricName?: string; Instances?: unknown[] };
    return n + (p.MetricName === "CPUUsage" ? (p.Instances?.length ?? 0) : 0);
  }, 0);

const stoppedIds = (emu: Emulator) =>
  [...emu.state.instances.values()]
    .filter((i) => emu.state.settle(i).InstanceState === "STOPPED")
    .map((i) => i.InstanceId)
    .sort();

/**
 * The seeded fleet, made to change over time the same way in both worlds: two in five busy
 * machines go quiet at a moment of their own, and a few sit at the threshold, busy in some
 * periods and not in others.
 */
function changeOverTime(emu: Emulator, seed: number, span: number) {
  const rnd = seededRandom(seed);
  for (const i of [...emu.state.instances.values()].sort((a, b) => (a.InstanceId < b.InstanceId ? -1 : 1))) {
    const r = rnd();
    const at = START + Math.floor(rnd() * span);
    if (i.profile.cpu !== null && i.profile.cpu >= 20 && r < 0.4) i.profile.changes = [{ at, ...idle }];
    else if (i.profile.cpu !== null && i.profile.cpu >= 20 && r < 0.5)
      i.profile.changes = [{ at, cpu: rnd() < 0.5 ? 4.2 : 4.8, traffic: 0.01 }];
  }
}

describe("polling with memory stops exactly what polling without it stops", () => {
  it.each([
    ["the defaults (max CPU, 5-minute points, 60 minutes)", {}],
    [
      "p95 over 30 minutes of 1-minute points",
      { AUTO_STOP_CPU_STAT: "p95", AUTO_STOP_METRIC_PERIOD: "60", AUTO_STOP_LOOKBACK_MINUTES: "30" },
    ],
    ["max over 20 minutes of 1-minute points", { AUTO_STOP_METRIC_PERIOD: "60", AUTO_STOP_LOOKBACK_MINUTES: "20" }],
  ])("%s: the same ids after every run of 8 hours, for fewer calls", { timeout: 120_000 }, async (_what, env) => {
    const span = 8 * 60 * MIN;
    const plain = await world({ instances: 300, seed: 7 });
    const remembering = await world({ instances: 300, seed: 7, store: await localHistory() });
    for (const w of [plain, remembering]) changeOverTime(w.emu, 11, span);
    let calls = [0, 0];
    let asked = [0, 0];
    let skipped = 0;
    const first: string[][] = [];
    for (let t = START; t < START + span; t += 15 * MIN) {
      plain.clock.t = remembering.clock.t = t;
      const a = await plain.run(env);
      const b = await remembering.run(env);
      expect(a.report.errors).toEqual([]);
      expect(b.report.errors).toEqual([]);
      expect(stoppedIds(remembering.emu), new Date(t).toISOString()).toEqual(stoppedIds(plain.emu));
      if (!first.length) first.push(stoppedIds(plain.emu));
      calls = [calls[0]! + a.calls, calls[1]! + b.calls];
      asked = [asked[0]! + a.cpuAsked, asked[1]! + b.cpuAsked];
      skipped += b.report.byKind[REMEMBERED] ?? 0;
    }
    // Machines went quiet along the way and were stopped later, in both worlds alike.
    expect(stoppedIds(plain.emu).length).toBeGreaterThan(first[0]!.length + 20);
    expect(skipped).toBeGreaterThan(0);
    // Fewer machines asked about; at 300 machines most calls are one part-filled batch a region, so calls fall less.
    expect(asked[1]).toBeLessThan(asked[0]! * 0.6);
    expect(calls[1]).toBeLessThan(calls[0]!);
  });
});

describe("what a remembered point is worth", () => {
  it("nothing under another threshold: the memory is kept with the settings it holds for", async () => {
    const { emu, run } = await world({ store: await localHistory() });
    const m = emu.state.addInstance({ Region: GZ, profile: { cpu: 60, traffic: 0.01 } });
    expect((await run()).report.byKind["busy: CPU"]).toBe(1);
    // Raised past the machine's CPU: fresh metrics call it idle, so it must be queried, not remembered.
    const { report } = await run({ AUTO_STOP_CPU_THRESHOLD: "90" }, START + 15 * MIN);
    expect(report.byKind[REMEMBERED]).toBeUndefined();
    expect(stoppedIds(emu)).toEqual([m.InstanceId]);
  });

  it("nothing to a run whose clock is behind the point: a busy point after `now` is not trusted", async () => {
    const { emu, clock, run } = await world({ store: await localHistory() });
    // Quiet until 11:30, busy since: a run at 12:02 sees it busy.
    const m = emu.state.addInstance({
      Region: GZ,
      profile: { ...idle, changes: [{ at: START + 88 * MIN, ...busy }] },
      CreatedTime: "2026-12-01T00:00:00Z",
    });
    clock.t = START + 120 * MIN;
    expect((await run()).report.byKind["busy: CPU"]).toBe(1);
    // A run whose clock says 11:02 judges 10:02–11:02, when it was quiet: it is stopped, as without memory.
    const { report } = await run({}, START + 60 * MIN, {}, START + 120 * MIN);
    expect(report.byKind[REMEMBERED]).toBeUndefined();
    expect(stoppedIds(emu)).toEqual([m.InstanceId]);
  });

  it("a busy machine skips three 15-minute runs of four, and is queried again once its point leaves the window", async () => {
    const { emu, run } = await world({ store: await localHistory() });
    emu.state.addInstance({ Region: GZ, profile: busy });
    const kinds = [];
    for (let n = 0; n < 8; n++) {
      const { report, calls } = await run({}, START + n * 15 * MIN);
      kinds.push(report.byKind[REMEMBERED] ? `remembered/${calls}` : `queried/${calls}`);
    }
    // 10:02 sees the 10:00 point: not idle before 11:00, so 10:17, 10:32 and 10:47 skip; 11:02 queries.
    expect(kinds).toEqual([
      "queried/1",
      "remembered/0",
      "remembered/0",
      "remembered/0",
      "queried/1",
      "remembered/0",
      "remembered/0",
      "remembered/0",
    ]);
  });
});

describe("remembered machines and the metric budget", () => {
  it("take none of it: the next run checks the machines not yet seen, and a third asks for nothing", async () => {
    const { emu, run } = await world({ store: await localHistory() });
    for (let n = 0; n < 100; n++) emu.state.addInstance({ Region: GZ, profile: busy });
    // 3 calls a run: one batch of 50 machines (CPU, LAN, WAN) in each of the two regions.
    const env = { AUTO_STOP_METRIC_BUDGET: "6" };
    const runs = [];
    for (let n = 0; n < 3; n++) runs.push(await run(env, START + n * 15 * MIN));
    expect(runs.map((r) => r.report.byKind["deferred: metric budget"] ?? 0)).toEqual([50, 0, 0]);
    expect(runs.map((r) => r.report.byKind[REMEMBERED] ?? 0)).toEqual([0, 50, 100]);
    expect(runs.map((r) => r.cpuAsked)).toEqual([50, 50, 0]);
  });
});

describe("the store behind the memory", () => {
  const BUCKET = "history-1250000000";
  const cos = (emu: Emulator) =>
    bucketStore({
      kind: "cos",
      bucket: BUCKET,
      region: GZ,
      endpoint: emu.url,
      credentials: () => ({ secretId: emu.credentials.secretId, secretKey: emu.credentials.secretKey }),
      clock: () => emu.state.now(),
    });

  it.each([
    [
      "refuses writes",
      "AccessDenied",
      (emu: Emulator) => void (emu.storage.create(BUCKET, GZ, DEMO_UIN).refuseWrites = true),
    ],
    ["is missing", "NoSuchBucket", () => undefined],
  ])(
    "one that %s: the stops are done, every machine is queried, and the report names the error",
    async (_what, code, prepare) => {
      const w = await world();
      prepare(w.emu);
      const store = cos(w.emu);
      const { emu } = w;
      const idleOne = emu.state.addInstance({ Region: GZ, profile: idle });
      emu.state.addInstance({ Region: GZ, profile: busy });
      const runWith = (at: number) => {
        w.clock.t = at;
        return runFunction<RunReport>(
          "auto-stop-idle",
          emu,
          { REGIONS: GZ, AUTO_STOP_MAX_FRACTION: "1", DRY_RUN: "false" },
          {},
          {
            now: () => new Date(at),
            clock: { now: () => emu.state.now(), sleep: async () => undefined },
            history: historySink(store),
          },
        );
      };
      const first = (await runWith(START)).report;
      expect(stoppedIds(emu)).toEqual([idleOne.InstanceId]);
      expect(first.errors.length).toBeGreaterThan(0);
      expect(first.errors.every((e) => e.code === code && e.action === "History")).toBe(true);
      expect(first.errors.some((e) => e.message.startsWith("busy memory not"))).toBe(true);
      const before = emu.callsFor("GetMonitorData").length;
      const next = (await runWith(START + 15 * MIN)).report;
      expect(next.byKind["busy: CPU"]).toBe(1);
      expect(emu.callsFor("GetMonitorData").length - before).toBe(1);
    },
  );

  it("an object it cannot read: every machine is queried, the report says so, and the next run remembers again", async () => {
    const store = await localHistory();
    const again = await world({ store });
    again.emu.state.addInstance({ Region: GZ, profile: busy });
    await again.run({ REGIONS: GZ });
    const [key] = await store.list("busy/");
    await store.create(key!.replace(/Z-[^/]+$/, "Z-zzzz.json"), "{ not json");
    const { report, calls } = await again.run({ REGIONS: GZ }, START + 15 * MIN);
    expect(calls).toBe(1);
    expect(report.errors).toEqual([expect.objectContaining({ code: "BusyMemoryUnreadable", region: GZ })]);
    const third = await again.run({ REGIONS: GZ }, START + 30 * MIN);
    expect(third.report.errors).toEqual([]);
    expect(third.calls).toBe(0);
  });

  it("two runs at once each keep their own object; the next run reads the latest and still skips", async () => {
    const store = await localHistory();
    const { emu, run } = await world({ store });
    for (let n = 0; n < 3; n++) emu.state.addInstance({ Region: GZ, profile: busy });
    const both = await Promise.all([run({ REGIONS: GZ }, START), run({ REGIONS: GZ }, START + 1000)]);
    expect(both.map((r) => r.report.errors)).toEqual([[], []]);
    const next = await run({ REGIONS: GZ }, START + 15 * MIN);
    expect(next.report.errors).toEqual([]);
    expect(next.report.byKind[REMEMBERED]).toBe(3);
    expect(next.calls).toBe(0);
  });

  it("one object per account and region a run, and a machine no longer running is dropped from it", async () => {
    const store = await localHistory();
    const { emu, run } = await world({ store });
    const [a, b] = [GZ, SH].map((Region) => emu.state.addInstance({ Region, profile: busy }));
    const c = emu.state.addInstance({ Region: GZ, profile: busy });
    await run();
    const keys = await store.list("busy/");
    expect(keys).toHaveLength(2);
    expect(keys.map((k) => k.split("/").slice(2, 4).join("/")).sort()).toEqual([
      `${DEMO_UIN}/${GZ}`,
      `${DEMO_UIN}/${SH}`,
    ]);
    emu.state.instances.get(c.InstanceId)!.InstanceState = "STOPPED";
    await run({}, START + 15 * MIN);
    const after = await store.list("busy/");
    expect(after).toHaveLength(2);
    const gz = await store.get(after.find((k) => k.includes(`/${GZ}/`))!);
    expect(gz).toContain(a!.InstanceId);
    expect(gz).not.toContain(c.InstanceId);
    void b;
  });

  it("AUTO_STOP_REMEMBER_BUSY=false: every run queries every machine and keeps nothing", async () => {
    const store = await localHistory();
    const { emu, run } = await world({ store });
    emu.state.addInstance({ Region: GZ, profile: busy });
    const off = { REGIONS: GZ, AUTO_STOP_REMEMBER_BUSY: "false" };
    const runs = [await run(off), await run(off, START + 15 * MIN)];
    expect(runs.map((r) => r.cpuAsked)).toEqual([1, 1]);
    expect(await store.list("busy/")).toEqual([]);
  });

  it("a dry run reads it and writes none; a run for named machines neither reads nor writes it", async () => {
    const store = await localHistory();
    const { emu, run } = await world({ store });
    const m = emu.state.addInstance({ Region: GZ, profile: busy });
    await run({ REGIONS: GZ });
    const keys = await store.list("busy/");
    const dry = await run({ REGIONS: GZ, DRY_RUN: "true" }, START + 15 * MIN);
    expect(dry.calls).toBe(0);
    expect(await store.list("busy/")).toEqual(keys);
    const named = await run({ REGIONS: GZ }, START + 30 * MIN, { instanceIds: [m.InstanceId] });
    expect(named.calls).toBe(1);
    expect(await store.list("busy/")).toEqual(keys);
  });
});
