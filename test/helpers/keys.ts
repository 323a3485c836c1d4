/** Key-rotation fixtures and the access invariant checked at every request. */
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import type { EmulatorState, EmuInstance } from "../../emulator/state.ts";
import { publicKeyBlob, toOpenSshRsaPublicKey } from "../../lib/ssh/openssh.ts";
import { secretNameFor } from "../../functions/key-rotation/plan.ts";

export const OLD_GEN = "autopilot_202601010000";
const ROTATE = [{ Key: "autopilot:rotate-keys", Value: "true" }];

/**
 * A region whose tagged instances use an old key of ours, its private half in SSM: two STOPPED,
 * one RUNNING, plus an opted-out and a keyless instance.
 */
export function seedRegion(state: EmulatorState, region: string) {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  state.secrets.set(`${region}/${secretNameFor(region, OLD_GEN)}`, {
    Region: region,
    SecretName: secretNameFor(region, OLD_GEN),
    Description: "",
    CreateTime: 0,
    Status: "Enabled",
    versions: new Map([["v1", pem]]),
    Tags: [],
  });
  const key = state.addKeyPair({
    Region: region,
    KeyName: OLD_GEN,
    PublicKey: toOpenSshRsaPublicKey(createPublicKey(pem), OLD_GEN),
    CreatedTime: "2026-01-01T00:00:00Z",
  });
  const mk = (o: Partial<EmuInstance>) => {
    const i = state.addInstance({ Region: region, Tags: ROTATE, ...o });
    if (o.LoginSettings === undefined) state.bindKeys(i, [key.KeyId]);
    return i;
  };
  return {
    key,
    stopped: [mk({ InstanceState: "STOPPED" }), mk({ InstanceState: "STOPPED" })],
    running: mk({ InstanceState: "RUNNING" }),
    optOut: mk({ InstanceState: "STOPPED", Tags: [{ Key: "autopilot:rotate-keys", Value: "false" }] }),
    keyless: mk({ InstanceState: "STOPPED", InstanceName: "keyless-1", LoginSettings: { KeyIds: [] } }),
  };
}

/** Every tagged instance that had a key has at least one bound key whose private half SSM holds. */
export function accessViolations(state: EmulatorState): string[] {
  const out: string[] = [];
  for (const inst of state.instances.values()) {
    const keys = inst.LoginSettings?.KeyIds ?? [];
    if (
      !inst.Tags?.length ||
      inst.Tags[0]!.Value !== "true" ||
      (!keys.length && inst.InstanceName.startsWith("keyless"))
    )
      continue;
    const ok = keys.some((k) => {
      const kp = state.keyPairs.get(k);
      if (!kp) return false;
      const secret = state.secrets.get(`${inst.Region}/${secretNameFor(inst.Region, kp.KeyName)}`);
      const pem = secret?.versions.get("v1");
      return !!pem && publicKeyBlob(toOpenSshRsaPublicKey(createPublicKey(pem), "")) === publicKeyBlob(kp.PublicKey);
    });
    if (!ok)
      out.push(
        `${inst.InstanceId} in ${inst.Region} has no key whose private half is in SSM (bound: ${keys.join(",") || "none"})`,
      );
  }
  return out;
}
