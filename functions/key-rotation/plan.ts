/**
 * Decides a region's key rotation from what the cloud shows. Pure. Progress lives on the cloud
 * side, in names (key-names.ts): a key pair `<prefix>_<YYYYMMDDHHMM>` and its private half in the
 * SSM secret `cvm-autopilot-<region>-<key name>`. Whatever a crashed run left — a secret with no
 * key pair, a key pair not yet bound everywhere, an old key still bound — the next run reads and
 * finishes.
 *
 * The order that can never lose access: the private key is stored (and read back) before its
 * public half is imported, imported before it is bound, bound and verified before any old key is
 * unbound or deleted; a key whose private half is not in SSM is never bound.
 */
import type { Decision } from "../../lib/runtime/spec.ts";
import type { Instance, KeyPair } from "../../lib/tencent/data-types.ts";
import { tagsOf } from "../../lib/tencent/normalize.ts";
import type { TagMatch } from "../../lib/config/parsers.ts";
import { generationName, isOurs, parseGeneration, secretNameFor } from "./key-names.ts";

export { generationName, isOurs, parseGeneration, secretNameFor };

export type RegionalInstance = Instance & { Region: string };

export interface RotationPolicy {
  scopeTag: TagMatch;
  maxAgeDays: number;
  allowForceStop: boolean;
  keyPrefix: string;
  maxInstances: number;
}

/** What a rotation run does or leaves, per instance, key and secret: the closed list reports read. */
export const KINDS = {
  due: "key due for rotation",
  leftover: "older key of ours still bound",
  "opted-out": "opted out",
  young: "key younger than KEY_ROTATION_MAX_AGE_DAYS",
  running: "running; KEY_ROTATION_ALLOW_FORCE_STOP is false",
  "busy-state": "in a transitional state",
  "over-limit": "over KEY_ROTATION_MAX_INSTANCES",
  "no-key": "no key pair bound",
  "new-key": "new key generation",
  "resume-key": "stored key to import",
  "orphan-key": "key pair without a stored private key",
  "superseded-secret": "stored key superseded before import",
  "retired-key": "older key, no longer bound",
} as const;
export type RotationKind = keyof typeof KINDS;

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
  skipped: Array<{ instanceId: string; kind: RotationKind; reason: string }>;
  /** Instances that carry an older key of ours beside the newest (an overlapping run's leftover). */
  leftovers: Set<string>;
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

type Problem = RegionPlan["problems"][number];
type Skip = RegionPlan["skipped"][number];

/** A secret of ours whose key pair was never imported: a run stopped between storing and importing. */
interface PendingSecret {
  secretName: string;
  keyName: string;
}

/** The instances this run rotates and why each other one is left, as planRegion reports them. */
interface InstanceScope {
  due: RegionalInstance[];
  leftovers: Set<string>;
  skipped: Skip[];
  problems: Problem[];
}

/**
 * One instance's verdict: rotate it, or leave it, saying why. `leftover`: rotated only to finish an
 * overlapping run's leftover, its keys being young (the report says so).
 */
type Verdict =
  | { rotate: true; leftover: boolean }
  | { rotate: false; kind: RotationKind; reason: string; problem?: Problem };

const maxAgeMs = (policy: RotationPolicy) => policy.maxAgeDays * 86400_000;

/** One region's plan: our keys and stored secrets read, every instance judged, the key to bind chosen. */
export function planRegion(view: RegionView, policy: RotationPolicy, now: Date): RegionPlan {
  const keys = readOurKeys(view, policy.keyPrefix);
  const pending = pendingSecrets(view, policy.keyPrefix);
  const scope = scopeInstances(view, policy, now, keys.newest);
  const target = chooseTarget(view, policy, now, keys.newest, pending.at(-1), scope.due.length);
  const notOnTarget = scope.due.filter(
    (i) => !(target?.kind === "existing" && (i.LoginSettings?.KeyIds ?? []).every((k) => k === target.keyId)),
  );
  return {
    region: view.region,
    target,
    bindStopped: notOnTarget.filter((i) => i.InstanceState === "STOPPED").map((i) => i.InstanceId),
    bindRunning: notOnTarget.filter((i) => i.InstanceState === "RUNNING").map((i) => i.InstanceId),
    skipped: scope.skipped,
    leftovers: scope.leftovers,
    orphanKeys: view.narrowed ? [] : keys.orphans.map((k) => ({ keyId: k.KeyId, keyName: k.KeyName })),
    orphanSecrets: view.narrowed ? [] : pending.filter((s) => s.keyName !== target?.keyName).map((s) => s.secretName),
    problems: [...keys.problems, ...scope.problems],
    boundBefore: new Map(notOnTarget.map((i) => [i.InstanceId, [...(i.LoginSettings?.KeyIds ?? [])]])),
    cleanUp: !view.narrowed,
  };
}

/**
 * Our key pairs, sorted by whether their private half is in SSM: the newest stored one is the one
 * to keep binding; one not stored is an orphan to delete when bound nowhere, and a problem no run
 * can fix when bound (rotating away from it by hand is the only way out).
 */
function readOurKeys(view: RegionView, prefix: string) {
  const ours = view.keyPairs.filter((k) => isOurs(k.KeyName, prefix));
  const stored = (k: KeyPair) => view.secrets.has(secretNameFor(view.region, k.KeyName));
  const problems: Problem[] = ours
    .filter((k) => !stored(k) && k.AssociatedInstanceIds.length > 0)
    .map((k) => ({
      id: k.KeyId,
      code: "KeyRotation.PrivateKeyMissing",
      message: `key ${k.KeyName} is bound to ${k.AssociatedInstanceIds.length} instance(s) but its private key is not in SSM: rotate those instances by hand`,
    }));
  return {
    newest: ours
      .filter(stored)
      .sort((a, b) => a.KeyName.localeCompare(b.KeyName))
      .at(-1),
    orphans: ours.filter((k) => !stored(k) && k.AssociatedInstanceIds.length === 0),
    problems,
  };
}

/** Secrets of ours whose key pair was never imported, oldest first: the newest may resume, older ones are superseded. */
function pendingSecrets(view: RegionView, prefix: string): PendingSecret[] {
  const keyNames = new Set(view.keyPairs.map((k) => k.KeyName));
  const head = secretNameFor(view.region, "");
  return [...view.secrets]
    .filter((s) => s.startsWith(head) && isOurs(s.slice(head.length), prefix) && !keyNames.has(s.slice(head.length)))
    .sort()
    .map((secretName) => ({ secretName, keyName: secretName.slice(head.length) }));
}

/** Every instance's verdict, in listing order; those due beyond KEY_ROTATION_MAX_INSTANCES wait for the next run. */
function scopeInstances(
  view: RegionView,
  policy: RotationPolicy,
  now: Date,
  newest: KeyPair | undefined,
): InstanceScope {
  const keysById = new Map(view.keyPairs.map((k) => [k.KeyId, k]));
  const scope: InstanceScope = { due: [], leftovers: new Set(), skipped: [], problems: [] };
  for (const inst of view.instances) {
    const verdict = judgeInstance(inst, policy, now, keysById, newest);
    if (verdict.rotate) {
      if (verdict.leftover) scope.leftovers.add(inst.InstanceId);
      scope.due.push(inst);
      continue;
    }
    scope.skipped.push({ instanceId: inst.InstanceId, kind: verdict.kind, reason: verdict.reason });
    if (verdict.problem) scope.problems.push(verdict.problem);
  }
  for (const inst of scope.due.splice(policy.maxInstances))
    scope.skipped.push({
      instanceId: inst.InstanceId,
      kind: "over-limit",
      reason: `over KEY_ROTATION_MAX_INSTANCES=${policy.maxInstances} this run`,
    });
  return scope;
}

/** Whether one instance is rotated this run: tagged, keyed, old enough (or a leftover), and in a state to bind. */
function judgeInstance(
  inst: RegionalInstance,
  policy: RotationPolicy,
  now: Date,
  keysById: Map<string, KeyPair>,
  newest: KeyPair | undefined,
): Verdict {
  const tag = tagsOf(inst).get(policy.scopeTag.key);
  if (tag !== policy.scopeTag.value)
    return { rotate: false, kind: "opted-out", reason: `opted out: tag ${policy.scopeTag.key}=${tag}` };
  const bound = inst.LoginSettings?.KeyIds ?? [];
  if (!bound.length)
    // Loud, not a quiet skip: a tagged instance without a key may have lost the one it had.
    return {
      rotate: false,
      kind: "no-key",
      reason: "no key pair bound: binding one would disable password login",
      problem: {
        id: inst.InstanceId,
        code: "KeyRotation.NoKeyBound",
        message: `tagged ${policy.scopeTag.key}=${policy.scopeTag.value} but no key pair is bound: not rotated (binding one would disable password login); bind a key by hand or remove the tag`,
      },
    };
  const oldest = Math.min(...bound.map((k) => Date.parse(keysById.get(k)?.CreatedTime ?? "1970-01-01T00:00:00Z")));
  const young = now.getTime() - oldest < maxAgeMs(policy);
  const leftover = carriesLeftover(bound, keysById, newest, policy.keyPrefix);
  if (young && !leftover) return { rotate: false, kind: "young", reason: `key younger than ${policy.maxAgeDays} days` };
  if (inst.InstanceState === "RUNNING" && !policy.allowForceStop)
    return { rotate: false, kind: "running", reason: "running and KEY_ROTATION_ALLOW_FORCE_STOP is false" };
  if (inst.InstanceState !== "RUNNING" && inst.InstanceState !== "STOPPED")
    return { rotate: false, kind: "busy-state", reason: `state ${inst.InstanceState}: try again later` };
  return { rotate: true, leftover: leftover && young };
}

/**
 * On our newest key but still carrying an older one of ours (an overlapping run's leftover where
 * binding adds a key): finishing that is clean-up, whatever the keys' age.
 */
function carriesLeftover(
  bound: string[],
  keysById: Map<string, KeyPair>,
  newest: KeyPair | undefined,
  prefix: string,
): boolean {
  if (!newest || !bound.includes(newest.KeyId)) return false;
  return bound.some((k) => {
    const name = keysById.get(k)?.KeyName ?? "";
    return k !== newest.KeyId && isOurs(name, prefix) && name < newest.KeyName;
  });
}

/**
 * The key to bind: one a crashed run stored but never imported (if newer than ours and fresh),
 * else our newest key while fresh, else a new generation when an instance is due. A narrowed run
 * (a webhook naming instances) only makes a key when one of its instances needs it.
 */
function chooseTarget(
  view: RegionView,
  policy: RotationPolicy,
  now: Date,
  newest: KeyPair | undefined,
  pending: PendingSecret | undefined,
  dueCount: number,
): Target | undefined {
  const fresh = (name: string) => now.getTime() - parseGeneration(name) < maxAgeMs(policy);
  const current: Target | undefined =
    newest && fresh(newest.KeyName) ? { kind: "existing", keyId: newest.KeyId, keyName: newest.KeyName } : undefined;
  if (view.narrowed && !dueCount) return current;
  if (pending && (!newest || pending.keyName > newest.KeyName) && fresh(pending.keyName))
    return { kind: "import", keyName: pending.keyName, secretName: pending.secretName, resumed: true };
  if (current || !dueCount) return current;
  const keyName = generationName(policy.keyPrefix, now);
  return { kind: "new", keyName, secretName: secretNameFor(view.region, keyName) };
}

/**
 * The plan as decisions, for the report and the runner: one per instance in scope, one for the
 * key the run makes or resumes, one per orphan to clean up, one per older key of ours expected to
 * retire once this run has moved every instance using it. Pure.
 */
export function toDecisions(p: RegionPlan, view: RegionView, prefix: string): Array<Decision<RotationKind>> {
  const { region } = p;
  const out: Array<Decision<RotationKind>> = [];
  const t = p.target;
  for (const s of p.skipped) out.push({ id: s.instanceId, region, kind: s.kind, reason: s.reason });
  const running = new Set(p.bindRunning);
  for (const id of [...p.bindStopped, ...p.bindRunning]) {
    const leftover = p.leftovers.has(id);
    out.push({
      id,
      region,
      kind: leftover ? "leftover" : "due",
      action: "rotate",
      reason: `${leftover ? "finish an overlapping run: unbind older keys of ours" : "bind"} ${t?.keyName ?? ""}${running.has(id) ? " (force stop)" : ""}, verify, then unbind older keys`,
      detail: { key: t?.keyName, forceStop: running.has(id) },
    });
  }
  if (t?.kind === "new")
    out.push({
      id: t.keyName,
      region,
      kind: "new-key",
      action: "create-key",
      serves: [...p.bindStopped, ...p.bindRunning],
      reason: `generate an RSA key, store it as ${t.secretName}, import key pair ${t.keyName}`,
    });
  if (t?.kind === "import")
    out.push({
      id: t.keyName,
      region,
      kind: "resume-key",
      action: "import-key",
      serves: [...p.bindStopped, ...p.bindRunning],
      reason: `import key pair ${t.keyName} from ${t.secretName}, stored by an earlier run`,
    });
  for (const k of p.orphanKeys)
    out.push({
      id: k.keyId,
      region,
      name: k.keyName,
      kind: "orphan-key",
      action: "delete-orphan-key",
      reason: `key ${k.keyName} is bound nowhere and its private key was never stored`,
    });
  for (const s of p.orphanSecrets)
    out.push({
      id: s,
      region,
      kind: "superseded-secret",
      action: "retire-secret",
      reason: "a newer key superseded it before its key pair was imported",
    });
  if (t && p.cleanUp) {
    const moving = new Set([...p.bindStopped, ...p.bindRunning]);
    for (const k of view.keyPairs) {
      if (!isOurs(k.KeyName, prefix) || k.KeyName >= t.keyName || k.KeyId === (t.kind === "existing" ? t.keyId : ""))
        continue;
      if (!k.AssociatedInstanceIds.every((i) => moving.has(i))) continue;
      if (!view.secrets.has(secretNameFor(region, k.KeyName)) && !k.AssociatedInstanceIds.length) continue; // an orphan, above
      out.push({
        id: k.KeyId,
        region,
        name: k.KeyName,
        kind: "retired-key",
        action: "retire-key",
        reason: `older than ${t.keyName}; deleted once no instance uses it, then its secret scheduled for deletion`,
      });
    }
  }
  return out;
}

/**
 * After the target is bound and verified on an instance: which of its other keys to unbind.
 * Our own keys only when of an older generation than the target — a newer one belongs to a run
 * in flight and is never taken away (two overlapping runs must not strip each other's
 * key). A foreign key only if it was bound when this run read the region; a key we cannot name
 * is kept.
 */
export function keysToUnbind(
  bound: string[],
  target: { keyId: string; keyName: string },
  boundBefore: string[],
  namesById: Map<string, string>,
  prefix: string,
): string[] {
  return bound.filter((k) => {
    if (k === target.keyId) return false;
    const name = namesById.get(k);
    if (name === undefined) return false;
    if (isOurs(name, prefix)) return name < target.keyName;
    return boundBefore.includes(k);
  });
}

/**
 * The plan cut down to the decisions the runner handed apply: a write it refused (outside a
 * trigger's instances) or never handed over is not made. Pure.
 */
export function planFor(p: RegionPlan, acting: ReadonlyArray<Decision<RotationKind>>): RegionPlan {
  const ids = (...actions: string[]) =>
    new Set(acting.filter((d) => actions.includes(d.action ?? "")).map((d) => d.id));
  const rotate = ids("rotate");
  const orphans = ids("delete-orphan-key");
  const secrets = ids("retire-secret");
  const target =
    p.target && (p.target.kind === "existing" || ids("create-key", "import-key").size) ? p.target : undefined;
  return {
    ...p,
    target,
    bindStopped: p.bindStopped.filter((i) => rotate.has(i)),
    bindRunning: p.bindRunning.filter((i) => rotate.has(i)),
    orphanKeys: p.orphanKeys.filter((k) => orphans.has(k.keyId)),
    orphanSecrets: p.orphanSecrets.filter((s) => secrets.has(s)),
  };
}
