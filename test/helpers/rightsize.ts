/**
 * What the rightsize tests share: a tagged machine too big for its load, the decision a run hands
 * resizeOne, and the moments an owner acts in (as a request arrives, or at the first look at the
 * machine after our stop).
 */
import type { FaultRule } from "../../emulator/faults.ts";
import type { Emulator } from "../../emulator/server.ts";
import type { RightsizeDecision } from "../../functions/rightsize/plan.ts";
import { STOP_KEY_PREFIX } from "../../functions/rightsize/plan.ts";

export const GZ = "ap-guangzhou";
export const APPLY = { Key: "autopilot:rightsize", Value: "apply" };
/** RIGHTSIZE_APPLY_TAG's default, as the policy holds it. */
export const APPLY_TAG = { key: APPLY.Key, value: APPLY.Value };
/** Every asynchronous operation of the emulator done at once. */
export const ZERO = { stopMs: 0, startMs: 0, syncMs: 0, bindMs: 0, functionMs: 0, resizeMs: 0 };

/** An S5.2XLARGE16 at 10% CPU: S5.MEDIUM4 fits it. */
export const big = (emu: Emulator, tags: Array<{ Key: string; Value: string }> = [APPLY]) =>
  emu.state.addInstance({ Region: GZ, InstanceType: "S5.2XLARGE16", Tags: tags, profile: { cpu: 10, traffic: 1 } });

/** The decision a run hands resizeOne, for the cases that drive it directly. */
export const decision = (id: string, o: { zone?: string | undefined; kind?: string } = {}) =>
  ({
    id,
    region: GZ,
    kind: o.kind ?? "resize",
    reason: "planned while the machine ran",
    action: "resize",
    detail: { zone: o.zone ?? "ap-guangzhou-3", from: "S5.2XLARGE16", to: "S5.MEDIUM4" },
  }) as RightsizeDecision;

/** The stop keys left on a machine. */
export const stopKeys = (inst: { Tags?: Array<{ Key: string }> }) =>
  (inst.Tags ?? []).map((t) => t.Key).filter((k) => k.startsWith(STOP_KEY_PREFIX));

/** Someone acts as the first request for `action` (matching `rule`) arrives, before it is carried out. */
export function whenArrives(emu: Emulator, action: string, act: () => void, rule: Partial<FaultRule> = {}): void {
  emu.faults.add({
    action,
    kind: "slow",
    count: 1,
    delayMs: 1,
    ...rule,
    until: () => {
      act();
      return true;
    },
  });
}

/** Someone acts at the resize's first look at the machine after its stop (two come before it: one before the tag, one after). */
export function afterOurStop(emu: Emulator, act: () => void): void {
  let acted = false;
  emu.faults.add({
    action: "DescribeInstances",
    kind: "slow",
    after: 2,
    count: 1,
    delayMs: 1,
    match: (p) => Array.isArray(p.InstanceIds),
    until: () => {
      if (!acted && emu.callsFor("StopInstances").length) {
        acted = true;
        act();
      }
      return true;
    },
  });
}

/** ResetInstancesType's documented refusal when the zone has none of the new type left. */
export function outOfStock(emu: Emulator): void {
  emu.faults.add({
    action: "ResetInstancesType",
    kind: "error",
    code: "ResourceInsufficient.SpecifiedInstanceType",
    message: "The specified instance type is out of stock.",
  });
}
