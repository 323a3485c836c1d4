/**
 * One scenario per function for the hardening suite: a fleet, the env, the invariants that must
 * hold after any run (faults or not), and what "converged" means. Invariants return violations
 * as text, so a failing seed says exactly what went wrong.
 */
import type { Emulator } from "../../emulator/server.ts";
import type { EmuInstance } from "../../emulator/state.ts";
import { seededRandom } from "../../emulator/random.ts";
import type { FaultRule } from "../../emulator/faults.ts";
import type { ErrorEntry, ReportBase } from "../../lib/report/report-head.ts";
import { parseCopy } from "../../functions/image-sync/plan.ts";
import { RESIZING_TAG } from "../../functions/rightsize/plan.ts";
import { accessViolations, seedRegion } from "../helpers/keys.ts";
import { REGISTRY } from "../../functions/registry.ts";
import { derivedScenario } from "./derived-scenario.ts";

export const REGIONS = ["ap-guangzhou", "ap-shanghai"];
const WRITES = /^(Stop|Start|Modify|Sync|Delete|Create|Import|Associate|Disassociate|PutSecret|Tag)/;

export interface Scenario {
  name: string;
  env: Record<string, string>;
  /** Builds the world; returns what the invariants need to know about it. */
  setup(emu: Emulator): void;
  /** Violations after a run (with or without faults). */
  invariants(emu: Emulator, report: ReportBase | undefined): string[];
  /** Violations of the desired end state, after a clean run. */
  converged(emu: Emulator): string[];
  /** Actions this function writes with, for partial-failure and state-change faults. */
  writeActions: string[];
  /**
   * Its runs read the emulator's clock as their own: a function that writes times on machines and
   * reads them back (rightsize's stop records) needs its clock and the cloud's to agree, as they do
   * in production; a storm's waits move the emulator's clock ahead of the wall's.
   */
  emulatorTime?: boolean;
}

export const writeCalls = (emu: Emulator) => emu.calls.filter((c) => c.action && WRITES.test(c.action) && !c.code);

/** Every reported API failure carries its RequestId, unless no reply ever came (ClientError.*). */
export function errorsHaveRequestIds(errors: ErrorEntry[]): string[] {
  return errors
    .filter(
      (e) =>
        !e.code.startsWith("ClientError.") &&
        !e.code.startsWith("KeyRotation.") &&
        !e.code.startsWith("Rightsize.") &&
        !e.requestId,
    )
    .map((e) => `error without RequestId: ${JSON.stringify(e)}`);
}

const ids = (emu: Emulator, action: string) =>
  emu.calls
    .filter((c) => c.action === action && !c.code)
    .flatMap((c) => (c.params as { InstanceIds?: string[] })?.InstanceIds ?? []);

const tagged = (i: EmuInstance, key: string, value: string) =>
  (i.Tags ?? []).some((t) => t.Key === key && t.Value === value);

function autoStop(): Scenario {
  const idle = { cpu: 1, traffic: 0.01 };
  return {
    name: "auto-stop-idle",
    env: { REGIONS: REGIONS.join(",") },
    writeActions: ["StopInstances"],
    setup(emu) {
      for (const region of REGIONS) {
        for (let i = 0; i < 5; i++) emu.state.addInstance({ Region: region, profile: idle, InstanceName: `idle-${i}` });
        for (let i = 0; i < 12; i++)
          emu.state.addInstance({ Region: region, profile: { cpu: 60, traffic: 5 }, InstanceName: `busy-${i}` });
        for (let i = 0; i < 2; i++)
          emu.state.addInstance({
            Region: region,
            profile: idle,
            InstanceName: `keep-${i}`,
            Tags: [{ Key: "autopilot:auto-stop", Value: "off" }],
          });
        emu.state.addInstance({
          Region: region,
          profile: idle,
          InstanceName: "prepaid",
          InstanceChargeType: "PREPAID",
          RenewFlag: "NOTIFY_AND_AUTO_RENEW",
        });
      }
      emu.state.addInstance({ Region: "ap-beijing", profile: idle, InstanceName: "out-of-scope" });
    },
    invariants(emu) {
      const v: string[] = [];
      for (const id of ids(emu, "StopInstances")) {
        const i = emu.state.instances.get(id)!;
        if (!REGIONS.includes(i.Region)) v.push(`stopped ${id} outside REGIONS`);
        if (i.InstanceChargeType !== "POSTPAID_BY_HOUR") v.push(`stopped ${id}, which is ${i.InstanceChargeType}`);
        if (tagged(i, "autopilot:auto-stop", "off")) v.push(`stopped opted-out ${id}`);
        if (i.InstanceName.startsWith("busy")) v.push(`stopped busy ${id}`);
      }
      for (const i of emu.state.instances.values()) if (i.forceStops) v.push(`force-stopped ${i.InstanceId}`);
      return v;
    },
    converged(emu) {
      return [...emu.state.instances.values()]
        .filter((i) => i.InstanceName.startsWith("idle") && emu.state.settle(i).InstanceState === "RUNNING")
        .map((i) => `idle ${i.InstanceId} still running`);
    },
  };
}

function renewFlag(): Scenario {
  return {
    name: "renew-flag",
    env: { REGIONS: REGIONS.join(","), RENEW_RULES: "env=prod:NOTIFY_AND_AUTO_RENEW,env=dev:NOTIFY_AND_MANUAL_RENEW" },
    writeActions: ["ModifyInstancesRenewFlag"],
    setup(emu) {
      for (const region of REGIONS) {
        for (let i = 0; i < 30; i++) {
          const env = i % 3 === 0 ? "prod" : i % 3 === 1 ? "dev" : "qa";
          emu.state.addInstance({
            Region: region,
            InstanceChargeType: "PREPAID",
            RenewFlag: "DISABLE_NOTIFY_AND_MANUAL_RENEW",
            Tags: [{ Key: "env", Value: env }],
            ExpiredTime: new Date(Date.now() + 30 * 86400_000).toISOString(),
          });
        }
        for (let i = 0; i < 5; i++) emu.state.addInstance({ Region: region, Tags: [{ Key: "env", Value: "prod" }] });
      }
    },
    invariants(emu) {
      return ids(emu, "ModifyInstancesRenewFlag")
        .map((id) => emu.state.instances.get(id)!)
        .filter((i) => i.InstanceChargeType !== "PREPAID" || tagged(i, "env", "qa"))
        .map((i) => `renew flag written on ${i.InstanceId} (${i.InstanceChargeType}, out of policy)`);
    },
    converged(emu) {
      const want = (i: EmuInstance) =>
        tagged(i, "env", "prod")
          ? "NOTIFY_AND_AUTO_RENEW"
          : tagged(i, "env", "dev")
            ? "NOTIFY_AND_MANUAL_RENEW"
            : "DISABLE_NOTIFY_AND_MANUAL_RENEW";
      return [...emu.state.instances.values()]
        .filter((i) => i.InstanceChargeType === "PREPAID" && i.RenewFlag !== want(i))
        .map((i) => `${i.InstanceId} has ${i.RenewFlag}, wants ${want(i)}`);
    },
  };
}

function imageSync(): Scenario {
  const foreign = new Set<string>();
  let source = "";
  return {
    name: "image-sync",
    env: { IMAGE_SYNC_DESTINATIONS: "ap-shanghai,ap-beijing,ap-chengdu" },
    writeActions: ["SyncImages", "DeleteImages"],
    setup(emu) {
      emu.state.imageQuota = 4;
      source = emu.state.addImage({
        Region: "ap-guangzhou",
        ImageName: "golden",
        Tags: [{ Key: "autopilot:sync", Value: "true" }],
      }).ImageId;
      for (const region of ["ap-shanghai", "ap-beijing", "ap-chengdu"]) {
        for (let i = 0; i < 2; i++)
          foreign.add(
            emu.state.addImage({ Region: region, ImageName: `theirs-${i}`, CreatedTime: "2020-01-01T00:00:00Z" })
              .ImageId,
          );
        emu.state.addImage({
          Region: region,
          ImageName: "golden-apsync-aaaaaaaa",
          CreatedTime: "2024-01-01T00:00:00Z",
        });
        emu.state.addImage({
          Region: region,
          ImageName: "golden-apsync-bbbbbbbb",
          CreatedTime: "2024-06-01T00:00:00Z",
        });
      }
    },
    invariants(emu) {
      const v: string[] = [];
      for (const c of emu.calls.filter((x) => x.action === "DeleteImages" && !x.code)) {
        for (const id of (c.params as { ImageIds: string[] }).ImageIds)
          if (foreign.has(id)) v.push(`deleted foreign image ${id}`);
      }
      for (const id of foreign) if (!emu.state.images.has(id)) v.push(`foreign image ${id} is gone`);
      return v;
    },
    converged(emu) {
      const v: string[] = [];
      for (const region of ["ap-shanghai", "ap-beijing", "ap-chengdu"]) {
        const copies = emu.state.imagesIn(region).filter((i) => parseCopy(i)?.source8 === source.slice(4));
        if (copies.length !== 1 || copies[0]!.ImageState !== "NORMAL")
          v.push(`${region} has ${copies.length} copies of the source (${copies.map((c) => c.ImageState).join(",")})`);
      }
      return v;
    },
  };
}

function keyRotation(): Scenario {
  const due = new Set<string>();
  return {
    name: "key-rotation",
    env: { REGIONS: REGIONS.join(",") },
    writeActions: ["AssociateInstancesKeyPairs", "ImportKeyPair", "CreateSecret", "DeleteKeyPairs"],
    setup(emu) {
      for (const region of REGIONS) for (const i of seedRegion(emu.state, region).stopped) due.add(i.InstanceId);
    },
    invariants(emu) {
      const v = accessViolations(emu.state);
      for (const i of emu.state.instances.values())
        if (i.forceStops) v.push(`force-stopped ${i.InstanceId} without KEY_ROTATION_ALLOW_FORCE_STOP`);
      return v;
    },
    converged(emu) {
      const v = accessViolations(emu.state);
      for (const region of REGIONS) {
        const ours = [...emu.state.keyPairs.values()].filter(
          (k) => k.Region === region && /^autopilot_\d{12}$/.test(k.KeyName) && k.KeyName !== "autopilot_202601010000",
        );
        if (ours.length !== 1) v.push(`${region} has ${ours.length} current keys of ours`);
        const secrets = [...emu.state.secrets.values()].filter((s) => s.Region === region && s.Status === "Enabled");
        for (const s of secrets)
          if (![...emu.state.keyPairs.values()].some((k) => s.SecretName === `cvm-autopilot-${region}-${k.KeyName}`))
            v.push(`orphan secret ${s.SecretName}`);
        for (const id of due) {
          const inst = emu.state.instances.get(id)!;
          if (
            inst.Region === region &&
            ours[0] &&
            JSON.stringify(inst.LoginSettings?.KeyIds) !== JSON.stringify([ours[0].KeyId])
          )
            v.push(`${id} not on the current key`);
        }
      }
      return v;
    },
  };
}

function officeHours(): Scenario {
  const tagged = new Set<string>();
  const untouchable = new Set<string>();
  // Always within hours and enforced: every run wants every tagged machine running.
  const always = JSON.stringify({
    always: { periods: [{ days: "mon-sun", begin: "00:00", end: "00:00" }], timezone: "UTC", enforced: true },
  });
  return {
    name: "office-hours",
    env: { REGIONS: REGIONS.join(","), OFFICE_HOURS_SCHEDULES: always },
    writeActions: ["StartInstances"],
    setup(emu) {
      for (const region of REGIONS) {
        for (let i = 0; i < 8; i++)
          tagged.add(
            emu.state.addInstance({
              Region: region,
              InstanceState: "STOPPED",
              Tags: [{ Key: "autopilot:office-hours", Value: "always" }],
            }).InstanceId,
          );
        untouchable.add(
          emu.state.addInstance({ Region: region, InstanceState: "STOPPED", InstanceName: "untagged" }).InstanceId,
        );
        untouchable.add(
          emu.state.addInstance({
            Region: region,
            InstanceState: "STOPPED",
            Tags: [
              { Key: "autopilot:office-hours", Value: "always" },
              { Key: "autopilot:office-hours-opt-out", Value: "true" },
            ],
          }).InstanceId,
        );
        untouchable.add(
          emu.state.addInstance({
            Region: region,
            InstanceState: "STOPPED",
            Tags: [{ Key: "autopilot:office-hours", Value: "nightly" }],
          }).InstanceId,
        );
      }
    },
    invariants(emu) {
      const touched = [...ids(emu, "StartInstances"), ...ids(emu, "StopInstances")];
      return touched
        .filter((id) => untouchable.has(id))
        .map((id) => `started or stopped ${id}, which is untagged, opted out or on an unknown schedule`);
    },
    converged(emu) {
      return [...tagged]
        .filter((id) => emu.state.settle(emu.state.instances.get(id)!).InstanceState !== "RUNNING")
        .map((id) => `${id} is not running`);
    },
  };
}

/** rightsize: tagged, lightly used machines shrink within their family, each exactly once; untagged ones are only proposed. */
function rightsize(): Scenario {
  const FROM = "S5.2XLARGE16";
  const tagged = new Set<string>();
  const untouchable = new Set<string>();
  const apply = [{ Key: "autopilot:rightsize", Value: "apply" }];
  return {
    name: "rightsize",
    env: { REGIONS: REGIONS.join(","), RIGHTSIZE_WINDOW: "00:00-24:00", RIGHTSIZE_MAX_FRACTION: "1" },
    emulatorTime: true,
    writeActions: ["StopInstances", "ResetInstancesType", "StartInstances"],
    setup(emu) {
      for (const region of REGIONS) {
        for (let i = 0; i < 4; i++)
          tagged.add(
            emu.state.addInstance({ Region: region, InstanceType: FROM, Tags: apply, profile: { cpu: 10, traffic: 1 } })
              .InstanceId,
          );
        untouchable.add(
          emu.state.addInstance({ Region: region, InstanceType: FROM, profile: { cpu: 10, traffic: 1 } }).InstanceId,
        );
      }
    },
    invariants(emu) {
      const touched = [...ids(emu, "StopInstances"), ...ids(emu, "ResetInstancesType"), ...ids(emu, "StartInstances")];
      return touched.filter((id) => untouchable.has(id)).map((id) => `resized ${id}, which is not tagged to apply`);
    },
    converged(emu) {
      return [...tagged].flatMap((id) => {
        const i = emu.state.settle(emu.state.instances.get(id)!);
        if (i.InstanceState === "RUNNING" && i.InstanceType !== FROM) return [];
        // A storm's stateChange stopped it before our stop could (someone else's stop, to the
        // function): left as it is, with the record that no resize is under way.
        const leftToItsOwner = i.InstanceState === "STOPPED" && i.InstanceType === FROM;
        if (leftToItsOwner && (i.Tags ?? []).some((t) => t.Key === RESIZING_TAG && t.Value.startsWith("refused>")))
          return [];
        return [`${id} is ${i.InstanceState} at ${i.InstanceType}, not running at a smaller type`];
      });
    },
  };
}

/** The scenarios written for a function's own promises. */
const BESPOKE: Array<() => Scenario> = [autoStop, renewFlag, imageSync, keyRotation, officeHours, rightsize];

/** Every writing function's scenario: its own above, else one derived from its declaration (derived-scenario.ts). */
export const SCENARIOS: Array<() => Scenario> = [
  ...BESPOKE,
  ...REGISTRY.filter((f) => f.writes && !BESPOKE.some((make) => make().name === f.name)).map(
    (f) => () => derivedScenario(f, REGIONS),
  ),
];

/** Registered functions without a hardening scenario (none: a writing function without its own gets a derived one). */
export const withoutScenario = (names: string[]) => names.filter((n) => !SCENARIOS.some((make) => make().name === n));

/** A seeded storm: throttling, 5xx, resets, replies slower than the client's timeout, a bad id in a batch, a state change. */
export function faultStorm(seed: number, s: Scenario, emu: Emulator): FaultRule[] {
  const rnd = seededRandom(seed * 7919);
  const pickInstance = () => {
    const all = [...emu.state.instances.keys()];
    return all[Math.floor(rnd() * all.length)]!;
  };
  const victim = pickInstance();
  return [
    { action: "*", kind: "error", code: "RequestLimitExceeded", rate: 0.08 + rnd() * 0.1 },
    { action: "*", kind: "http5xx", rate: 0.03 + rnd() * 0.04 },
    { action: "*", kind: "drop", rate: 0.02 + rnd() * 0.03 },
    { action: "*", kind: "slow", delayMs: 110, rate: 0.02 + rnd() * 0.02 },
    {
      action: s.writeActions[0]!,
      kind: "error",
      code: "InvalidInstanceId.NotFound",
      count: 2,
      match: (p) => ((p.InstanceIds as string[] | undefined) ?? []).includes(victim),
    },
    { action: s.writeActions[0]!, kind: "stateChange", toState: "STOPPED", count: 1, after: Math.floor(rnd() * 2) },
  ];
}
