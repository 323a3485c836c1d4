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
import type { KeyPair } from "../../lib/tencent/data-types.ts";
import { tagsOf } from "../../lib/tencent/normalize.ts";
import { generationName, isOurs, parseGeneration, secretNameFor } from "./key-names.ts";
import type { RegionalInstance, RegionPlan, RegionView, RotationKind, RotationPolicy, Target } from "./region-plan.ts";

// What the plan is made of and how it names keys live beside it; its users import them from here.
export * from "./key-names.ts";
export * from "./region-plan.ts";

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

type RotationDecision = Decision<RotationKind>;

/**
 * The plan as decisions, for the report and the runner: one per instance in scope, one for the
 * key the run makes or resumes, one per orphan to clean up, one per older key of ours expected to
 * retire once this run has moved every instance using it. Pure.
 */
export function toDecisions(p: RegionPlan, view: RegionView, prefix: string): RotationDecision[] {
  return [
    ...p.skipped.map((s): RotationDecision => ({ id: s.instanceId, region: p.region, kind: s.kind, reason: s.reason })),
    ...rotateDecisions(p),
    ...targetKeyDecisions(p),
    ...orphanDecisions(p),
    ...(p.target && p.cleanUp ? retireDecisions(p, p.target, view, prefix) : []),
  ];
}

/** One per instance to move onto the target key, saying whether it is force-stopped for it. */
function rotateDecisions(p: RegionPlan): RotationDecision[] {
  const running = new Set(p.bindRunning);
  return [...p.bindStopped, ...p.bindRunning].map((id) => {
    const leftover = p.leftovers.has(id);
    return {
      id,
      region: p.region,
      kind: leftover ? "leftover" : "due",
      action: "rotate",
      reason: `${leftover ? "finish an overlapping run: unbind older keys of ours" : "bind"} ${p.target?.keyName ?? ""}${running.has(id) ? " (force stop)" : ""}, verify, then unbind older keys`,
      detail: { key: p.target?.keyName, forceStop: running.has(id) },
    };
  });
}

/** The key this run makes or imports, serving the instances it moves; none for a key that exists. */
function targetKeyDecisions(p: RegionPlan): RotationDecision[] {
  const t = p.target;
  const serves = [...p.bindStopped, ...p.bindRunning];
  if (t?.kind === "new")
    return [
      {
        id: t.keyName,
        region: p.region,
        kind: "new-key",
        action: "create-key",
        serves,
        reason: `generate an RSA key, store it as ${t.secretName}, import key pair ${t.keyName}`,
      },
    ];
  if (t?.kind === "import")
    return [
      {
        id: t.keyName,
        region: p.region,
        kind: "resume-key",
        action: "import-key",
        serves,
        reason: `import key pair ${t.keyName} from ${t.secretName}, stored by an earlier run`,
      },
    ];
  return [];
}

/** Crashed runs' orphans: key pairs whose private half was never stored, secrets never imported. */
function orphanDecisions(p: RegionPlan): RotationDecision[] {
  const { region } = p;
  return [
    ...p.orphanKeys.map(
      (k): RotationDecision => ({
        id: k.keyId,
        region,
        name: k.keyName,
        kind: "orphan-key",
        action: "delete-orphan-key",
        reason: `key ${k.keyName} is bound nowhere and its private key was never stored`,
      }),
    ),
    ...p.orphanSecrets.map(
      (s): RotationDecision => ({
        id: s,
        region,
        kind: "superseded-secret",
        action: "retire-secret",
        reason: "a newer key superseded it before its key pair was imported",
      }),
    ),
  ];
}

/** Our keys older than the target whose every instance this run moves: free once it is done. */
function retireDecisions(p: RegionPlan, t: Target, view: RegionView, prefix: string): RotationDecision[] {
  const { region } = p;
  const moving = new Set([...p.bindStopped, ...p.bindRunning]);
  return view.keyPairs
    .filter(
      (k) =>
        isOurs(k.KeyName, prefix) &&
        k.KeyName < t.keyName &&
        k.KeyId !== (t.kind === "existing" ? t.keyId : "") &&
        k.AssociatedInstanceIds.every((i) => moving.has(i)) &&
        // An orphan, decided above.
        !(!view.secrets.has(secretNameFor(region, k.KeyName)) && !k.AssociatedInstanceIds.length),
    )
    .map((k) => ({
      id: k.KeyId,
      region,
      name: k.KeyName,
      kind: "retired-key",
      action: "retire-key",
      reason: `older than ${t.keyName}; deleted once no instance uses it, then its secret scheduled for deletion`,
    }));
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
