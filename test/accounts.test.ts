/**
 * Many accounts (issue 21) against an emulator serving several: roles assumed with STS, the
 * organization's members listed, per-account limits, a role that cannot be assumed failing only
 * its own account, temporary credentials refreshed when they expire mid-run.
 */
import { describe, expect, it } from "vitest";
import type { Emulator } from "../emulator/server.ts";
import { assumedRole } from "../lib/accounts/assume-role.ts";
import type { RunReport } from "../lib/report/report.ts";
import { clientFor, emulator } from "./helpers/world.ts";
import { runFunction } from "./helpers/functions.ts";

const REGIONS = ["ap-guangzhou", "ap-shanghai", "ap-beijing"];
const MEMBERS = ["200000000002", "200000000003", "200000000004"];
const arn = (uin: string, role = "cvm-autopilot") => `qcs::cam::uin/${uin}:roleName/${role}`;
const idle = { cpu: 1, traffic: 0.01 };

/** Three member accounts, each with one idle and one busy machine in each of three regions; the third has no assumable role. */
async function org(opts: { rateLimits?: boolean } = {}) {
  const emu = await emulator({
    ...(opts.rateLimits ? { rateLimits: true } : {}),
    accounts: [
      { uin: MEMBERS[0]!, name: "payments" },
      { uin: MEMBERS[1]!, name: "search" },
      { uin: MEMBERS[2]!, name: "legacy", roles: [] },
    ],
  });
  const idleIds: Record<string, string[]> = {};
  for (const uin of MEMBERS) {
    for (const region of REGIONS) {
      const st = emu.account(uin).state;
      (idleIds[uin] ??= []).push(
        st.addInstance({ Region: region, profile: idle, InstanceType: "S5.LARGE8" }).InstanceId,
      );
      st.addInstance({ Region: region, profile: { cpu: 60, traffic: 4 } });
    }
  }
  return { emu, idleIds };
}

const stateOf = (emu: Emulator, uin: string, id: string) => emu.account(uin).state.instances.get(id)!.InstanceState;

describe("many accounts", () => {
  it("3 accounts × 3 regions, one role that cannot be assumed: the other 6 shards act, the third account is reported with its code and RequestId", async () => {
    const { emu, idleIds } = await org();
    const { report } = await runFunction<RunReport>("auto-stop-idle", emu, {
      ACCOUNTS: MEMBERS.map((u) => arn(u)).join(","),
      REGIONS: REGIONS.join(","),
    });
    for (const uin of MEMBERS.slice(0, 2))
      for (const id of idleIds[uin]!) expect(stateOf(emu, uin, id)).toBe("STOPPED");
    for (const id of idleIds[MEMBERS[2]!]!) expect(stateOf(emu, MEMBERS[2]!, id)).toBe("RUNNING");
    expect(report.outcomes.done).toBe(6);
    expect(report.errors).toEqual([
      expect.objectContaining({
        account: MEMBERS[2],
        action: "AssumeRole",
        code: "ResourceNotFound.RoleNotFound",
        requestId: expect.any(String),
      }),
    ]);
    expect(report.accounts!.map((a) => [a.uin, a.regions.length, a.outcomes.done, a.error?.code])).toEqual([
      [MEMBERS[0], 3, 3, undefined],
      [MEMBERS[1], 3, 3, undefined],
      [MEMBERS[2], 0, 0, "ResourceNotFound.RoleNotFound"],
    ]);
    // Every line that names a resource names its account.
    for (const r of report.results) expect(MEMBERS).toContain(r.account);
    expect(Object.keys(report.byRegion).sort()).toEqual(
      MEMBERS.slice(0, 2)
        .flatMap((u) => REGIONS.map((r) => `${u}/${r}`))
        .sort(),
    );
    // The caller's own account is not touched unless listed: no CVM call was made with its key.
    expect(emu.calls.filter((c) => c.account === "100000000001" && c.service === "cvm")).toEqual([]);
    // Each member's calls were made with that member's temporary credentials.
    for (const uin of MEMBERS.slice(0, 2))
      expect(emu.calls.filter((c) => c.account === uin && c.action === "StopInstances").length).toBe(3);
  });

  it("organization:<role> assumes the role in every member but the management account; self adds it", async () => {
    const { emu } = await org();
    emu.state.addInstance({ Region: "ap-guangzhou", profile: idle });
    emu.state.addInstance({ Region: "ap-guangzhou", profile: { cpu: 70, traffic: 3 } });
    const members = await runFunction<RunReport>("auto-stop-idle", emu, {
      ACCOUNTS: "organization:cvm-autopilot",
      REGIONS: "ap-guangzhou",
      DRY_RUN: "true",
    });
    expect(members.report.accounts!.map((a) => a.uin)).toEqual(MEMBERS);
    expect(members.report.accounts!.map((a) => a.name)).toEqual(["payments", "search", "legacy"]);
    // Every line that names a resource names its account, by uin and, from the organization, by name.
    const names = { [MEMBERS[0]!]: "payments", [MEMBERS[1]!]: "search", [MEMBERS[2]!]: "legacy" };
    expect(members.report.results.length).toBeGreaterThan(0);
    for (const r of members.report.results) expect(r.accountName).toBe(names[r.account!]);
    const { digestOf } = await import("../lib/notify/digest.ts");
    const line = digestOf(members.report).sections.find((s) => s.title === "Resources")!.lines[0]!;
    expect(line).toMatch(/\(2000000000\d\d \((payments|search|legacy)\), ins-/);
    expect(emu.callsFor("DescribeOrganizationMembers").length).toBeGreaterThan(0);
    const withSelf = await runFunction<RunReport>("auto-stop-idle", emu, {
      ACCOUNTS: "organization:cvm-autopilot,self",
      REGIONS: "ap-guangzhou",
      DRY_RUN: "true",
    });
    expect(withSelf.report.accounts!.map((a) => a.uin)).toEqual(["100000000001", ...MEMBERS]);
    expect(withSelf.report.accounts![0]!.outcomes.planned).toBe(1);
  });

  it("temporary credentials that expire mid-run are assumed again; the emulator refuses expired ones", async () => {
    const { emu, idleIds } = await org();
    // Sessions of 2 s (emulator time) and a clock that jumps 3 s after every 10th member call.
    emu.accounts.maxSessionS = 2;
    let n = 0;
    const jumpy = await emulator({
      accounts: [{ uin: MEMBERS[0]! }],
      afterRequest: (c) => {
        if (c.account === MEMBERS[0] && ++n % 10 === 0) jumpy.advance(3000);
      },
    });
    jumpy.accounts.maxSessionS = 2;
    const ids = REGIONS.map(
      (region) => jumpy.account(MEMBERS[0]!).state.addInstance({ Region: region, profile: idle }).InstanceId,
    );
    for (const region of REGIONS)
      for (let i = 0; i < 4; i++)
        jumpy.account(MEMBERS[0]!).state.addInstance({ Region: region, profile: { cpu: 60, traffic: 4 } });
    const { report } = await runFunction<RunReport>("auto-stop-idle", jumpy, {
      ACCOUNTS: arn(MEMBERS[0]!),
      REGIONS: REGIONS.join(","),
    });
    expect(report.errors).toEqual([]);
    expect(report.outcomes.done).toBe(3);
    for (const id of ids) expect(stateOf(jumpy, MEMBERS[0]!, id)).toBe("STOPPED");
    expect(jumpy.calls.filter((c) => c.code === "AuthFailure.TokenFailure").length).toBeGreaterThan(0);
    expect(jumpy.callsFor("AssumeRole").length).toBeGreaterThan(1);

    // Directly: a session past its expiry is refused with AuthFailure.TokenFailure.
    const { client } = clientFor(emu);
    const source = assumedRole(client, arn(MEMBERS[0]!), { region: "ap-guangzhou", runId: "t" });
    const creds = await source.get();
    emu.advance(5000);
    const { client: member } = clientFor(emu, {
      credentials: creds,
      retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, maxTotalMs: 100 },
    });
    await expect(member.call("cvm", "DescribeInstances", {}, { region: "ap-guangzhou" })).rejects.toMatchObject({
      code: "AuthFailure.TokenFailure",
    });
    expect(idleIds).toBeTruthy();
  });

  it("an assumed role is reused until five minutes before it expires, then assumed again", async () => {
    const emu = await emulator({ accounts: [{ uin: MEMBERS[0]! }] });
    const { client } = clientFor(emu);
    let t = Date.now();
    const source = assumedRole(client, arn(MEMBERS[0]!), { region: "ap-guangzhou", runId: "t", now: () => t });
    const first = await source.get();
    await Promise.all([source.get(), source.get()]);
    expect(emu.callsFor("AssumeRole")).toHaveLength(1);
    t += 54 * 60_000;
    expect(await source.get()).toBe(first);
    t += 2 * 60_000;
    expect((await source.get()).secretId).not.toBe(first.secretId);
    expect(emu.callsFor("AssumeRole")).toHaveLength(2);
    const sent = emu.callsFor("AssumeRole")[0]!.params as { RoleSessionName: string; DurationSeconds: number };
    expect(sent.RoleSessionName).toBe("cvm-autopilot-t");
    expect(sent.DurationSeconds).toBe(3600);
  });

  it("rate limits are per account: three accounts' calls in the same second, none throttled", async () => {
    // The emulator's clock stands still, so every call lands in one rate window, whatever this machine's speed:
    // 3 accounts × up to 20 GetMonitorData calls (50 instances each) would trip one shared limit of 20 a second, not three.
    const t0 = Date.now();
    const emu = await emulator({
      rateLimits: true,
      now: () => t0,
      accounts: MEMBERS.map((uin) => ({ uin, instances: 600, fleetRegions: ["ap-guangzhou"] })),
    });
    const { report, client } = await runFunction<RunReport>("auto-stop-idle", emu, {
      ACCOUNTS: MEMBERS.map((u) => arn(u)).join(","),
      REGIONS: "ap-guangzhou",
      DRY_RUN: "true",
    });
    expect(report.errors).toEqual([]);
    const metric = emu.callsFor("GetMonitorData");
    for (const uin of MEMBERS) expect(metric.filter((c) => c.account === uin).length).toBeLessThanOrEqual(20);
    expect(metric.length).toBeGreaterThan(20);
    expect(emu.calls.filter((c) => c.code === "RequestLimitExceeded")).toEqual([]);
    expect(client.stats.throttled).toBe(0);
  });

  it("a run-wide AUTO_STOP_MAX_COUNT is divided across accounts up front", async () => {
    const { emu } = await org();
    const { report } = await runFunction<RunReport>("auto-stop-idle", emu, {
      ACCOUNTS: MEMBERS.slice(0, 2)
        .map((u) => arn(u))
        .join(","),
      REGIONS: REGIONS.join(","),
      AUTO_STOP_MAX_COUNT: "5",
    });
    // floor(5 / 2) = 2 per account; each account would stop 3, so each guard trips and nothing stops.
    expect(report.accounts!.map((a) => a.guard?.limit)).toEqual([2, 2]);
    expect(report.outcomes.done).toBe(0);
    expect(report.guard?.tripped).toBe(true);
  });

  it.each([
    ["qcs::cam::uin/abc:roleName/x", "is not a role ARN"],
    ["organization:bad/role", "is not a CAM role name"],
    [`organization:a,${arn(MEMBERS[0]!)}`, "stands alone"],
    [`${arn(MEMBERS[0]!)},${arn(MEMBERS[0]!, "other")}`, "listed twice"],
  ])("ACCOUNTS=%s is refused naming the variable", async (value, message) => {
    const emu = await emulator();
    await expect(runFunction("auto-stop-idle", emu, { ACCOUNTS: value })).rejects.toThrow(
      new RegExp(`ACCOUNTS: .*${message}`),
    );
  });
});
