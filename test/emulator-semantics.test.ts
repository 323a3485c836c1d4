/** Per-action rules from seed 004 (and the current API where the seed is silent), over HTTP. */
import { describe, expect, it } from "vitest";
import { toOpenSshRsaPublicKey } from "../lib/ssh/openssh.ts";
import { generateKeyPairSync } from "node:crypto";
import { clientFor, emulator } from "./helpers/world.ts";

const R = "ap-guangzhou";
const code = (p: Promise<unknown>) =>
  p.then(
    () => "ok",
    (e: { code: string }) => e.code,
  );

describe("instances", () => {
  it("filters: charge type, state, tag:<key>, tag-key, limits on filters and values", async () => {
    const emu = await emulator({ modelCheck: false }); // sends an unknown filter on purpose
    emu.state.addInstance({ Region: R, InstanceChargeType: "PREPAID", Tags: [{ Key: "env", Value: "prod" }] });
    emu.state.addInstance({ Region: R, InstanceState: "STOPPED", Tags: [{ Key: "env", Value: "dev" }] });
    emu.state.addInstance({ Region: "ap-shanghai" });
    const { client } = clientFor(emu);
    const count = async (Filters: unknown) =>
      (await client.call<{ TotalCount: number }>("cvm", "DescribeInstances", { Filters }, { region: R })).TotalCount;
    expect(await count([{ Name: "instance-charge-type", Values: ["PREPAID"] }])).toBe(1);
    expect(await count([{ Name: "instance-state", Values: ["RUNNING"] }])).toBe(1);
    expect(await count([{ Name: "tag:env", Values: ["dev", "prod"] }])).toBe(2);
    expect(
      await count([
        { Name: "tag-key", Values: ["env"] },
        { Name: "tag-value", Values: ["prod"] },
      ]),
    ).toBe(1);
    expect(await code(count([{ Name: "colour", Values: ["x"] }]))).toBe("InvalidFilter");
    expect(await code(count([{ Name: "zone", Values: ["a", "b", "c", "d", "e", "f"] }]))).toBe(
      "InvalidFilterValue.LimitExceeded",
    );
    expect(await code(count(Array.from({ length: 11 }, () => ({ Name: "zone", Values: ["a"] }))))).toBe(
      "InvalidParameterValue.LimitExceeded",
    );
    expect(await code(client.call("cvm", "DescribeInstances", { Limit: 101 }, { region: R }))).toBe(
      "InvalidParameterValue.LimitExceeded",
    );
  });

  it("tag filters stay exact as instances are added between pages (the tag index is rebuilt), in either spelling", async () => {
    const emu = await emulator();
    emu.state.addInstance({ Region: R, Tags: [{ Key: "env", Value: "prod" }] });
    emu.state.addInstance({
      Region: R,
      Tags: [{ tagKey: "env", tagValue: "prod" } as unknown as { Key: string; Value: string }],
    });
    emu.state.addInstance({ Region: R, Tags: [{ Key: "env", Value: "dev" }] });
    const { client } = clientFor(emu);
    const ids = async (Filters: unknown) =>
      (
        await client.call<{ InstanceSet: Array<{ InstanceId: string }> }>(
          "cvm",
          "DescribeInstances",
          { Filters },
          { region: R },
        )
      ).InstanceSet.map((i) => i.InstanceId);
    expect(await ids([{ Name: "tag:env", Values: ["prod"] }])).toHaveLength(2);
    const later = emu.state.addInstance({ Region: R, Tags: [{ Key: "env", Value: "prod" }] });
    expect(await ids([{ Name: "tag:env", Values: ["prod"] }])).toContain(later.InstanceId);
    expect(await ids([{ Name: "tag-key", Values: ["env"] }])).toHaveLength(4);
    expect(await ids([{ Name: "tag-value", Values: ["dev"] }])).toHaveLength(1);
  });

  it("a batch over 100 ids is refused; one bad id fails the whole batch", async () => {
    const emu = await emulator();
    const a = emu.state.addInstance({ Region: R });
    const { client } = clientFor(emu);
    const ids = Array.from({ length: 101 }, (_, i) => `ins-${String(i).padStart(8, "0")}`);
    expect(await code(client.call("cvm", "StopInstances", { InstanceIds: ids }, { region: R }))).toBe(
      "InvalidParameterValue.LimitExceeded",
    );
    expect(
      await code(client.call("cvm", "StopInstances", { InstanceIds: [a.InstanceId, "ins-00000000"] }, { region: R })),
    ).toBe("InvalidInstanceId.NotFound");
    expect(emu.state.instances.get(a.InstanceId)!.InstanceState).toBe("RUNNING");
  });

  it("StopInstances records StoppedMode; STOP_CHARGING is refused for prepaid", async () => {
    const emu = await emulator();
    const a = emu.state.addInstance({ Region: R });
    const p = emu.state.addInstance({ Region: R, InstanceChargeType: "PREPAID" });
    const { client } = clientFor(emu);
    await client.call(
      "cvm",
      "StopInstances",
      { InstanceIds: [a.InstanceId], StoppedMode: "STOP_CHARGING" },
      { region: R },
    );
    expect(emu.state.instances.get(a.InstanceId)).toMatchObject({
      InstanceState: "STOPPED",
      StopChargingMode: "STOP_CHARGING",
    });
    expect(
      await code(
        client.call(
          "cvm",
          "StopInstances",
          { InstanceIds: [p.InstanceId], StoppedMode: "STOP_CHARGING" },
          { region: R },
        ),
      ),
    ).toBe("UnsupportedOperation.StoppedModeStopCharging");
  });

  it("ModifyInstancesRenewFlag only on PREPAID, only the three flags", async () => {
    const emu = await emulator();
    const p = emu.state.addInstance({ Region: R, InstanceChargeType: "PREPAID", RenewFlag: "NOTIFY_AND_MANUAL_RENEW" });
    const q = emu.state.addInstance({ Region: R });
    const { client } = clientFor(emu);
    await client.call(
      "cvm",
      "ModifyInstancesRenewFlag",
      { InstanceIds: [p.InstanceId], RenewFlag: "NOTIFY_AND_AUTO_RENEW" },
      { region: R },
    );
    expect(emu.state.instances.get(p.InstanceId)!.RenewFlag).toBe("NOTIFY_AND_AUTO_RENEW");
    expect(
      await code(
        client.call(
          "cvm",
          "ModifyInstancesRenewFlag",
          { InstanceIds: [q.InstanceId], RenewFlag: "NOTIFY_AND_AUTO_RENEW" },
          { region: R },
        ),
      ),
    ).toBe("InvalidInstance.NotSupported");
    expect(
      await code(
        client.call(
          "cvm",
          "ModifyInstancesRenewFlag",
          { InstanceIds: [p.InstanceId], RenewFlag: "ALWAYS" },
          { region: R },
        ),
      ),
    ).toBe("InvalidParameterValue");
  });

  it("unknown region, unknown action, wrong version", async () => {
    const emu = await emulator();
    const { client } = clientFor(emu);
    expect(await code(client.call("cvm", "DescribeInstances", {}, { region: "xx-nowhere" }))).toBe("UnsupportedRegion");
    expect(await code(client.call("cvm", "LaunchRockets", {}, { region: R }))).toBe("InvalidAction");
    expect(await code(client.call("cvm", "DescribeInstances", {}, { region: R, version: "2015-01-01" }))).toBe(
      "NoSuchVersion",
    );
  });
});

describe("images", () => {
  it("SyncImages copies to each destination, SYNCING then NORMAL; the seed's rules are enforced", async () => {
    const emu = await emulator({ timings: { syncMs: 3000 } });
    const src = emu.state.addImage({ Region: R, ImageName: "golden" });
    const big = emu.state.addImage({ Region: R, ImageSize: 100 });
    const busy = emu.state.addImage({ Region: R, ImageState: "CREATING" });
    const { client } = clientFor(emu);
    await client.call(
      "cvm",
      "SyncImages",
      { ImageIds: [src.ImageId], DestinationRegions: ["ap-shanghai", "ap-beijing"] },
      { region: R },
    );
    const copies = [...emu.state.images.values()].filter((i) => i.sourceImageId === src.ImageId);
    expect(copies.map((c) => [c.Region, c.ImageState, c.ImageName])).toEqual([
      ["ap-shanghai", "SYNCING", "golden"],
      ["ap-beijing", "SYNCING", "golden"],
    ]);
    emu.advance(3000);
    const listed = await client.call<{ ImageSet: Array<{ ImageState: string }> }>(
      "cvm",
      "DescribeImages",
      { Filters: [{ Name: "image-type", Values: ["PRIVATE_IMAGE"] }] },
      { region: "ap-shanghai" },
    );
    expect(listed.ImageSet.map((i) => i.ImageState)).toEqual(["NORMAL"]);
    // The current API states no size limit: a 100 GB image syncs.
    expect(
      await code(
        client.call(
          "cvm",
          "SyncImages",
          { ImageIds: [big.ImageId], DestinationRegions: ["ap-chengdu"] },
          { region: R },
        ),
      ),
    ).toBe("ok");
    expect(
      await code(
        client.call(
          "cvm",
          "SyncImages",
          { ImageIds: [busy.ImageId], DestinationRegions: ["ap-shanghai"] },
          { region: R },
        ),
      ),
    ).toBe("InvalidImageId.IncorrectState");
    expect(
      await code(
        client.call("cvm", "SyncImages", { ImageIds: [src.ImageId], DestinationRegions: ["mars-1"] }, { region: R }),
      ),
    ).toBe("InvalidParameterValue.InvalidRegion");
    expect(
      await code(client.call("cvm", "SyncImages", { ImageIds: [src.ImageId], DestinationRegions: [R] }, { region: R })),
    ).toBe("UnsupportedOperation.Region");
  });

  it("quota: a full destination refuses with ImageQuotaLimitExceeded; DeleteImages frees it", async () => {
    const emu = await emulator();
    emu.state.imageQuota = 2;
    const src = emu.state.addImage({ Region: R });
    const a = emu.state.addImage({ Region: "ap-shanghai" });
    emu.state.addImage({ Region: "ap-shanghai" });
    const { client } = clientFor(emu);
    expect(
      (await client.call<{ ImageNumQuota: number }>("cvm", "DescribeImageQuota", {}, { region: "ap-shanghai" }))
        .ImageNumQuota,
    ).toBe(2);
    expect(
      await code(
        client.call(
          "cvm",
          "SyncImages",
          { ImageIds: [src.ImageId], DestinationRegions: ["ap-shanghai"] },
          { region: R },
        ),
      ),
    ).toBe("ImageQuotaLimitExceeded");
    await client.call("cvm", "DeleteImages", { ImageIds: [a.ImageId] }, { region: "ap-shanghai" });
    expect(
      await code(
        client.call(
          "cvm",
          "SyncImages",
          { ImageIds: [src.ImageId], DestinationRegions: ["ap-shanghai"] },
          { region: R },
        ),
      ),
    ).toBe("ok");
  });
});

describe("key pairs", () => {
  const pub = () => toOpenSshRsaPublicKey(generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey, "test");

  it("name rules, import, duplicate detection", async () => {
    const emu = await emulator();
    const { client } = clientFor(emu);
    const imp = (KeyName: string, PublicKey = pub()) =>
      client.call("cvm", "ImportKeyPair", { KeyName, ProjectId: 0, PublicKey }, { region: R });
    expect(await code(imp("has-dash"))).toBe("InvalidKeyPairNameIncludeIllegalChar");
    expect(await code(imp("a".repeat(26)))).toBe("InvalidKeyPairNameTooLong");
    expect(await code(imp("ok_key", "ssh-dss AAAA"))).toBe("InvalidPublicKey.Malformed");
    const key = pub();
    expect(await code(imp("ok_key", key))).toBe("ok");
    expect(await code(imp("ok_key"))).toBe("InvalidKeyPairName.Duplicate");
    expect(await code(imp("other_key", key))).toBe("InvalidPublicKey.Duplicate");
  });

  it("CreateKeyPair returns a private key once; it is never stored", async () => {
    const emu = await emulator();
    const { client } = clientFor(emu);
    const res = await client.call<{ KeyPair: { KeyId: string; PrivateKey: string } }>(
      "cvm",
      "CreateKeyPair",
      { KeyName: "made", ProjectId: 0 },
      { region: R },
    );
    expect(res.KeyPair.PrivateKey).toContain("PRIVATE KEY");
    const listed = await client.call<{ KeyPairSet: Array<Record<string, unknown>> }>(
      "cvm",
      "DescribeKeyPairs",
      { KeyIds: [res.KeyPair.KeyId] },
      { region: R },
    );
    expect(listed.KeyPairSet[0]!.PrivateKey).toBeUndefined();
  });

  it("associate needs STOPPED unless ForceStop, replaces the old key; DeleteKeyPairs answers ok but leaves a bound key", async () => {
    const emu = await emulator();
    const run = emu.state.addInstance({ Region: R });
    const stopped = emu.state.addInstance({ Region: R, InstanceState: "STOPPED" });
    const { client } = clientFor(emu);
    const k1 = (
      await client.call<{ KeyId: string }>(
        "cvm",
        "ImportKeyPair",
        { KeyName: "k1", ProjectId: 0, PublicKey: pub() },
        { region: R },
      )
    ).KeyId;
    const k2 = (
      await client.call<{ KeyId: string }>(
        "cvm",
        "ImportKeyPair",
        { KeyName: "k2", ProjectId: 0, PublicKey: pub() },
        { region: R },
      )
    ).KeyId;
    const assoc = (ids: string[], key: string, ForceStop = false) =>
      client.call("cvm", "AssociateInstancesKeyPairs", { InstanceIds: ids, KeyIds: [key], ForceStop }, { region: R });
    expect(await code(assoc([run.InstanceId], k1))).toBe("UnsupportedOperation.InstanceStateRunning");
    expect(await code(assoc([run.InstanceId], k1, true))).toBe("ok");
    expect(emu.state.instances.get(run.InstanceId)!.forceStops).toBe(1);
    await assoc([stopped.InstanceId], k1);
    await assoc([stopped.InstanceId], k2);
    expect(emu.state.instances.get(stopped.InstanceId)!.LoginSettings!.KeyIds).toEqual([k2]);
    expect(emu.state.keyPairs.get(k1)!.AssociatedInstanceIds).toEqual([run.InstanceId]);
    // Current API: success, and the key is simply kept (check with DescribeKeyPairs).
    expect(await code(client.call("cvm", "DeleteKeyPairs", { KeyIds: [k1] }, { region: R }))).toBe("ok");
    expect(emu.state.keyPairs.has(k1)).toBe(true);
    expect(
      await code(
        client.call(
          "cvm",
          "DisassociateInstancesKeyPairs",
          { InstanceIds: [stopped.InstanceId], KeyIds: [k2] },
          { region: R },
        ),
      ),
    ).toBe("ok");
    expect(await code(client.call("cvm", "DeleteKeyPairs", { KeyIds: [k2] }, { region: R }))).toBe("ok");
    expect(emu.state.keyPairs.has(k2)).toBe(false);
  });

  it("with ForceStop the key shows only after the instance has been stopped, bound and started again", async () => {
    const emu = await emulator({ timings: { stopMs: 0, startMs: 0, syncMs: 0, bindMs: 4000 } });
    const run = emu.state.addInstance({ Region: R });
    const { client } = clientFor(emu);
    const k1 = (
      await client.call<{ KeyId: string }>(
        "cvm",
        "ImportKeyPair",
        { KeyName: "k1", ProjectId: 0, PublicKey: pub() },
        { region: R },
      )
    ).KeyId;
    await client.call(
      "cvm",
      "AssociateInstancesKeyPairs",
      { InstanceIds: [run.InstanceId], KeyIds: [k1], ForceStop: true },
      { region: R },
    );
    const look = async () =>
      (
        await client.call<{
          InstanceSet: Array<{ InstanceState: string; LoginSettings: { KeyIds: string[] | null } }>;
        }>("cvm", "DescribeInstances", { InstanceIds: [run.InstanceId] }, { region: R })
      ).InstanceSet[0]!;
    expect(await look()).toMatchObject({ InstanceState: "STOPPING" });
    expect((await look()).LoginSettings.KeyIds ?? []).not.toContain(k1);
    emu.advance(4000);
    expect(await look()).toMatchObject({ InstanceState: "RUNNING", LoginSettings: { KeyIds: [k1] } });
  });
});

describe("monitor and ssm", () => {
  it("GetMonitorData: values from the profile, empty for missing data, at most 50 instances and 7,200 points, times aligned as the witness shows", async () => {
    const emu = await emulator();
    const idle = emu.state.addInstance({ Region: R, profile: { cpu: 1, traffic: 0 } });
    const none = emu.state.addInstance({ Region: R, profile: { cpu: null, traffic: 0 } });
    const { client } = clientFor(emu);
    const dims = (id: string) => ({ Dimensions: [{ Name: "InstanceId", Value: id }] });
    const res = await client.call<{ DataPoints: Array<{ Values: number[] }> }>(
      "monitor",
      "GetMonitorData",
      {
        Namespace: "QCE/CVM",
        MetricName: "CPUUsage",
        Period: 300,
        Instances: [dims(idle.InstanceId), dims(none.InstanceId)],
      },
      { region: R },
    );
    // An hour at 300 s: 12 points, or 13 when the hour starts exactly on a period boundary.
    expect(res.DataPoints[0]!.Values.length).toBeGreaterThanOrEqual(12);
    expect(res.DataPoints[0]!.Values.length).toBeLessThanOrEqual(13);
    expect(Math.max(...res.DataPoints[0]!.Values)).toBeLessThanOrEqual(1.2);
    expect(res.DataPoints[1]!.Values).toEqual([]);
    const many = (n: number) => Array.from({ length: n }, () => dims(idle.InstanceId));
    expect(
      await code(
        client.call(
          "monitor",
          "GetMonitorData",
          { Namespace: "QCE/CVM", MetricName: "CPUUsage", Instances: many(51) },
          { region: R },
        ),
      ),
    ).toBe("InvalidParameterValue");
    const fifty = await client.call<{ DataPoints: unknown[]; StartTime: string }>(
      "monitor",
      "GetMonitorData",
      { Namespace: "QCE/CVM", MetricName: "CPUUsage", Period: 300, Instances: many(50) },
      { region: R },
    );
    expect(fifty.DataPoints).toHaveLength(50);
    // The reply's times are aligned to the period, in Beijing time: 2018-09-22T19:20:00+08:00.
    expect(fifty.StartTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d[05]:00\+08:00$/);
    // A day at 60 s is 1,441 points an instance: five instances are 7,205, past the 7,200 a request may hold.
    const day = {
      Namespace: "QCE/CVM",
      MetricName: "CPUUsage",
      Period: 60,
      StartTime: "2026-12-01T10:00:00+08:00",
      EndTime: "2026-12-02T10:00:00+08:00",
    };
    expect(await code(client.call("monitor", "GetMonitorData", { ...day, Instances: many(5) }, { region: R }))).toBe(
      "InvalidParameterValue",
    );
    await client.call("monitor", "GetMonitorData", { ...day, Instances: many(4) }, { region: R });
  });

  it("SSM: create, read back, versions, duplicate names", async () => {
    const emu = await emulator();
    const { client } = clientFor(emu);
    await client.call(
      "ssm",
      "CreateSecret",
      { SecretName: "s1", VersionId: "v1", SecretString: "hello" },
      { region: R },
    );
    const got = await client.call<{ SecretString: string }>(
      "ssm",
      "GetSecretValue",
      { SecretName: "s1", VersionId: "v1" },
      { region: R },
    );
    expect(got.SecretString).toBe("hello");
    expect(await code(client.call("ssm", "CreateSecret", { SecretName: "s1", SecretString: "x" }, { region: R }))).toBe(
      "ResourceInUse.SecretExists",
    );
    expect(
      await code(client.call("ssm", "GetSecretValue", { SecretName: "nope", VersionId: "v1" }, { region: R })),
    ).toBe("ResourceNotFound");
    // An enabled secret's deletion is refused (ssm api.json: DisableSecret first); a disabled one cannot be read.
    expect(
      await code(client.call("ssm", "DeleteSecret", { SecretName: "s1", RecoveryWindowInDays: 7 }, { region: R })),
    ).toBe("OperationDenied.SecretEnabled");
    await client.call("ssm", "DisableSecret", { SecretName: "s1" }, { region: R });
    expect(await code(client.call("ssm", "GetSecretValue", { SecretName: "s1", VersionId: "v1" }, { region: R }))).toBe(
      "ResourceUnavailable.SecretDisabled",
    );
    // Scheduled for deletion: still described, but reads and writes are refused with the current code.
    await client.call("ssm", "DeleteSecret", { SecretName: "s1", RecoveryWindowInDays: 7 }, { region: R });
    expect(
      (await client.call<{ Status: string }>("ssm", "DescribeSecret", { SecretName: "s1" }, { region: R })).Status,
    ).toBe("PendingDelete");
    expect(await code(client.call("ssm", "GetSecretValue", { SecretName: "s1", VersionId: "v1" }, { region: R }))).toBe(
      "ResourceUnavailable.ResourcePendingDeleted",
    );
    expect(
      await code(client.call("ssm", "DeleteSecret", { SecretName: "s1", RecoveryWindowInDays: 7 }, { region: R })),
    ).toBe("ResourceUnavailable.ResourcePendingDeleted");
  });
});

describe("faults and inspection", () => {
  it("stateChange moves an instance under the caller before the action runs", async () => {
    const emu = await emulator();
    const a = emu.state.addInstance({ Region: R });
    emu.faults.add({ action: "StopInstances", kind: "stateChange", toState: "STOPPED", count: 1 });
    const { client } = clientFor(emu);
    expect(await code(client.call("cvm", "StopInstances", { InstanceIds: [a.InstanceId] }, { region: R }))).toBe(
      "UnsupportedOperation.InstanceStateStopped",
    );
  });

  it("fault injection is deterministic for a seed", async () => {
    const run = async () => {
      const emu = await emulator({ seed: 42 });
      emu.faults.add({ action: "DescribeRegions", kind: "error", code: "InternalError", rate: 0.5 });
      const { client } = clientFor(emu, { retry: { maxAttempts: 1 } });
      const out: string[] = [];
      for (let i = 0; i < 20; i++) out.push(await code(client.call("cvm", "DescribeRegions")));
      return out.join(",");
    };
    const first = await run();
    expect(first).toContain("InternalError");
    expect(await run()).toBe(first);
  });

  it("the inspection endpoints report state and calls, and accept faults", async () => {
    const emu = await emulator({ instances: 5, fleetRegions: [R] });
    const { client } = clientFor(emu, { retry: { maxAttempts: 1 } });
    await client.call("cvm", "DescribeRegions");
    const calls = (await (await fetch(`${emu.url}/_emulator/calls`)).json()) as Array<{
      action: string;
      requestId: string;
    }>;
    expect(calls.map((c) => c.action)).toEqual(["DescribeRegions"]);
    const state = (await (await fetch(`${emu.url}/_emulator/state`)).json()) as { instances: unknown[] };
    expect(state.instances).toHaveLength(5);
    await fetch(`${emu.url}/_emulator/faults`, {
      method: "POST",
      body: JSON.stringify({ rules: [{ action: "DescribeZones", kind: "error", code: "ResourceUnavailable" }] }),
    });
    expect(await code(client.call("cvm", "DescribeZones", {}, { region: R }))).toBe("ResourceUnavailable");
  });
});
