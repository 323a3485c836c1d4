/**
 * Ordinary change in a real account, as a hostile tester found it (issue 14): a listing that
 * shifts while it is paged, a page without TotalCount, a metric series missing points, two
 * overlapping key rotations on a platform that binds keys additively, a name pattern that
 * backtracks catastrophically. Each scenario checks its invariants after every request where
 * that is what matters, and the run after it converges.
 */
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../emulator/server.ts";
import type { EmulatorState } from "../../emulator/state.ts";
import { toOpenSshRsaPublicKey } from "../../lib/ssh/openssh.ts";
import { secretNameFor } from "../../functions/key-rotation/plan.ts";
import type { AutoStopReport } from "../../functions/auto-stop-idle/index.ts";
import type { KeyRotationReport } from "../../functions/key-rotation/index.ts";
import { runFunction } from "../helpers/functions.ts";
import { emulator } from "../helpers/world.ts";
import { allLogLines, assertNoSecretsLogged, tally } from "./world.ts";

const GZ = "ap-guangzhou";
const ROTATE = [{ Key: "autopilot:rotate-keys", Value: "true" }];

/** Stores a key of ours with its private half in SSM, as an earlier rotation would have. */
function ourKey(state: EmulatorState, region: string, keyName: string, createdTime: string) {
  const pem = generateKeyPairSync("rsa", { modulusLength: 1024 })
    .privateKey.export({ type: "pkcs1", format: "pem" })
    .toString();
  const secretName = secretNameFor(region, keyName);
  state.secrets.set(`${region}/${secretName}`, {
    Region: region,
    SecretName: secretName,
    Description: "",
    CreateTime: 0,
    Status: "Enabled",
    versions: new Map([["v1", pem]]),
    Tags: [],
  });
  return state.addKeyPair({
    Region: region,
    KeyName: keyName,
    PublicKey: toOpenSshRsaPublicKey(createPublicKey(pem), keyName),
    CreatedTime: createdTime,
  });
}

/** Invariant: every key of ours bound to an instance has its private half stored (and not scheduled for deletion). */
function boundKeysStored(state: EmulatorState): string[] {
  const out: string[] = [];
  for (const inst of state.instances.values()) {
    for (const k of inst.LoginSettings?.KeyIds ?? []) {
      const kp = state.keyPairs.get(k);
      if (!kp || !/^autopilot_\d{12}$/.test(kp.KeyName)) continue;
      const secret = state.secrets.get(`${inst.Region}/${secretNameFor(inst.Region, kp.KeyName)}`);
      if (secret?.Status !== "Enabled")
        out.push(
          `${kp.KeyName} is bound to ${inst.InstanceId} but its private half is ${secret ? secret.Status : "gone"}`,
        );
    }
  }
  return out;
}

/** Invariant: no instance that had a key ends with none. */
const keyless = (state: EmulatorState, had: string[]) =>
  had.filter((id) => !(state.instances.get(id)!.LoginSettings?.KeyIds ?? []).length).map((id) => `${id} has no key`);

/** Invariant: nothing stopped whose CPU or joined outbound traffic crossed a threshold in the window (defaults: 5 %, 1 Mbps). */
function stoppedBusy(emu: Emulator): string[] {
  const stopped = emu
    .callsFor("StopInstances")
    .filter((c) => !c.code)
    .flatMap((c) => (c.params as { InstanceIds: string[] }).InstanceIds);
  return stopped.flatMap((id) => {
    const p = emu.state.instances.get(id)!.profile;
    const busy =
      (p.cpu ?? 0) * 1.2 >= 5 ||
      p.traffic * 1.2 * 2 >= 1 ||
      (p.bursts ?? []).some((b) => b.value >= (b.metric === "CPUUsage" ? 5 : 1));
    return busy ? [`stopped busy ${id}`] : [];
  });
}

/** Counts one scenario, its runs and its violations for the suite's summary line; keeps its log for the secrets check. */
const record = (violations: string[], ...logs: Array<{ lines: string[] }>) => {
  tally.scenarios++;
  tally.runs += logs.length;
  tally.violations += violations.length;
  for (const log of logs) allLogLines.push(...log.lines);
};

describe("listing shifts while paged", () => {
  /** 100 unrelated key pairs first, then our old key (bound to a running instance that is skipped) and a newer key of ours. */
  async function keyWorld() {
    const violations: string[] = [];
    const emu = await emulator({
      afterRequest: (call, state) =>
        violations.push(...boundKeysStored(state).map((v) => `after ${call.action}: ${v}`)),
    });
    const pub = toOpenSshRsaPublicKey(generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey, "x");
    for (let i = 0; i < 100; i++)
      emu.state.addKeyPair({ Region: GZ, KeyName: `team_key_${i}`, PublicKey: pub.replace(/ x$/, ` k${i}`) });
    const old = ourKey(emu.state, GZ, "autopilot_202601010000", "2026-01-01T00:00:00Z");
    const newer = ourKey(emu.state, GZ, "autopilot_202611280000", "2026-11-28T00:00:00Z");
    const running = emu.state.addInstance({ Region: GZ, InstanceState: "RUNNING", Tags: ROTATE });
    emu.state.bindKeys(running, [old.KeyId]);
    return { emu, old, newer, running, violations };
  }

  it("key-rotation: a key pair deleted by someone else mid-listing never costs a bound key its private half", async () => {
    const { emu, old, running, violations } = await keyWorld();
    emu.faults.add({ action: "DescribeKeyPairs", kind: "shiftListing", shift: "remove", after: 1, count: 1 });
    const { report, log } = await runFunction<KeyRotationReport>("key-rotation", emu, { REGIONS: GZ });
    violations.push(...boundKeysStored(emu.state), ...keyless(emu.state, [running.InstanceId]));
    expect(emu.state.instances.get(running.InstanceId)!.LoginSettings!.KeyIds).toEqual([old.KeyId]);
    expect(
      emu.callsFor("DeleteSecret").filter((c) => (c.params as { SecretName: string }).SecretName.endsWith(old.KeyName)),
    ).toEqual([]);
    expect(report.kept.map((s) => s.reason).join()).toContain("KEY_ROTATION_ALLOW_FORCE_STOP is false");
    record(violations, log);
    expect(violations).toEqual([]);
  });

  it("key-rotation: a page without TotalCount fails the region; nothing is deleted", async () => {
    const { emu, violations } = await keyWorld();
    emu.faults.add({ action: "DescribeKeyPairs", kind: "omit", field: "TotalCount", count: 1 });
    const { report, log } = await runFunction<KeyRotationReport>("key-rotation", emu, { REGIONS: GZ });
    expect(report.errors).toEqual([expect.objectContaining({ region: GZ, code: "ClientError.IncompleteListing" })]);
    expect(emu.calls.filter((c) => /^(Delete|Disassociate)/.test(c.action!))).toEqual([]);
    record(violations, log);
    expect(violations).toEqual([]);
  });

  it("auto-stop-idle: a row repeated by a shift is decided and stopped once", async () => {
    const emu = await emulator();
    for (let i = 0; i < 150; i++)
      emu.state.addInstance({ Region: GZ, profile: { cpu: i < 20 ? 1 : 60, traffic: i < 20 ? 0.01 : 5 } });
    emu.faults.add({ action: "DescribeInstances", kind: "shiftListing", shift: "insert", after: 1, count: 1 });
    const { report, log } = await runFunction<AutoStopReport>("auto-stop-idle", emu, { REGIONS: GZ });
    const stopped = emu.callsFor("StopInstances").flatMap((c) => (c.params as { InstanceIds: string[] }).InstanceIds);
    const violations = [
      ...stoppedBusy(emu),
      ...(new Set(stopped).size !== stopped.length ? ["an instance was sent to StopInstances twice"] : []),
    ];
    expect(report.errors).toEqual([]);
    expect(report.scanned).toBe(150);
    expect(report.outcomes.done).toBe(20);
    record(violations, log);
    expect(violations).toEqual([]);
  });
});

describe("metric series missing points", () => {
  it("a busy LAN tail with WAN missing its first points: joined on timestamps, the instance is busy", async () => {
    const emu = await emulator();
    const tail = emu.state.addInstance({
      Region: GZ,
      profile: { cpu: 1, traffic: 0.001, bursts: [{ metric: "LanOuttraffic", lastSeconds: 600, value: 5 }] },
    });
    const quiet = emu.state.addInstance({ Region: GZ, profile: { cpu: 1, traffic: 0.001 } });
    for (let i = 0; i < 4; i++) emu.state.addInstance({ Region: GZ, profile: { cpu: 50, traffic: 5 } });
    emu.faults.add({ action: "GetMonitorData", kind: "dropPoints", metric: "WanOuttraffic", points: [0, 1] });
    const { report, log } = await runFunction<AutoStopReport>("auto-stop-idle", emu, { REGIONS: GZ });
    expect(report.kept.find((s) => s.id === tail.InstanceId)!.reason).toContain("busy: outbound traffic 5");
    expect(report.results.map((s) => s.id)).toEqual([quiet.InstanceId]);
    const violations = stoppedBusy(emu);
    record(violations, log);
    expect(violations).toEqual([]);
  });
});

describe("overlapping key rotations where binding adds a key", () => {
  // Each run's verifying DescribeInstances is held until both runs have bound their keys, so
  // both see both new keys: the interleaving in which each run, unbinding "every other key",
  // stripped the other's and left the instances with none.
  it("both runs bind before either verifies: every instance keeps a key whose private half is stored", async () => {
    const violations: string[] = [];
    const emu = await emulator({
      afterRequest: (call, state) =>
        violations.push(...boundKeysStored(state).map((v) => `after ${call.action}: ${v}`)),
    });
    emu.state.keyBinding = "add";
    const bound = () => emu.callsFor("AssociateInstancesKeyPairs").length >= 2;
    emu.faults.add({
      action: "DescribeInstances",
      kind: "slow",
      delayMs: 10_000,
      count: 2,
      match: (p) => Array.isArray(p.InstanceIds),
      until: bound,
    });
    const old = ourKey(emu.state, GZ, "autopilot_202601010000", "2026-01-01T00:00:00Z");
    const insts = Array.from({ length: 4 }, () =>
      emu.state.addInstance({ Region: GZ, InstanceState: "STOPPED", Tags: ROTATE }),
    );
    for (const i of insts) emu.state.bindKeys(i, [old.KeyId]);
    const at = (iso: string) => () => new Date(iso);
    const [a, b] = await Promise.all([
      runFunction<KeyRotationReport>("key-rotation", emu, { REGIONS: GZ }, {}, { now: at("2026-11-29T10:00:00Z") }),
      runFunction<KeyRotationReport>("key-rotation", emu, { REGIONS: GZ }, {}, { now: at("2026-11-29T10:01:00Z") }),
    ]);
    violations.push(
      ...keyless(
        emu.state,
        insts.map((i) => i.InstanceId),
      ),
      ...boundKeysStored(emu.state),
    );
    // The next run converges: every instance on one key of ours, no instance without a key.
    const next = await runFunction<KeyRotationReport>(
      "key-rotation",
      emu,
      { REGIONS: GZ },
      {},
      { now: at("2026-11-29T10:05:00Z") },
    );
    violations.push(
      ...keyless(
        emu.state,
        insts.map((i) => i.InstanceId),
      ),
      ...next.report.errors.map((e) => `converging run: ${e.code} ${e.message}`),
    );
    const keysNow = new Set(insts.flatMap((i) => emu.state.instances.get(i.InstanceId)!.LoginSettings!.KeyIds ?? []));
    if (keysNow.size !== 1) violations.push(`instances are on ${keysNow.size} keys after converging`);
    record(violations, a.log, b.log, next.log);
    expect(violations).toEqual([]);
  });
});

describe("an evil name pattern", () => {
  it("AUTO_STOP_NAME_PATTERN that backtracks catastrophically, and a tenant's crafted name: the run finishes", async () => {
    const emu = await emulator();
    emu.state.addInstance({ Region: GZ, InstanceName: `${"a".repeat(34)}!`, profile: { cpu: 1, traffic: 0.001 } });
    const match = emu.state.addInstance({ Region: GZ, InstanceName: "batch-1", profile: { cpu: 1, traffic: 0.001 } });
    for (let i = 0; i < 3; i++)
      emu.state.addInstance({ Region: GZ, InstanceName: `batch-busy-${i}`, profile: { cpu: 60, traffic: 5 } });
    const { report, log } = await runFunction<AutoStopReport>("auto-stop-idle", emu, {
      REGIONS: GZ,
      AUTO_STOP_NAME_PATTERN: "^([a-z0-9]+-?)+$",
    });
    expect(report.results.filter((s) => s.outcome === "done").map((s) => s.id)).toEqual([match.InstanceId]);
    expect(report.byKind["name does not match"]).toBe(1);
    expect(report.guard?.inScope).toBe(4);
    const violations = stoppedBusy(emu);
    record(violations, log);
    expect(violations).toEqual([]);
  });
});

assertNoSecretsLogged();
afterAll(() =>
  console.log(
    `hardening/real-world-change: ${tally.scenarios} scenarios, ${tally.runs} runs, ${tally.violations} invariant violations`,
  ),
);
