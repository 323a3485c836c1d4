/** key-rotation's pure plan, table-tested: per instance, the key to use, orphans and older keys to retire. */
import { describe, expect, it } from "vitest";
import {
  keysToUnbind,
  planRegion,
  toDecisions,
  type RegionalInstance,
  type RegionView,
} from "../functions/key-rotation/plan.ts";
import type { KeyPair } from "../lib/tencent/data-types.ts";

const NOW = new Date("2026-11-29T10:00:00Z");
const R = "ap-guangzhou";
const POLICY = {
  scopeTag: { key: "autopilot:rotate-keys", value: "true" },
  maxAgeDays: 90,
  allowForceStop: false,
  keyPrefix: "autopilot",
  maxInstances: 100,
};
const TAG = [{ Key: "autopilot:rotate-keys", Value: "true" }];

const aKey = (id: string, name: string, o: Partial<KeyPair> = {}): KeyPair => ({
  KeyId: id,
  KeyName: name,
  ProjectId: 0,
  Description: "",
  PublicKey: "ssh-rsa AAAA",
  AssociatedInstanceIds: [],
  CreatedTime: "2026-01-01T00:00:00Z",
  ...o,
});
const anInstance = (id: string, keys: string[], o: Partial<RegionalInstance> = {}): RegionalInstance => ({
  InstanceId: id,
  InstanceName: id,
  InstanceState: "STOPPED",
  InstanceChargeType: "PREPAID",
  InstanceType: "S5.MEDIUM4",
  CPU: 2,
  Memory: 4,
  Placement: { Zone: `${R}-3`, ProjectId: 0 },
  CreatedTime: "2025-01-01T00:00:00Z",
  ImageId: "img-aaaaaaaa",
  LoginSettings: { KeyIds: keys },
  Tags: TAG,
  Region: R,
  ...o,
});
const OLD = aKey("skey-old00001", "autopilot_202601010000", { AssociatedInstanceIds: ["ins-a"] });
const secret = (name: string) => `cvm-autopilot-${R}-${name}`;
const view = (o: Partial<RegionView> = {}): RegionView => ({
  region: R,
  instances: [anInstance("ins-a", [OLD.KeyId])],
  keyPairs: [OLD],
  secrets: new Set([secret(OLD.KeyName)]),
  narrowed: false,
  ...o,
});
/** Decisions as `kind action? id`, for compact expectations. */
const brief = (v: RegionView, policy = POLICY) => {
  const p = planRegion(v, policy, NOW);
  return toDecisions(p, v, policy.keyPrefix)
    .map((d) => `${d.kind}${d.action ? ` ${d.action}` : ""} ${d.id}`)
    .sort();
};

describe("key-rotation plan", () => {
  it.each([
    [
      "an old key: new key, rotate, retire the old one",
      view(),
      ["due rotate ins-a", "new-key create-key autopilot_202611291000", "retired-key retire-key skey-old00001"],
    ],
    [
      "running, force stop not allowed: kept, and the old key stays",
      view({ instances: [anInstance("ins-a", [OLD.KeyId], { InstanceState: "RUNNING" })] }),
      ["running ins-a"],
    ],
    [
      "opted out",
      view({
        instances: [anInstance("ins-a", [OLD.KeyId], { Tags: [{ Key: "autopilot:rotate-keys", Value: "false" }] })],
      }),
      ["opted-out ins-a"],
    ],
    ["a young key", view({ keyPairs: [{ ...OLD, CreatedTime: "2026-11-01T00:00:00Z" }] }), ["young ins-a"]],
    ["no key bound: kept and reported", view({ instances: [anInstance("ins-a", [])] }), ["no-key ins-a"]],
    [
      "a stored key not yet imported is resumed, not made again",
      view({ secrets: new Set([secret(OLD.KeyName), secret("autopilot_202611280000")]) }),
      ["due rotate ins-a", "resume-key import-key autopilot_202611280000", "retired-key retire-key skey-old00001"],
    ],
    [
      "a key pair of ours with no stored private key, bound nowhere: an orphan",
      view({ instances: [], keyPairs: [OLD, aKey("skey-orph0001", "autopilot_202611010000")] }),
      ["orphan-key delete-orphan-key skey-orph0001"],
    ],
    [
      "narrowed by a webhook: nothing region-wide",
      view({ narrowed: true, instances: [], keyPairs: [OLD, aKey("skey-orph0001", "autopilot_202611010000")] }),
      [],
    ],
    [
      "an older key still used by an instance this run skips is not retired",
      view({
        instances: [anInstance("ins-a", [OLD.KeyId]), anInstance("ins-b", [OLD.KeyId], { InstanceState: "RUNNING" })],
        keyPairs: [{ ...OLD, AssociatedInstanceIds: ["ins-a", "ins-b"] }],
      }),
      ["due rotate ins-a", "new-key create-key autopilot_202611291000", "running ins-b"],
    ],
  ])("%s", (_n, v, expected) => {
    expect(brief(v)).toEqual(expected);
  });

  it("an overlapping run's leftover (our newest key plus an older one of ours) is finished whatever their age", () => {
    const newest = aKey("skey-new00001", "autopilot_202611290900", {
      CreatedTime: "2026-11-29T09:00:00Z",
      AssociatedInstanceIds: ["ins-a"],
    });
    const older = { ...OLD, CreatedTime: "2026-11-28T00:00:00Z" };
    const v = view({
      instances: [anInstance("ins-a", [older.KeyId, newest.KeyId])],
      keyPairs: [older, newest],
      secrets: new Set([secret(older.KeyName), secret(newest.KeyName)]),
    });
    expect(brief(v)).toEqual(["leftover rotate ins-a", "retired-key retire-key skey-old00001"]);
  });

  it("KEY_ROTATION_MAX_INSTANCES caps a region's run", () => {
    const insts = ["ins-a", "ins-b", "ins-c"].map((id) => anInstance(id, [OLD.KeyId]));
    expect(
      brief(view({ instances: insts, keyPairs: [{ ...OLD, AssociatedInstanceIds: ["ins-a", "ins-b", "ins-c"] }] }), {
        ...POLICY,
        maxInstances: 2,
      }),
    ).toEqual([
      "due rotate ins-a",
      "due rotate ins-b",
      "new-key create-key autopilot_202611291000",
      "over-limit ins-c",
    ]);
  });
});

describe("keysToUnbind", () => {
  const names = new Map([
    ["k-old", "autopilot_202601010000"],
    ["k-new", "autopilot_202612010000"],
    ["k-target", "autopilot_202611291000"],
    ["k-team", "team_key"],
  ]);
  const target = { keyId: "k-target", keyName: "autopilot_202611291000" };
  it.each([
    ["an older key of ours goes", ["k-target", "k-old"], [], ["k-old"]],
    ["a newer key of ours stays (an overlapping run's)", ["k-target", "k-new"], [], []],
    ["a foreign key bound before this run goes", ["k-target", "k-team"], ["k-team"], ["k-team"]],
    ["a foreign key bound since this run read the region stays", ["k-target", "k-team"], [], []],
    ["a key we cannot name stays", ["k-target", "k-mystery"], ["k-mystery"], []],
  ])("%s", (_n, bound, before, expected) => {
    expect(keysToUnbind(bound, target, before, names, "autopilot")).toEqual(expected);
  });
});
