/**
 * Decides a region's key rotation from what the cloud shows. Pure. Progress lives on the cloud
 * side, in names: a key pair `<prefix>_<YYYYMMDDHHMM>` and its private half in the SSM secret
 * `cvm-autopilot-<region>-<key name>`. Whatever a crashed run left — a secret with no key pair,
 * a key pair not yet bound everywhere, an old key still bound — the next run reads and finishes.
 *
 * The order that can never lose access: the private key is stored (and read back) before its
 * public half is imported, imported before it is bound, bound and verified before any old key is
 * unbound or deleted; a key whose private half is not in SSM is never bound.
 */
import { tagsOf, type Instance, type KeyPair } from "../../lib/tencent/types.ts";
import type { TagMatch } from "../../lib/config/parsers.ts";

export type RegionalInstance = Instance & { Region: string };

export interface RotationPolicy {
  scopeTag: TagMatch;
  maxAgeDays: number;
  allowForceStop: boolean;
  keyPrefix: string;
  maxInstances: number;
}

export const secretNameFor = (region: string, keyName: string) => `cvm-autopilot-${region}-${keyName}`;

/** `<prefix>_YYYYMMDDHHMM` in UTC: at most 25 characters, sortable by age. */
export function generationName(prefix: string, now: Date): string {
  return `${prefix}_${now.toISOString().slice(0, 16).replace(/[-T:]/g, "")}`;
}

export const isOurs = (name: string, prefix: string) => new RegExp(`^${prefix}_\\d{12}$`).test(name);

export type Target =
  | { kind: "existing"; keyId: string; keyName: string }
  | { kind: "import"; keyName: string; secretName: string; resumed: boolean }
  | { kind: "new"; keyName: string; secretName: string };

export interface RegionPlan {
  region: string;
  target: Target | undefined;
  /** Bind the target to these: STOPPED ones, and RUNNING ones only when force stop is allowed. */
  bindStopped: string[];
  bindRunning: string[];
  skipped: Array<{ instanceId: string; reason: string }>;
  /** Our key pairs with no private half in SSM and bound nowhere: delete. */
  orphanKeys: Array<{ keyId: string; keyName: string }>;
  /** Secrets of ours whose key pair was never imported and never will be: delete. */
  orphanSecrets: string[];
  /** Problems no run can fix by itself: reported as errors, loudly. */
  problems: Array<{ id: string; code: string; message: string }>;
  /** Keys bound to each instance to bind, as read: the only foreign keys a run may unbind. */
  boundBefore: Map<string, string[]>;
  /** Retire old keys and clean up orphans: only in a run that saw the whole region. */
  cleanUp: boolean;
}

export interface RegionView {
  region: string;
  instances: RegionalInstance[];
  keyPairs: KeyPair[];
  /** Names of our secrets in this region. */
  secrets: Set<string>;
  /** The trigger narrowed the run to some instances: nothing region-wide may be touched. */
  narrowed: boolean;
}

export function planRegion(view: RegionView, policy: RotationPolicy, now: Date): RegionPlan {
  const { region } = view;
  const maxAgeMs = policy.maxAgeDays * 86400_000;
  const keysById = new Map(view.keyPairs.map((k) => [k.KeyId, k]));
  const ours = view.keyPairs.filter((k) => isOurs(k.KeyName, policy.keyPrefix));
  const withSecret = ours.filter((k) => view.secrets.has(secretNameFor(region, k.KeyName)));
  const orphanKeys = ours.filter((k) => !view.secrets.has(secretNameFor(region, k.KeyName)) && k.AssociatedInstanceIds.length === 0);
  const problems: RegionPlan["problems"] = ours
    .filter((k) => !view.secrets.has(secretNameFor(region, k.KeyName)) && k.AssociatedInstanceIds.length > 0)
    .map((k) => ({ id: k.KeyId, code: "KeyRotation.PrivateKeyMissing", message: `key ${k.KeyName} is bound to ${k.AssociatedInstanceIds.length} instance(s) but its private key is not in SSM: rotate those instances by hand` }));

  // Secrets whose key pair was never imported: the newest resumes, older ones are superseded.
  const keyNames = new Set(view.keyPairs.map((k) => k.KeyName));
  const prefix = `cvm-autopilot-${region}-`;
  const pending = [...view.secrets]
    .filter((s) => s.startsWith(prefix) && isOurs(s.slice(prefix.length), policy.keyPrefix) && !keyNames.has(s.slice(prefix.length)))
    .sort();
  const newestKey = withSecret.sort((a, b) => a.KeyName.localeCompare(b.KeyName)).at(-1);
  const newestPending = pending.at(-1);
  const fresh = (name: string) => now.getTime() - parseGeneration(name) < maxAgeMs;

  const skipped: RegionPlan["skipped"] = [];
  const due: RegionalInstance[] = [];
  for (const inst of view.instances) {
    const tag = tagsOf(inst).get(policy.scopeTag.key);
    if (tag !== policy.scopeTag.value) {
      skipped.push({ instanceId: inst.InstanceId, reason: `opted out: tag ${policy.scopeTag.key}=${tag}` });
      continue;
    }
    const bound = inst.LoginSettings?.KeyIds ?? [];
    if (!bound.length) {
      // Loud, not a quiet skip: a tagged instance without a key may have lost the one it had.
      problems.push({
        id: inst.InstanceId, code: "KeyRotation.NoKeyBound",
        message: `tagged ${policy.scopeTag.key}=${policy.scopeTag.value} but no key pair is bound: not rotated (binding one would disable password login); bind a key by hand or remove the tag`,
      });
      continue;
    }
    const oldest = Math.min(...bound.map((k) => Date.parse(keysById.get(k)?.CreatedTime ?? "1970-01-01T00:00:00Z")));
    // On our newest key but still carrying an older one of ours (an overlapping run's leftover
    // where binding adds a key): finishing that is clean-up, whatever the keys' age.
    const leftover = !!newestKey && bound.includes(newestKey.KeyId) &&
      bound.some((k) => k !== newestKey.KeyId && isOurs(keysById.get(k)?.KeyName ?? "", policy.keyPrefix) && keysById.get(k)!.KeyName < newestKey.KeyName);
    if (now.getTime() - oldest < maxAgeMs && !leftover) {
      skipped.push({ instanceId: inst.InstanceId, reason: `key younger than ${policy.maxAgeDays} days` });
      continue;
    }
    if (inst.InstanceState === "RUNNING" && !policy.allowForceStop) {
      skipped.push({ instanceId: inst.InstanceId, reason: "running and KEY_ROTATION_ALLOW_FORCE_STOP is false" });
      continue;
    }
    if (inst.InstanceState !== "RUNNING" && inst.InstanceState !== "STOPPED") {
      skipped.push({ instanceId: inst.InstanceId, reason: `state ${inst.InstanceState}: try again later` });
      continue;
    }
    due.push(inst);
  }
  for (const inst of due.splice(policy.maxInstances)) skipped.push({ instanceId: inst.InstanceId, reason: `over KEY_ROTATION_MAX_INSTANCES=${policy.maxInstances} this run` });

  let target: Target | undefined;
  // A narrowed run (a webhook naming instances) only makes a key when one of its instances needs it.
  const mayCreate = !view.narrowed || due.length > 0;
  if (!mayCreate) target = newestKey && fresh(newestKey.KeyName) ? { kind: "existing", keyId: newestKey.KeyId, keyName: newestKey.KeyName } : undefined;
  else if (newestPending && (!newestKey || newestPending.slice(prefix.length) > newestKey.KeyName) && fresh(newestPending.slice(prefix.length))) {
    target = { kind: "import", keyName: newestPending.slice(prefix.length), secretName: newestPending, resumed: true };
  } else if (newestKey && fresh(newestKey.KeyName)) {
    target = { kind: "existing", keyId: newestKey.KeyId, keyName: newestKey.KeyName };
  } else if (due.length) {
    const keyName = generationName(policy.keyPrefix, now);
    target = { kind: "new", keyName, secretName: secretNameFor(region, keyName) };
  }
  const targetName = target?.keyName;
  const orphanSecrets = view.narrowed ? [] : pending.filter((s) => s.slice(prefix.length) !== targetName);
  const notOnTarget = due.filter((i) => !(target?.kind === "existing" && (i.LoginSettings?.KeyIds ?? []).every((k) => k === target.keyId)));
  return {
    region,
    target,
    bindStopped: notOnTarget.filter((i) => i.InstanceState === "STOPPED").map((i) => i.InstanceId),
    bindRunning: notOnTarget.filter((i) => i.InstanceState === "RUNNING").map((i) => i.InstanceId),
    skipped,
    orphanKeys: view.narrowed ? [] : orphanKeys.map((k) => ({ keyId: k.KeyId, keyName: k.KeyName })),
    orphanSecrets,
    problems,
    boundBefore: new Map(notOnTarget.map((i) => [i.InstanceId, [...(i.LoginSettings?.KeyIds ?? [])]])),
    cleanUp: !view.narrowed,
  };
}

/** The creation time encoded in a generation name (UTC minutes). */
export function parseGeneration(keyName: string): number {
  const m = /_(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(keyName);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!) : 0;
}

/**
 * After the target is bound and verified on an instance: which of its other keys to unbind.
 * Our own keys only when of an older generation than the target — a newer one belongs to a run
 * in flight and is never taken away (issue 14: two overlapping runs must not strip each other's
 * key). A foreign key only if it was bound when this run read the region; a key we cannot name
 * is kept.
 */
export function keysToUnbind(bound: string[], target: { keyId: string; keyName: string }, boundBefore: string[], namesById: Map<string, string>, prefix: string): string[] {
  return bound.filter((k) => {
    if (k === target.keyId) return false;
    const name = namesById.get(k);
    if (name === undefined) return false;
    if (isOurs(name, prefix)) return name < target.keyName;
    return boundBefore.includes(k);
  });
}

/** After binding: our keys of older generations than the target that no instance uses any more may go. */
export function retiredKeys(keyPairs: KeyPair[], target: { keyId: string; keyName: string }, prefix: string): KeyPair[] {
  return keyPairs.filter((k) => k.KeyId !== target.keyId && isOurs(k.KeyName, prefix) && k.KeyName < target.keyName && k.AssociatedInstanceIds.length === 0);
}
