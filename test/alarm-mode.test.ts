/**
 * auto-stop-idle in alarm mode (AUTO_STOP_SOURCE=alarms), over HTTP against the emulator's Cloud
 * Monitor alarm policies: deploy keeps one policy per region, a run verifies only what the
 * policy reports, and an alarm is a hint, never evidence.
 */
import { describe, expect, it } from "vitest";
import type { Emulator } from "../emulator/server.ts";
import type { AutoStopReport } from "../functions/auto-stop-idle/index.ts";
import { FUNCTIONS } from "../functions/registry.ts";
import { memoryLogger } from "../lib/log/logger.ts";
import { envFor, runFunction } from "./helpers/functions.ts";
import { runCli } from "./helpers/cli.ts";
import { clientFor, emulator } from "./helpers/world.ts";
import { alarmStore } from "../emulator/handlers/alarms.ts";

const GZ = "ap-guangzhou";
const SH = "ap-shanghai";
const idle = { cpu: 1, traffic: 0.01 };
const TAG = { Key: "autopilot:auto-stop", Value: "on" };
const ALARMS = {
  AUTO_STOP_SOURCE: "alarms",
  AUTO_STOP_INCLUDE_TAGS: "autopilot:auto-stop=on",
  REGIONS: GZ,
  AUTO_STOP_MAX_FRACTION: "1",
};

/**
 * An emulator clock 120 s into a 5-minute slot, within 150 s of the wall clock (requests are
 * signed with the wall clock): the alarm, judged a period late, and the run's fresh metrics then
 * see different slots whatever the time of day.
 */
async function slottedEmulator(opts: Parameters<typeof emulator>[0] = {}) {
  const real = Date.now();
  const slot = Math.floor(real / 300_000) * 300_000;
  const base = slot + 120_000 - (slot + 120_000 - real > 150_000 ? 300_000 : 0);
  const start = Date.now();
  const emu = await emulator({ now: () => base + (Date.now() - start), ...opts });
  // Requests are signed by the emulator's clock too, so the clock may move on by days.
  const clock = { now: () => emu.state.now(), sleep: async (ms: number) => emu.advance(ms) };
  const now = () => new Date(emu.state.now());
  return { emu, now, clock, at: { now, clock } };
}

async function provision(emu: Emulator, extra: Record<string, string>, remove = false) {
  const { client } = clientFor(emu, { clock: { now: () => emu.state.now(), sleep: async () => {} } });
  const regions = (extra.REGIONS ?? GZ).split(",");
  return FUNCTIONS["auto-stop-idle"]!.provision!(envFor(emu, extra), {
    client,
    logger: memoryLogger(),
    regions,
    dryRun: false,
    remove,
  });
}

const metricIds = (emu: Emulator) =>
  new Set(
    emu
      .callsFor("GetMonitorData")
      .flatMap((c) =>
        (c.params as { Instances: Array<{ Dimensions: Array<{ Value: string }> }> }).Instances.map(
          (i) => i.Dimensions[0]!.Value,
        ),
      ),
  );
const stopped = (r: AutoStopReport) => r.results.filter((x) => x.outcome === "done").map((x) => x.id);
const kept = (r: AutoStopReport, id: string) => r.kept.find((k) => k.id === id);

describe("alarm mode: the run", () => {
  it("verifies only what the policy reports; a stale alarm on a busy machine, an opted-out or out-of-scope alarmed machine is not stopped", async () => {
    const { emu, at } = await slottedEmulator();
    const s = emu.state;
    const idleOne = s.addInstance({ Region: GZ, profile: idle, Tags: [TAG], InstanceName: "dev-idle" });
    const busy = s.addInstance({ Region: GZ, profile: { cpu: 60, traffic: 4 }, Tags: [TAG], InstanceName: "dev-busy" });
    // Idle for the hour, busy for the last 200 s: the alarm, judged a period late, still fires.
    const stale = s.addInstance({
      Region: GZ,
      profile: { ...idle, bursts: [{ metric: "CPUUsage", lastSeconds: 200, value: 80 }] },
      Tags: [TAG],
      InstanceName: "dev-stale",
    });
    const optedOut = s.addInstance({
      Region: GZ,
      profile: idle,
      Tags: [TAG, { Key: "autopilot:auto-stop", Value: "off" }],
      InstanceName: "dev-optout",
    });
    const outOfScope = s.addInstance({ Region: GZ, profile: idle, Tags: [TAG], InstanceName: "prod-db" });
    await provision(emu, ALARMS);
    const { report } = await runFunction<AutoStopReport>(
      "auto-stop-idle",
      emu,
      { ...ALARMS, AUTO_STOP_NAME_PATTERN: "^dev-" },
      {},
      at,
    );
    expect(stopped(report)).toEqual([idleOne.InstanceId]);
    expect(kept(report, stale.InstanceId)?.reason).toContain("busy: CPU");
    expect(kept(report, busy.InstanceId)?.kind).toBe("no idle alarm");
    expect(kept(report, optedOut.InstanceId)?.reason).toContain("opted out");
    expect(kept(report, outOfScope.InstanceId)?.reason).toContain("name does not match");
    // Metrics were read for the alarmed machines in scope only: never for the busy one, the opted-out or the out-of-scope one.
    expect(metricIds(emu)).toEqual(new Set([idleOne.InstanceId, stale.InstanceId]));
    expect(s.instances.get(stale.InstanceId)!.InstanceState).toBe("RUNNING");
    // The guard's denominator is the whole in-scope fleet, alarmed or not.
    expect(report.guard).toMatchObject({ inScope: 3, wouldAct: 1 });
  });

  it("a region without its policy is an error and nothing there is stopped", async () => {
    const { emu, at } = await slottedEmulator();
    const one = emu.state.addInstance({ Region: GZ, profile: idle, Tags: [TAG] });
    const { report } = await runFunction<AutoStopReport>("auto-stop-idle", emu, ALARMS, {}, at);
    expect(report.errors).toEqual([
      expect.objectContaining({
        region: GZ,
        code: "AlarmPolicyMissing",
        message: expect.stringContaining("cvm-autopilot deploy"),
      }),
    ]);
    expect(emu.state.instances.get(one.InstanceId)!.InstanceState).toBe("RUNNING");
    expect(emu.callsFor("GetMonitorData")).toHaveLength(0);
  });

  it("alarm mode needs a tag to bind by: a clear config error, not a policy that watches nothing", () => {
    expect(() => FUNCTIONS["auto-stop-idle"]!.load({ TENCENTCLOUD_REGION: GZ, AUTO_STOP_SOURCE: "alarms" })).toThrow(
      /AUTO_STOP_SOURCE=alarms: .*set AUTO_STOP_INCLUDE_TAGS/,
    );
  });

  it("an alarm that began weeks ago is still found (histories are searched by when they began), and a policy that drifted is noted", async () => {
    const { emu, at, clock } = await slottedEmulator();
    const one = emu.state.addInstance({ Region: GZ, profile: idle, Tags: [TAG] });
    await provision(emu, ALARMS);
    const { client } = clientFor(emu, { clock });
    const ask = (extra: Record<string, unknown> = {}) =>
      client.call<{ TotalCount: number }>(
        "monitor",
        "DescribeAlarmHistories",
        { Module: "monitor", AlarmStatus: ["ALARM"], ...extra },
        { region: GZ },
      );
    expect((await ask()).TotalCount).toBe(1);
    emu.advance(3 * 86_400_000);
    // The API's default search (one day back) no longer finds it: it began three days ago.
    expect((await ask()).TotalCount).toBe(0);
    const { report } = await runFunction<AutoStopReport>(
      "auto-stop-idle",
      emu,
      { ...ALARMS, DRY_RUN: "true", AUTO_STOP_CPU_THRESHOLD: "3" },
      {},
      at,
    );
    expect(report.results.map((r) => r.id)).toEqual([one.InstanceId]);
    expect(JSON.stringify(report.notes.alarmPolicy)).toContain(
      "differs from the config (missing rule CpuUsage lt 3 for 5×300s; extra rule CpuUsage lt 5 for 5×300s)",
    );
  });

  it("the metric budget: at most its share of machines are verified a run, the rest deferred and verified at the next runs until all are done", async () => {
    const { emu, at } = await slottedEmulator();
    const fleet = Array.from({ length: 120 }, () => emu.state.addInstance({ Region: GZ, profile: idle, Tags: [TAG] }));
    await provision(emu, ALARMS);
    const done = new Set<string>();
    const calls: number[] = [];
    for (let run = 0; run < 3; run++) {
      const before = emu.callsFor("GetMonitorData").length;
      const { report } = await runFunction<AutoStopReport>(
        "auto-stop-idle",
        emu,
        { ...ALARMS, AUTO_STOP_METRIC_BUDGET: "3" },
        {},
        at,
      );
      calls.push(emu.callsFor("GetMonitorData").length - before);
      for (const id of stopped(report)) done.add(id);
      expect(report.errors).toEqual([]);
      emu.advance(15 * 60_000);
    }
    // 3 calls a run: one batch of 50 (CPU, LAN, WAN), so 50 + 50 + 20 machines.
    expect(calls.every((n) => n <= 3)).toBe(true);
    expect(done.size).toBe(120);
    expect(new Set(fleet.map((i) => i.InstanceId))).toEqual(done);
  });

  it("a budget too small for one batch per region is an error naming the fix", async () => {
    const { emu, at } = await slottedEmulator();
    emu.state.addInstance({ Region: GZ, profile: idle, Tags: [TAG] });
    const { report } = await runFunction<AutoStopReport>(
      "auto-stop-idle",
      emu,
      { AUTO_STOP_METRIC_BUDGET: "5", REGIONS: `${GZ},${SH}` },
      {},
      at,
    );
    expect(report.errors.map((e) => e.code)).toEqual(["MetricBudgetTooSmall", "MetricBudgetTooSmall"]);
    expect(report.errors[0]!.message).toContain("set it to at least 6");
  });
});

describe("alarm mode: deploy", () => {
  const cliEnv = (emu: Emulator, extra: Record<string, string>) => ({
    TENCENTCLOUD_SECRET_ID: emu.credentials.secretId,
    TENCENTCLOUD_SECRET_KEY: emu.credentials.secretKey,
    TENCENTCLOUD_REGION: GZ,
    CVM_AUTOPILOT_ENDPOINT: emu.url,
    ...extra,
  });
  const policies = async (emu: Emulator) => {
    const { client } = clientFor(emu);
    const r = await client.call<{ Policies: Array<{ PolicyName: string; TagInstances: Array<{ Key: string }> }> }>(
      "monitor",
      "DescribeAlarmPolicies",
      { Module: "monitor", PageSize: 100 },
      { region: GZ },
    );
    return r.Policies.map((p) => p.PolicyName).sort();
  };

  it("three regions, the emulator enforcing the published metric config, 20-character names and account-wide policies: one policy, every write accepted, a second deploy writes nothing; a changed threshold recreates it; polling or --remove leaves none", async () => {
    const emu = await emulator();
    const env = cliEnv(emu, { ...ALARMS, REGIONS: `${GZ},${SH},ap-beijing` });
    const first = await runCli(["deploy"], env, 60_000);
    expect(first.code).toBe(0);
    // ContinuePeriod within DescribeAlarmMetrics' [1–5]: 5×300 s, the longest span the 60-minute window allows.
    expect(first.stdout).toMatch(
      /auto-stop-idle: CreateAlarmPolicy \(cvm-autopilot-idle policy-\w+: CpuUsage < 5 for 5×300s and LanOuttraffic < 1 for 5×300s; bound to tag autopilot:auto-stop=on; in every region\)/,
    );
    expect(emu.callsFor("DescribeAlarmMetrics").length).toBeGreaterThan(0);
    expect(emu.callsFor("CreateAlarmPolicy")).toHaveLength(1);
    expect(emu.callsFor("CreateAlarmPolicy").filter((c) => c.code)).toEqual([]);
    expect(await policies(emu)).toEqual(["cvm-autopilot-idle"]);
    const second = await runCli(["deploy"], env, 60_000);
    expect(second.stdout).toContain("auto-stop-idle: unchanged (cvm-autopilot-idle policy-");
    expect(second.stdout).toContain("deploy: 0 write(s)");
    expect(emu.callsFor("CreateAlarmPolicy")).toHaveLength(1);
    const changed = await runCli(["deploy"], { ...env, AUTO_STOP_CPU_THRESHOLD: "3" }, 60_000);
    expect(changed.stdout).toMatch(
      /auto-stop-idle: DeleteAlarmPolicy \(cvm-autopilot-idle policy-\w+: differs from the config/,
    );
    expect(await policies(emu)).toEqual(["cvm-autopilot-idle"]);
    const planned = await runCli(["deploy", "--remove", "--dry-run"], env, 60_000);
    expect(planned.stdout).toContain("auto-stop-idle: would DeleteAlarmPolicy (cvm-autopilot-idle policy-");
    expect(await policies(emu)).toHaveLength(1);
    const gone = await runCli(["deploy", "--remove"], env, 60_000);
    expect(gone.code).toBe(0);
    expect(await policies(emu)).toEqual([]);
  }, 180_000);

  it("an earlier version's per-region policies are deleted; a policy lists every region and alarms on machines in each; histories are split by region", async () => {
    const { emu, at } = await slottedEmulator();
    const gz = emu.state.addInstance({ Region: GZ, profile: idle, Tags: [TAG] });
    const sh = emu.state.addInstance({ Region: SH, profile: idle, Tags: [TAG] });
    // What an earlier version left: one policy per region (a name only the 60-character reading allows).
    alarmStore(emu.state).policies.set("policy-old00001", {
      PolicyId: "policy-old00001",
      OriginId: "1",
      PolicyName: "cvm-autopilot-idle-ap-guangzhou",
      Remark: "",
      Namespace: "cvm_device",
      Enable: 1,
      ProjectId: 0,
      IsUnionRule: 1,
      Rules: [{ MetricName: "CpuUsage", Period: 300, Operator: "lt", Value: "5", ContinuePeriod: 1 }],
      tags: [TAG],
      tagOperation: "",
      InsertTime: 0,
    });
    const steps = await provision(emu, { ...ALARMS, REGIONS: `${GZ},${SH}` });
    expect(steps.map((x) => `${x.action} ${x.detail}`)).toEqual([
      expect.stringMatching(/^DeleteAlarmPolicy cvm-autopilot-idle-ap-guangzhou policy-old00001: an earlier version/),
      expect.stringMatching(/^CreateAlarmPolicy cvm-autopilot-idle /),
    ]);
    const { client } = clientFor(emu);
    const listed = await client.call<{ Policies: Array<{ Region: string[] }> }>(
      "monitor",
      "DescribeAlarmPolicies",
      { Module: "monitor", PageSize: 100 },
      { region: SH },
    );
    expect(listed.Policies[0]!.Region).toEqual(expect.arrayContaining(["gz", "sh", "bj"]));
    const { report } = await runFunction<AutoStopReport>(
      "auto-stop-idle",
      emu,
      { ...ALARMS, REGIONS: `${GZ},${SH}` },
      {},
      at,
    );
    expect(new Set(stopped(report))).toEqual(new Set([gz.InstanceId, sh.InstanceId]));
    // One listing and one history search for the account, not one per region.
    expect(emu.callsFor("DescribeAlarmHistories")).toHaveLength(1);
  });

  it("several include tags bind with TagOperation as AUTO_STOP_INCLUDE_TAGS means them: distinct keys AND, one key twice OR", async () => {
    const emu = await emulator();
    const bindings = async (tags: string) => {
      await provision(emu, { ...ALARMS, AUTO_STOP_INCLUDE_TAGS: tags });
      const last = emu.callsFor("BindingPolicyTag").at(-1)!.params as Record<string, unknown>;
      return [last.ServiceType, last.TagOperation];
    };
    expect(await bindings("team=a,env=dev")).toEqual(["cvm", "AND"]);
    expect(await bindings("env=dev,env=test")).toEqual(["cvm", "OR"]);
    expect(await bindings("env=dev")).toEqual(["cvm", "OR"]);
  });

  it("with ACCOUNTS, deploy provisions the policy in each account through its role; an account whose role cannot be assumed is named, and a second deploy writes nothing", async () => {
    const members = ["200000000002", "200000000003"];
    const emu = await emulator({ accounts: [{ uin: members[0]! }, { uin: members[1]!, roles: [] }] });
    const ACCOUNTS = members.map((u) => `qcs::cam::uin/${u}:roleName/cvm-autopilot`).join(",");
    const env = cliEnv(emu, { ...ALARMS, ACCOUNTS });
    const first = await runCli(["deploy"], env, 60_000);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(
      /auto-stop-idle: CreateAlarmPolicy \(account 200000000002: cvm-autopilot-idle policy-/,
    );
    expect(first.stdout).toMatch(
      /auto-stop-idle: not provisioned \(account 200000000003: AssumeRole .*RoleNotFound: .* 200000000003; its runs report AlarmPolicyMissing/,
    );
    expect(alarmStore(emu.account(members[0]!).state).policies.size).toBe(1);
    // Not the deployer's account: its runs do not cover it (ACCOUNTS lists no self).
    expect(alarmStore(emu.state).policies.size).toBe(0);
    const second = await runCli(["deploy"], env, 60_000);
    expect(second.stdout).toContain("auto-stop-idle: unchanged (account 200000000002: cvm-autopilot-idle policy-");
    expect(second.stdout).toContain("deploy: 0 write(s)");
  }, 120_000);

  it("auto-stop's CAM policy reads alarm policies and histories; the writes stay the deployer's", async () => {
    const { camPolicyFor } = await import("../lib/deploy/cam-policy.ts");
    const { FUNCTIONS } = await import("../functions/registry.ts");
    const actions = camPolicyFor(FUNCTIONS["auto-stop-idle"]!).statement[0]!.action;
    expect(actions).toEqual(
      expect.arrayContaining([
        "monitor:DescribeAlarmPolicies",
        "monitor:DescribeAlarmHistories",
        "monitor:GetMonitorData",
      ]),
    );
    for (const w of ["monitor:CreateAlarmPolicy", "monitor:BindingPolicyTag", "monitor:DeleteAlarmPolicy"])
      expect(actions).not.toContain(w);
  });
});

describe("Cloud Monitor's free tier", () => {
  it("past the month's free calls GetMonitorData is refused; the run says why and how to fix it, and stops nothing", async () => {
    const { emu, at } = await slottedEmulator({ monitorFreeCalls: 2 });
    const one = emu.state.addInstance({ Region: GZ, profile: idle, PublicIpAddresses: ["43.1.2.3"] });
    const { report } = await runFunction<AutoStopReport>("auto-stop-idle", emu, { REGIONS: GZ }, {}, at);
    expect(emu.state.instances.get(one.InstanceId)!.InstanceState).toBe("RUNNING");
    expect(report.errors).toEqual([
      expect.objectContaining({ code: "LimitExceeded", message: expect.stringContaining("free 1,000,000 calls") }),
    ]);
    expect(emu.state.monitorCalls.get(new Date(emu.state.now() + 8 * 3600_000).toISOString().slice(0, 7))).toBe(2);
  });
});
