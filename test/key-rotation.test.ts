import { describe, expect, it } from "vitest";
import type { Emulator } from "../emulator/server.ts";
import type { KeyRotationReport } from "../functions/key-rotation/index.ts";
import { loadConfig } from "../functions/key-rotation/config.ts";
import { accessViolations, OLD_GEN, seedRegion } from "./helpers/keys.ts";
import { runFunction } from "./helpers/functions.ts";
import { emulator } from "./helpers/world.ts";

const REGIONS = ["ap-guangzhou", "ap-shanghai", "ap-beijing"];
const ENV = { REGIONS: REGIONS.join(",") };

/** An emulator that checks the access invariant after every single request. */
async function world(regions = REGIONS) {
  const violations: string[] = [];
  const emu = await emulator({
    afterRequest: (call, state) => violations.push(...accessViolations(state).map((v) => `after ${call.action}: ${v}`)),
  });
  const fleet = Object.fromEntries(regions.map((r) => [r, seedRegion(emu.state, r)]));
  return { emu, fleet, violations };
}

/** Instances whose rotation was done, with its result entry. */
const rotated = (r: KeyRotationReport) => r.results.filter((x) => x.action === "rotate" && x.outcome === "done");
const keptReason = (r: KeyRotationReport, id: string) => r.kept.find((k) => k.id === id)?.reason;

/** Errors other than the keyless instance each fleet has on purpose (reported on every run). */
const unexpected = (r: KeyRotationReport) => r.errors.filter((e) => e.code !== "KeyRotation.NoKeyBound");

const ourKeys = (emu: Emulator, region: string) =>
  [...emu.state.keyPairs.values()].filter((k) => k.Region === region && /^autopilot_\d{12}$/.test(k.KeyName));
const secretsIn = (emu: Emulator, region: string) =>
  [...emu.state.secrets.values()].filter((s) => s.Region === region && s.Status === "Enabled").map((s) => s.SecretName);

/** After a run converges: one current key per region, its secret, no orphans, no duplicates. */
function expectConverged(emu: Emulator, region: string, rotated: string[]) {
  const keys = ourKeys(emu, region).filter((k) => k.KeyName !== OLD_GEN);
  expect(keys).toHaveLength(1);
  const [current] = keys;
  for (const id of rotated) expect(emu.state.instances.get(id)!.LoginSettings!.KeyIds).toEqual([current!.KeyId]);
  for (const k of ourKeys(emu, region))
    expect(secretsIn(emu, region)).toContain(`cvm-autopilot-${region}-${k.KeyName}`);
  for (const s of secretsIn(emu, region))
    expect(ourKeys(emu, region).map((k) => `cvm-autopilot-${region}-${k.KeyName}`)).toContain(s);
}

describe("key-rotation", () => {
  it("happy path over 3 regions: stored, imported, bound, verified; running instances skipped", async () => {
    const { emu, fleet, violations } = await world();
    const { report, log } = await runFunction<KeyRotationReport>("key-rotation", emu, ENV);
    expect(unexpected(report)).toEqual([]);
    expect(rotated(report)).toHaveLength(6);
    for (const r of REGIONS) {
      const f = fleet[r]!;
      expectConverged(
        emu,
        r,
        f.stopped.map((i) => i.InstanceId),
      );
      // The old key still serves the running instance, so it stays.
      expect(emu.state.instances.get(f.running.InstanceId)!.LoginSettings!.KeyIds).toEqual([f.key.KeyId]);
      expect(emu.state.keyPairs.has(f.key.KeyId)).toBe(true);
      expect(emu.state.instances.get(f.optOut.InstanceId)!.LoginSettings!.KeyIds).toEqual([f.key.KeyId]);
      expect(keptReason(report, f.running.InstanceId)).toContain("KEY_ROTATION_ALLOW_FORCE_STOP is false");
      expect(keptReason(report, f.optOut.InstanceId)).toContain("opted out");
      // A tagged instance with no key is an error on every run, never a quiet skip.
      expect(report.errors.find((e) => e.id === f.keyless.InstanceId)).toMatchObject({
        code: "KeyRotation.NoKeyBound",
        region: r,
      });
    }
    // Store before import before bind, in every region.
    const order = emu.calls.filter((c) =>
      ["CreateSecret", "GetSecretValue", "ImportKeyPair", "AssociateInstancesKeyPairs"].includes(c.action!),
    );
    for (const r of REGIONS)
      expect(order.filter((c) => c.region === r).map((c) => c.action)).toEqual([
        "CreateSecret",
        "GetSecretValue",
        "ImportKeyPair",
        "AssociateInstancesKeyPairs",
      ]);
    expect(violations).toEqual([]);
    // No key material in the log or in the emulator's record of what it was sent.
    const everything = log.lines.join("\n") + JSON.stringify(emu.calls) + JSON.stringify(report);
    expect(everything).not.toMatch(/PRIVATE KEY/);
    // A private key's base64 begins with its DER header: MII…IBAA (PKCS#1) or MII…IBAD (PKCS#8).
    // (Not "MII" and any 40 characters: a public key's random base64 holds that now and then.)
    expect(everything).not.toMatch(/MII[A-Za-z0-9+/]{3}IBA[AD]/);
  });

  it("a second run changes nothing", async () => {
    const { emu } = await world(["ap-guangzhou"]);
    await runFunction("key-rotation", emu, { REGIONS: "ap-guangzhou" });
    const writes = () =>
      emu.calls.filter((c) => /^(Create|Import|Associate|Disassociate|Delete)/.test(c.action!)).length;
    const before = writes();
    const { report } = await runFunction<KeyRotationReport>("key-rotation", emu, { REGIONS: "ap-guangzhou" });
    expect(rotated(report)).toEqual([]);
    expect(writes()).toBe(before);
  });

  it("with force stop allowed, running instances are rotated too and the old key retires", async () => {
    const { emu, fleet, violations } = await world(["ap-guangzhou"]);
    const { report } = await runFunction<KeyRotationReport>("key-rotation", emu, {
      REGIONS: "ap-guangzhou",
      KEY_ROTATION_ALLOW_FORCE_STOP: "true",
    });
    const f = fleet["ap-guangzhou"]!;
    expect(rotated(report).find((r) => r.id === f.running.InstanceId)!.detail).toMatchObject({ forceStop: true });
    expect(emu.state.instances.get(f.running.InstanceId)!.forceStops).toBe(1);
    // The opted-out instance still uses the old key: it must not be deleted.
    expect(emu.state.keyPairs.has(f.key.KeyId)).toBe(true);
    expect(violations).toEqual([]);
  });

  it("with ForceStop the binding shows only later: the run polls until it does before judging", async () => {
    const violations: string[] = [];
    const emu = await emulator({
      timings: { stopMs: 0, startMs: 0, syncMs: 0, bindMs: 20_000 },
      afterRequest: (call, state) =>
        violations.push(...accessViolations(state).map((v) => `after ${call.action}: ${v}`)),
    });
    const f = seedRegion(emu.state, "ap-guangzhou");
    emu.state.unbindKeys(emu.state.instances.get(f.optOut.InstanceId)!, [f.key.KeyId]);
    const { report } = await runFunction<KeyRotationReport>("key-rotation", emu, {
      REGIONS: "ap-guangzhou",
      KEY_ROTATION_ALLOW_FORCE_STOP: "true",
    });
    expect(unexpected(report)).toEqual([]);
    expect(rotated(report).find((r) => r.id === f.running.InstanceId)!.detail).toMatchObject({ forceStop: true });
    expect(emu.state.settle(emu.state.instances.get(f.running.InstanceId)!).InstanceState).toBe("RUNNING");
    expect(violations).toEqual([]);
  });

  it("a retired key DeleteKeyPairs keeps (an image still uses it) keeps its secret too", async () => {
    const { emu, fleet, violations } = await world(["ap-guangzhou"]);
    const f = fleet["ap-guangzhou"]!;
    emu.state.unbindKeys(emu.state.instances.get(f.optOut.InstanceId)!, [f.key.KeyId]);
    emu.state.keysInImages.add(f.key.KeyId);
    const { report } = await runFunction<KeyRotationReport>("key-rotation", emu, {
      REGIONS: "ap-guangzhou",
      KEY_ROTATION_ALLOW_FORCE_STOP: "true",
    });
    // DeleteKeyPairs answered ok, but the key is still there: the secret is not touched.
    expect(emu.callsFor("DeleteKeyPairs").length).toBeGreaterThan(0);
    expect(emu.state.keyPairs.has(f.key.KeyId)).toBe(true);
    expect([...emu.state.secrets.values()].find((s) => s.SecretName.endsWith(OLD_GEN))!.Status).toBe("Enabled");
    expect(report.results.find((r) => r.id === f.key.KeyId)).toMatchObject({
      action: "retire-key",
      outcome: "changed-under-us",
      code: "KeyRotation.KeyNotDeleted",
    });
    expect(violations).toEqual([]);
  });

  it("other secrets in the region (SSM's TotalCount counts them, not the filtered rows) do not break the listing", async () => {
    const { emu } = await world(["ap-guangzhou"]);
    for (let i = 0; i < 5; i++)
      emu.state.secrets.set(`ap-guangzhou/someone-elses-${i}`, {
        Region: "ap-guangzhou",
        SecretName: `someone-elses-${i}`,
        Description: "",
        CreateTime: 0,
        Status: "Enabled",
        versions: new Map([["v1", "x"]]),
        Tags: [],
      });
    const { report } = await runFunction<KeyRotationReport>("key-rotation", emu, { REGIONS: "ap-guangzhou" });
    expect(report.errors.filter((e) => e.code === "ClientError.IncompleteListing")).toEqual([]);
    expect(rotated(report).length).toBeGreaterThan(0);
  });

  it("retires our old key and its secret once no instance uses it", async () => {
    const { emu, fleet, violations } = await world(["ap-guangzhou"]);
    const f = fleet["ap-guangzhou"]!;
    emu.state.unbindKeys(emu.state.instances.get(f.optOut.InstanceId)!, [f.key.KeyId]);
    const { report } = await runFunction<KeyRotationReport>("key-rotation", emu, {
      REGIONS: "ap-guangzhou",
      KEY_ROTATION_ALLOW_FORCE_STOP: "true",
    });
    expect(emu.state.keyPairs.has(f.key.KeyId)).toBe(false);
    expect(report.results.find((r) => r.id === f.key.KeyId)).toMatchObject({
      action: "retire-key",
      outcome: "done",
      name: OLD_GEN,
    });
    expect([...emu.state.secrets.values()].find((s) => s.SecretName.endsWith(OLD_GEN))!.Status).toBe("PendingDelete");
    // Disabled first: real SSM refuses to schedule the deletion of an enabled secret (ssm api.json, DeleteSecret).
    expect(
      emu.calls
        .filter((c) => /^(Disable|Delete)Secret$/.test(c.action!))
        .map((c) => `${c.action}${c.code ? ` ${c.code}` : ""}`),
    ).toEqual(["DisableSecret", "DeleteSecret"]);
    expect(violations).toEqual([]);
  });

  // A crash after each step in turn (the fault stops the run there), then a clean run finishes.
  it.each([
    ["store", "CreateSecret"],
    ["read-back", "GetSecretValue"],
    ["import", "ImportKeyPair"],
    ["associate", "AssociateInstancesKeyPairs"],
    ["disassociate", "DisassociateInstancesKeyPairs"],
    ["delete", "DeleteKeyPairs"],
  ])("a failure at %s (%s) is finished by the next run, never losing access", async (_step, action) => {
    const { emu, fleet, violations } = await world(["ap-guangzhou"]);
    const f = fleet["ap-guangzhou"]!;
    emu.state.keyBinding = "add"; // so the old key must be unbound explicitly
    emu.state.unbindKeys(emu.state.instances.get(f.optOut.InstanceId)!, [f.key.KeyId]);
    const env = { REGIONS: "ap-guangzhou", KEY_ROTATION_ALLOW_FORCE_STOP: "true" };
    emu.faults.add({ action, kind: "error", code: "FailedOperation.Injected", count: 1 });
    const first = await runFunction<KeyRotationReport>("key-rotation", emu, env);
    expect(first.report.errors.map((e) => e.code)).toContain("FailedOperation.Injected");
    expect(violations).toEqual([]);

    const second = await runFunction<KeyRotationReport>("key-rotation", emu, env);
    expect(unexpected(second.report)).toEqual([]);
    expectConverged(
      emu,
      "ap-guangzhou",
      [...f.stopped, f.running].map((i) => i.InstanceId),
    );
    expect(emu.state.keyPairs.has(f.key.KeyId)).toBe(false);
    expect(violations).toEqual([]);
  });

  it("a secret stored by a crashed run is resumed, not duplicated", async () => {
    const { emu } = await world(["ap-guangzhou"]);
    emu.faults.add({ action: "ImportKeyPair", kind: "drop", count: 1 });
    await runFunction("key-rotation", emu, { REGIONS: "ap-guangzhou", CVM_AUTOPILOT_MAX_ATTEMPTS: "1" });
    const { report } = await runFunction<KeyRotationReport>("key-rotation", emu, { REGIONS: "ap-guangzhou" });
    expect(report.results.filter((r) => r.action === "import-key")).toEqual([
      expect.objectContaining({ kind: "stored key to import", outcome: "done" }),
    ]);
    expect(emu.callsFor("CreateSecret")).toHaveLength(1);
    expectConverged(emu, "ap-guangzhou", []);
  });

  it("an orphan key of ours with no stored private key is deleted, never bound", async () => {
    const { emu } = await world(["ap-guangzhou"]);
    const orphan = emu.state.addKeyPair({
      Region: "ap-guangzhou",
      KeyName: "autopilot_202611010000",
      PublicKey: "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ== x",
    });
    const { report } = await runFunction<KeyRotationReport>("key-rotation", emu, { REGIONS: "ap-guangzhou" });
    expect(emu.state.keyPairs.has(orphan.KeyId)).toBe(false);
    expect(report.results.find((r) => r.id === orphan.KeyId)).toMatchObject({
      action: "delete-orphan-key",
      outcome: "done",
      reason: expect.stringContaining("its private key was never stored"),
    });
    expect(
      emu
        .callsFor("AssociateInstancesKeyPairs")
        .every((c) => !(c.params as { KeyIds: string[] }).KeyIds.includes(orphan.KeyId)),
    ).toBe(true);
  });

  it("a webhook narrowed to instances acts on nothing else: no import, no clean-up across the region", async () => {
    const { emu } = await world(["ap-guangzhou"]);
    // Things a full run would clean up or resume: an orphan key, a superseded secret, a pending one.
    emu.state.addKeyPair({
      Region: "ap-guangzhou",
      KeyName: "autopilot_202611010000",
      PublicKey: "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ== x",
    });
    for (const name of ["autopilot_202611020000", "autopilot_202611030000"]) {
      emu.state.secrets.set(`ap-guangzhou/cvm-autopilot-ap-guangzhou-${name}`, {
        Region: "ap-guangzhou",
        SecretName: `cvm-autopilot-ap-guangzhou-${name}`,
        Description: "",
        CreateTime: 0,
        Status: "Enabled",
        versions: new Map([["v1", "x"]]),
        Tags: [],
      });
    }
    const { report } = await runFunction<KeyRotationReport>(
      "key-rotation",
      emu,
      { REGIONS: "ap-guangzhou" },
      { instanceIds: ["ins-aaaaaaaa"] },
    );
    expect(emu.calls.filter((c) => !/^(Describe|List|GetSecret)/.test(c.action!)).map((c) => c.action)).toEqual([]);
    expect(rotated(report)).toEqual([]);
  });

  it("unbinding and deleting go 100 ids a call: 152 instances rotate in one run", async () => {
    const { emu, fleet } = await world(["ap-guangzhou"]);
    emu.state.keyBinding = "add";
    const old = fleet["ap-guangzhou"]!.key;
    for (let i = 0; i < 150; i++)
      emu.state.bindKeys(
        emu.state.addInstance({
          Region: "ap-guangzhou",
          InstanceState: "STOPPED",
          Tags: [{ Key: "autopilot:rotate-keys", Value: "true" }],
        }),
        [old.KeyId],
      );
    const { report } = await runFunction<KeyRotationReport>("key-rotation", emu, {
      REGIONS: "ap-guangzhou",
      KEY_ROTATION_MAX_INSTANCES: "500",
    });
    expect(unexpected(report)).toEqual([]);
    expect(rotated(report)).toHaveLength(152);
    const sizes = emu
      .callsFor("DisassociateInstancesKeyPairs")
      .map((c) => (c.params as { InstanceIds: string[] }).InstanceIds.length);
    expect(sizes).toEqual([100, 52]);
  });

  it("dry-run changes nothing", async () => {
    const { emu } = await world(["ap-guangzhou"]);
    const { report } = await runFunction<KeyRotationReport>("key-rotation", emu, {
      REGIONS: "ap-guangzhou",
      DRY_RUN: "true",
    });
    expect(report.results.every((r) => r.outcome === "planned")).toBe(true);
    expect(
      report.results
        .filter((r) => r.action === "rotate")
        .map((r) => r.reason)
        .join("\n"),
    ).toContain("bind autopilot_");
    expect(emu.calls.filter((c) => !/^(Describe|List|GetSecret)/.test(c.action!))).toEqual([]);
  });

  it.each([
    [{ KEY_ROTATION_KEY_BITS: "2048" }, "KEY_ROTATION_KEY_BITS: expected a whole number from 3072 to 8192"],
    [{ KEY_ROTATION_KEY_PREFIX: "bad-prefix" }, "KEY_ROTATION_KEY_PREFIX"],
    [{ KEY_ROTATION_MAX_AGE_DAYS: "0" }, "KEY_ROTATION_MAX_AGE_DAYS"],
  ])("config error %j", (env, msg) => {
    expect(() =>
      loadConfig({
        TENCENTCLOUD_SECRET_ID: "a",
        TENCENTCLOUD_SECRET_KEY: "bbbbbbbb",
        TENCENTCLOUD_REGION: "ap-guangzhou",
        ...env,
      }),
    ).toThrow(msg);
  });
});
