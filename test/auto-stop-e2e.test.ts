/** auto-stop-idle end to end, over HTTP against the emulator. */
import { FUNCTIONS } from "../functions/registry.ts";
import { describe, expect, it } from "vitest";
import type { Emulator } from "../emulator/server.ts";
import type { AutoStopReport } from "../functions/auto-stop-idle/index.ts";
import { loggedRequestIds, runFunction } from "./helpers/functions.ts";
import { emulator } from "./helpers/world.ts";

const GZ = "ap-guangzhou";
const SH = "ap-shanghai";
const idle = { cpu: 1, traffic: 0.01 };

function mixedFleet(emu: Emulator, region = GZ) {
  const s = emu.state;
  return {
    idle: s.addInstance({ Region: region, profile: idle, InstanceType: "S5.LARGE8" }),
    busy: s.addInstance({ Region: region, profile: { cpu: 55, traffic: 3 } }),
    noisyNet: s.addInstance({ Region: region, profile: { cpu: 1, traffic: 8 } }),
    missing: s.addInstance({ Region: region, profile: { cpu: null, traffic: 0 } }),
    young: s.addInstance({
      Region: region,
      profile: idle,
      CreatedTime: new Date(Date.now() - 10 * 60_000).toISOString(),
    }),
    optOut: s.addInstance({ Region: region, profile: idle, Tags: [{ Key: "autopilot:auto-stop", Value: "off" }] }),
    prepaid: s.addInstance({
      Region: region,
      profile: idle,
      InstanceChargeType: "PREPAID",
      RenewFlag: "NOTIFY_AND_AUTO_RENEW",
    }),
    stopped: s.addInstance({ Region: region, profile: idle, InstanceState: "STOPPED" }),
  };
}

const state = (emu: Emulator, id: string) => emu.state.instances.get(id)!.InstanceState;
/** Ids whose write ended with this outcome. */
const ids = (r: AutoStopReport, outcome: string) => r.results.filter((x) => x.outcome === outcome).map((x) => x.id);
const stopped = (r: AutoStopReport) => ids(r, "done");

describe("auto-stop-idle", () => {
  it("stops exactly the idle postpaid instance, and says why for each of the others", async () => {
    const emu = await emulator();
    const f = mixedFleet(emu);
    const { report, log } = await runFunction<AutoStopReport>("auto-stop-idle", emu, {
      AUTO_STOP_PRICES: "S5.LARGE8=0.64",
    });
    expect(stopped(report)).toEqual([f.idle.InstanceId]);
    expect(state(emu, f.idle.InstanceId)).toBe("STOPPED");
    expect(emu.state.instances.get(f.idle.InstanceId)!.StopChargingMode).toBe("STOP_CHARGING");
    for (const k of ["busy", "noisyNet", "missing", "young", "optOut"] as const)
      expect(state(emu, f[k].InstanceId)).toBe("RUNNING");
    const reason = (id: string) => report.kept.find((s) => s.id === id)?.reason;
    expect(reason(f.busy.InstanceId)).toContain("busy: CPU");
    expect(reason(f.noisyNet.InstanceId)).toContain("outbound traffic");
    expect(reason(f.missing.InstanceId)).toContain("no CPU metrics");
    expect(reason(f.young.InstanceId)).toContain("younger");
    expect(reason(f.optOut.InstanceId)).toContain("opted out");
    // Prepaid and stopped instances are filtered out server side: never even scanned.
    expect(report.scanned).toBe(6);
    expect(report.byKind).toEqual({
      idle: 1,
      "busy: CPU": 1,
      "busy: network": 1,
      "missing CPU metrics": 1,
      "too young": 1,
      "opted out": 1,
    });
    expect(report.byRegion[GZ]).toEqual({ scanned: 6, byKind: report.byKind, outcomes: report.outcomes });
    expect(report.outcomes).toEqual({
      planned: 0,
      done: 1,
      "changed-under-us": 0,
      failed: 0,
      "skipped-by-guard": 0,
      finding: 0,
    });
    expect(report.extras).toEqual({
      currency: "CNY",
      estimatedHourlySavings: 0.64,
      estimatedMonthlySavings: 460.8,
      unpriced: 0,
    });
    const stopCall = emu.callsFor("StopInstances")[0]!;
    expect(stopCall.params).toMatchObject({ StopType: "SOFT", StoppedMode: "STOP_CHARGING" });
    expect(report.results[0]).toMatchObject({
      id: f.idle.InstanceId,
      action: "stop",
      kind: "idle",
      outcome: "done",
      requestId: stopCall.requestId,
      detail: { instanceType: "S5.LARGE8" },
    });
    // Every API call's RequestId is in the log.
    expect(new Set(loggedRequestIds(log))).toEqual(new Set(emu.calls.map((c) => c.requestId)));
  });

  it("savings: AUTO_STOP_PRICES first, then the API's pay-as-you-go prices (one call per region); a type with neither is counted and named as unpriced, never free", async () => {
    const emu = await emulator();
    emu.state.addInstance({ Region: GZ, profile: idle, InstanceType: "S5.LARGE8" });
    emu.state.addInstance({ Region: GZ, profile: idle, InstanceType: "SA2.MEDIUM4" });
    emu.state.addInstance({ Region: GZ, profile: idle, InstanceType: "GN7.2XLARGE32" });
    emu.state.addInstance({ Region: GZ, profile: idle, InstanceType: "GN7.2XLARGE32" });
    for (let i = 0; i < 4; i++) emu.state.addInstance({ Region: GZ, profile: { cpu: 60, traffic: 5 } });
    const { report } = await runFunction<AutoStopReport>("auto-stop-idle", emu, {
      AUTO_STOP_PRICES: "S5.LARGE8=0.64",
      AUTO_STOP_CURRENCY: "USD",
      DRY_RUN: "true",
    });
    expect(report.outcomes.planned).toBe(4);
    // 0.64 from the override, 0.21 from DescribeZoneInstanceConfigInfos (the emulator's price for SA2.MEDIUM4).
    expect(report.extras).toEqual({
      currency: "USD",
      estimatedHourlySavings: 0.85,
      estimatedMonthlySavings: 612,
      unpriced: 2,
      unpricedTypes: ["GN7.2XLARGE32"],
    });
    const lookups = emu.callsFor("DescribeZoneInstanceConfigInfos");
    expect(lookups).toHaveLength(1);
    // Every screened-in type without an override: the lookup starts once a stop is likely, before
    // the busy machines (S5.MEDIUM4) are known to stay up, so it overlaps the traffic queries.
    expect((lookups[0]!.params as { Filters?: unknown }).Filters).toEqual([
      { Name: "instance-charge-type", Values: ["POSTPAID_BY_HOUR"] },
      { Name: "instance-type", Values: ["SA2.MEDIUM4", "GN7.2XLARGE32", "S5.MEDIUM4"] },
    ]);
  });

  it("the price lookup runs beside the traffic queries, not after them (issue 19: no extra round trip before the first stop)", async () => {
    const handled: string[] = [];
    const emu = await emulator({
      afterRequest: (c) =>
        handled.push(
          String(c.action === "GetMonitorData" ? (c.params as { MetricName?: string }).MetricName : c.action),
        ),
    });
    for (let i = 0; i < 3; i++) emu.state.addInstance({ Region: GZ, profile: idle, InstanceType: "SA2.MEDIUM4" });
    for (let i = 0; i < 4; i++) emu.state.addInstance({ Region: GZ, profile: { cpu: 60, traffic: 5 } });
    // The traffic queries are held until the lookup has arrived (at most 2 s): a lookup that waited
    // for every decision would come only after them.
    emu.faults.add({
      action: "GetMonitorData",
      kind: "slow",
      delayMs: 2000,
      match: (p) => p.MetricName === "LanOuttraffic",
      until: () => emu.callsFor("DescribeZoneInstanceConfigInfos").length > 0,
    });
    const { report } = await runFunction<AutoStopReport>("auto-stop-idle", emu, { DRY_RUN: "true" });
    expect(report.outcomes.planned).toBe(3);
    expect(report.extras).toMatchObject({ estimatedHourlySavings: 0.63 });
    expect(handled.indexOf("DescribeZoneInstanceConfigInfos")).toBeLessThan(handled.indexOf("LanOuttraffic"));
  });

  it("savings: a failed price lookup leaves those types unpriced and changes nothing else", async () => {
    const emu = await emulator();
    emu.state.addInstance({ Region: GZ, profile: idle, InstanceType: "SA2.MEDIUM4" });
    for (let i = 0; i < 3; i++) emu.state.addInstance({ Region: GZ, profile: { cpu: 60, traffic: 5 } });
    emu.faults.add({ action: "DescribeZoneInstanceConfigInfos", kind: "error", code: "UnauthorizedOperation" });
    const { report, log } = await runFunction<AutoStopReport>("auto-stop-idle", emu);
    expect(report.outcomes.done).toBe(1);
    expect(report.errors).toEqual([]);
    expect(report.extras).toMatchObject({
      currency: "CNY",
      estimatedHourlySavings: 0,
      unpriced: 1,
      unpricedTypes: ["SA2.MEDIUM4"],
    });
    expect(log.lines.some((l) => l.includes("price lookup failed"))).toBe(true);
  });

  it("dry-run changes nothing and lists the plan", async () => {
    const emu = await emulator();
    const f = mixedFleet(emu);
    const { report } = await runFunction<AutoStopReport>("auto-stop-idle", emu, { DRY_RUN: "true" });
    expect(ids(report, "planned")).toEqual([f.idle.InstanceId]);
    expect(stopped(report)).toEqual([]);
    expect(emu.callsFor("StopInstances")).toHaveLength(0);
    expect(state(emu, f.idle.InstanceId)).toBe("RUNNING");
  });

  it("a trigger can ask for dry-run even when the env does not", async () => {
    const emu = await emulator();
    mixedFleet(emu);
    await runFunction<AutoStopReport>("auto-stop-idle", emu, {}, { dryRun: true });
    expect(emu.callsFor("StopInstances")).toHaveLength(0);
  });

  it("a second run stops nothing new", async () => {
    const emu = await emulator();
    mixedFleet(emu);
    await runFunction("auto-stop-idle", emu);
    const stopsBefore = emu.callsFor("StopInstances").length;
    const { report } = await runFunction<AutoStopReport>("auto-stop-idle", emu);
    expect(report.results).toEqual([]);
    expect(emu.callsFor("StopInstances")).toHaveLength(stopsBefore);
  });

  it("works across regions", async () => {
    const emu = await emulator();
    const a = mixedFleet(emu, GZ);
    const b = mixedFleet(emu, SH);
    const { report } = await runFunction<AutoStopReport>("auto-stop-idle", emu, { REGIONS: `${GZ},${SH}` });
    expect(stopped(report).sort()).toEqual([a.idle.InstanceId, b.idle.InstanceId].sort());
    expect(new Set(emu.callsFor("StopInstances").map((c) => c.region))).toEqual(new Set([GZ, SH]));
  });

  it("REGIONS=all resolves regions with DescribeRegions", async () => {
    const emu = await emulator({ regions: [GZ, SH, "ap-beijing"] });
    const b = mixedFleet(emu, "ap-beijing");
    const { report } = await runFunction<AutoStopReport>("auto-stop-idle", emu, { REGIONS: "all" });
    expect(report.regions).toEqual([GZ, SH, "ap-beijing"]);
    expect(stopped(report)).toEqual([b.idle.InstanceId]);
    // From the Region API (Product=cvm), the current list, not CVM's own, which is no longer updated.
    const lists = emu.callsFor("DescribeRegions");
    expect(lists.map((c) => c.service)).toEqual(["region"]);
    expect(lists[0]!.params).toEqual({ Product: "cvm" });
  });

  it("REGIONS=all falls back to CVM's DescribeRegions, with a warning, when the Region API refuses", async () => {
    const emu = await emulator({ regions: [GZ, SH] });
    emu.faults.add({ action: "DescribeRegions", kind: "error", code: "AuthFailure.UnauthorizedOperation", count: 1 });
    const { report, log } = await runFunction<AutoStopReport>("auto-stop-idle", emu, { REGIONS: "all" });
    expect(report.regions).toEqual([GZ, SH]);
    expect(emu.callsFor("DescribeRegions").map((c) => `${c.service}${c.code ? ` ${c.code}` : ""}`)).toEqual([
      "region AuthFailure.UnauthorizedOperation",
      "cvm",
    ]);
    expect(log.records().some((r) => String(r.msg).includes("falls back to CVM's DescribeRegions"))).toBe(true);
  });

  it("batches over 100 candidates: 100 ids a StopInstances call, up to 50 instances a metric call", async () => {
    const emu = await emulator();
    for (let i = 0; i < 150; i++) emu.state.addInstance({ Region: GZ, profile: idle });
    for (let i = 0; i < 50; i++) emu.state.addInstance({ Region: GZ, profile: { cpu: 70, traffic: 5 } });
    const { report } = await runFunction<AutoStopReport>("auto-stop-idle", emu, { AUTO_STOP_MAX_FRACTION: "0.8" });
    expect(stopped(report)).toHaveLength(150);
    expect(
      emu.callsFor("StopInstances").map((c) => (c.params as { InstanceIds: string[] }).InstanceIds.length),
    ).toEqual([100, 50]);
    const metricCalls = emu.callsFor("GetMonitorData");
    const sizes = (metric: string) =>
      metricCalls
        .filter((c) => (c.params as { MetricName: string }).MetricName === metric)
        .map((c) => (c.params as { Instances: unknown[] }).Instances.length);
    // Two pages of 100: two CPU calls of 50 each (the current API's 50 a call; 20 calls at the old 10).
    expect(sizes("CPUUsage")).toEqual([50, 50, 50, 50]);
    // Traffic only for the 150 whose CPU looked idle, at most 50 a call.
    expect(sizes("LanOuttraffic").reduce((a, b) => a + b, 0)).toBe(150);
    expect(Math.max(...sizes("LanOuttraffic"))).toBeLessThanOrEqual(50);
    expect(sizes("LanOuttraffic").length).toBeLessThanOrEqual(5);
    expect(emu.callsFor("DescribeInstances")).toHaveLength(2);
  });

  it("a pay-as-you-go price steps down with the machine's hours (96 h, 360 h), and a price of 0 is no price", async () => {
    const emu = await emulator();
    const ago = (days: number) => new Date(Date.now() - days * 86400_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    const ids = [2, 10, 30].map(
      (days) =>
        emu.state.addInstance({ Region: GZ, InstanceType: "S5.8XLARGE64", profile: idle, CreatedTime: ago(days) })
          .InstanceId,
    );
    const gpu = emu.state.addInstance({ Region: GZ, InstanceType: "GN7.2XLARGE32", profile: idle }).InstanceId;
    const { report } = await runFunction<AutoStopReport>("auto-stop-idle", emu, {
      AUTO_STOP_MAX_FRACTION: "1",
      DRY_RUN: "true",
    });
    const price = (id: string) => report.results.find((r) => r.id === id)?.detail?.hourlyPrice;
    expect(ids.map(price)).toEqual([4, 3.6, 3.2]);
    expect(price(gpu)).toBeUndefined();
    expect(report.extras).toMatchObject({ unpriced: 1, unpricedTypes: ["GN7.2XLARGE32"] });
  });

  it("a look-back whose points per instance would pass the 7,200 a request holds is split by instances", async () => {
    const emu = await emulator();
    for (let i = 0; i < 12; i++)
      emu.state.addInstance({ Region: GZ, profile: idle, CreatedTime: "2026-01-01T00:00:00Z" });
    await runFunction<AutoStopReport>("auto-stop-idle", emu, {
      AUTO_STOP_LOOKBACK_MINUTES: "1440",
      AUTO_STOP_METRIC_PERIOD: "60",
      DRY_RUN: "true",
    });
    // 1,441 points an instance: four a call (5,764 points), never five (7,205).
    const cpu = emu
      .callsFor("GetMonitorData")
      .filter((c) => (c.params as { MetricName: string }).MetricName === "CPUUsage");
    expect(cpu.map((c) => (c.params as { Instances: unknown[] }).Instances.length)).toEqual([4, 4, 4]);
    expect(cpu.every((c) => !c.code)).toBe(true);
  });

  it("a metric call refused for its free quota says so and names the fix", async () => {
    const emu = await emulator();
    emu.state.addInstance({ Region: GZ, profile: idle });
    // The real code is not documented; a quota-like refusal is what the hint is for.
    emu.faults.add({
      action: "GetMonitorData",
      kind: "error",
      code: "FailedOperation.QuotaExceeded",
      message: "free quota used up",
    });
    const { report } = await runFunction<AutoStopReport>("auto-stop-idle", emu);
    expect(report.errors[0]?.message).toContain("API请求按量付费");
    expect(emu.callsFor("StopInstances")).toEqual([]);
  });

  it("survives a RequestLimitExceeded burst and a 5xx mid-run", async () => {
    const emu = await emulator({ rateLimits: true });
    const f = mixedFleet(emu);
    emu.faults.add(
      { action: "GetMonitorData", kind: "error", code: "RequestLimitExceeded", count: 3 },
      { action: "StopInstances", kind: "http5xx", count: 1 },
      { action: "DescribeInstances", kind: "drop", count: 1 },
    );
    const { report } = await runFunction<AutoStopReport>("auto-stop-idle", emu);
    expect(report.errors).toEqual([]);
    expect(stopped(report)).toEqual([f.idle.InstanceId]);
    expect(emu.calls.filter((c) => c.fault).length).toBe(5);
  });

  it("a malformed id inside a batch: the rest are stopped, the bad one reported", async () => {
    const emu = await emulator();
    const good = Array.from({ length: 6 }, () => emu.state.addInstance({ Region: GZ, profile: idle }));
    const bad = emu.state.addInstance({ Region: GZ, profile: idle, InstanceId: "ins-BAD" });
    for (let i = 0; i < 7; i++) emu.state.addInstance({ Region: GZ, profile: { cpu: 80, traffic: 9 } });
    const { report } = await runFunction<AutoStopReport>("auto-stop-idle", emu);
    expect(stopped(report).sort()).toEqual(good.map((g) => g.InstanceId).sort());
    expect(report.errors).toEqual([
      expect.objectContaining({
        id: bad.InstanceId,
        code: "InvalidInstanceId.Malformed",
        requestId: expect.any(String),
      }),
    ]);
    for (const g of good) expect(state(emu, g.InstanceId)).toBe("STOPPED");
  });

  it("an instance stopped by someone else between describe and stop is reported as changed", async () => {
    const emu = await emulator();
    const f = mixedFleet(emu);
    emu.faults.add({ action: "StopInstances", kind: "stateChange", toState: "STOPPED", count: 1 });
    const { report } = await runFunction<AutoStopReport>("auto-stop-idle", emu);
    expect(report.results).toEqual([
      expect.objectContaining({
        id: f.idle.InstanceId,
        outcome: "changed-under-us",
        code: "UnsupportedOperation.InstanceStateStopped",
      }),
    ]);
    expect(report.errors).toEqual([]);
  });

  it("the guard trips: nothing is stopped", async () => {
    const emu = await emulator();
    for (let i = 0; i < 3; i++) emu.state.addInstance({ Region: GZ, profile: idle });
    emu.state.addInstance({ Region: GZ, profile: { cpu: 60, traffic: 5 } });
    const { report } = await runFunction<AutoStopReport>("auto-stop-idle", emu);
    expect(report.guard).toEqual({
      tripped: true,
      inScope: 4,
      wouldAct: 3,
      limit: 2,
      help: expect.stringContaining("AUTO_STOP_MAX_COUNT"),
    });
    // The summary says how to proceed, by the settings' names.
    expect(FUNCTIONS["auto-stop-idle"]!.summarize(report)).toContain(
      "nothing done; to proceed: check the stops listed are right, then raise AUTO_STOP_MAX_COUNT or AUTO_STOP_MAX_FRACTION, or set AUTO_STOP_OVERRIDE_GUARD=true for one run",
    );
    expect(ids(report, "skipped-by-guard")).toHaveLength(3);
    expect(stopped(report)).toEqual([]);
    expect(emu.callsFor("StopInstances")).toHaveLength(0);
  });

  it("a region that fails is reported; the others still act", async () => {
    const emu = await emulator();
    const a = mixedFleet(emu, GZ);
    mixedFleet(emu, SH);
    emu.faults.add({ action: "DescribeInstances", region: SH, kind: "error", code: "UnauthorizedOperation" });
    const { report } = await runFunction<AutoStopReport>("auto-stop-idle", emu, { REGIONS: `${GZ},${SH}` });
    expect(stopped(report)).toEqual([a.idle.InstanceId]);
    expect(report.errors).toEqual([
      expect.objectContaining({ region: SH, code: "UnauthorizedOperation", requestId: expect.any(String) }),
    ]);
  });

  it("REGIONS=all with an empty DescribeRegions answer is an error, not a quiet run that did nothing", async () => {
    const emu = await emulator();
    emu.faults.add({
      action: "DescribeRegions",
      kind: "body",
      body: JSON.stringify({ Response: { TotalCount: 0, RegionSet: [], RequestId: "req-empty" } }),
    });
    await expect(runFunction<AutoStopReport>("auto-stop-idle", emu, { REGIONS: "all" })).rejects.toMatchObject({
      action: "DescribeRegions",
      requestId: "req-empty",
    });
  });

  it("a scope of more than 5 values per filter is split into queries of at most 5 (DescribeInstances' limit)", async () => {
    const emu = await emulator();
    const projects = [0, 1001, 1002, 1003, 1004, 1005, 1006];
    const idleIn = projects.map((p) =>
      emu.state.addInstance({ Region: GZ, profile: idle, Placement: { Zone: `${GZ}-3`, ProjectId: p } }),
    );
    for (let i = 0; i < 14; i++)
      emu.state.addInstance({
        Region: GZ,
        profile: { cpu: 60, traffic: 5 },
        Placement: { Zone: `${GZ}-3`, ProjectId: projects[i % 7]! },
      });
    emu.state.addInstance({ Region: GZ, profile: idle, Placement: { Zone: `${GZ}-3`, ProjectId: 2000 } });
    const { report } = await runFunction<AutoStopReport>("auto-stop-idle", emu, {
      AUTO_STOP_PROJECTS: projects.join(","),
    });
    expect(report.errors).toEqual([]);
    expect(report.scanned).toBe(21);
    expect(stopped(report).sort()).toEqual(idleIn.map((i) => i.InstanceId).sort());
    for (const c of emu.callsFor("DescribeInstances")) {
      for (const f of (c.params as { Filters: Array<{ Values: string[] }> }).Filters)
        expect(f.Values.length).toBeLessThanOrEqual(5);
    }
  });

  it("Cloud Monitor as documented: times like 2018-09-22T19:51:23+08:00; an instance without a public IP has no WAN series and is judged on LAN", async () => {
    const emu = await emulator();
    const privateOnly = emu.state.addInstance({ Region: GZ, profile: idle, PublicIpAddresses: null });
    const withIp = emu.state.addInstance({ Region: GZ, profile: idle, PublicIpAddresses: ["43.1.2.3"] });
    for (let i = 0; i < 3; i++) emu.state.addInstance({ Region: GZ, profile: { cpu: 60, traffic: 5 } });
    const { report } = await runFunction<AutoStopReport>("auto-stop-idle", emu);
    expect(stopped(report).sort()).toEqual([privateOnly.InstanceId, withIp.InstanceId].sort());
    for (const c of emu.callsFor("GetMonitorData")) {
      const p = c.params as { StartTime: string; EndTime: string };
      expect(p.StartTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
      expect(p.EndTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
    }
  });
});
