/**
 * Carries out a region's rotation plan in the order that never loses access: store and read back
 * the private key, import its public half, bind, verify on the instances, unbind older keys, and
 * only then retire keys and their secrets. Every irreversible step is taken on positive evidence
 * (a lookup by name or id right before it), never because something was missing from a listing
 * that may have shifted while it was paged.
 */
import { createPublicKey, generateKeyPair } from "node:crypto";
import { promisify } from "node:util";
import { applyBatched } from "../../lib/runtime/batch-apply.ts";
import type { ErrorEntry } from "../../lib/report/report-head.ts";
import { toOpenSshRsaPublicKey } from "../../lib/ssh/openssh.ts";
import { errorRecord, TencentCloudApiError } from "../../lib/tencent/errors.ts";
import { scheduleSecretDeletion } from "../../lib/tencent/secrets.ts";
import { api, batchSizeOf, describeInstancesByIds, listAll } from "../../lib/tencent/services.ts";
import type { TencentCloudClient } from "../../lib/tencent/client.ts";
import type { Instance, KeyPair } from "../../lib/tencent/data-types.ts";
import { keyOf, type Outcome } from "../../lib/runtime/spec.ts";
import { keysToUnbind, secretNameFor, type RegionPlan, type RegionView } from "./plan.ts";
import type { KeyRotationConfig } from "./config.ts";

const generate = promisify(generateKeyPair);

/** Outcomes of a region's steps, keyed as the runner keys decisions (`region/id`). */
type Outcomes = Map<string, Outcome>;
const done = (requestId?: string, detail?: Record<string, unknown>): Outcome => ({
  status: "done",
  requestId,
  ...(detail ? { detail } : {}),
});
const failed = (err: unknown): Outcome => {
  const e = errorRecord(err);
  return { status: "failed", code: e.code, message: e.message, requestId: e.requestId };
};
/** The world differs from the plan (a key still in use, a lookup that disagrees): nothing done, nothing lost. */
const moved = (code: string, requestId?: string): Outcome => ({ status: "changed-under-us", code, requestId });

/** Thrown to stop a region's rotation at a step that must not be passed. */
export class StepError extends Error {
  constructor(readonly entry: ErrorEntry) {
    super(entry.message);
    this.name = "StepError";
  }
}

/** Stores a new private key and proves it can be read back before anything depends on it. */
async function storePrivateKey(
  client: TencentCloudClient,
  region: string,
  secretName: string,
  keyName: string,
  pem: string,
): Promise<void> {
  await api(client).createSecret(region, {
    SecretName: secretName,
    VersionId: "v1",
    SecretString: pem,
    Description: `Private key of CVM key pair ${keyName} (cvm-autopilot key rotation)`,
    Tags: [{ TagKey: "autopilot:key-name", TagValue: keyName }],
  });
  const back = await api(client).getSecretValue(region, { SecretName: secretName, VersionId: "v1" });
  if (back.SecretString !== pem) {
    throw new StepError({
      region,
      action: "GetSecretValue",
      code: "KeyRotation.SecretMismatch",
      message: `secret ${secretName} did not read back as written; not importing its key`,
      requestId: back.RequestId,
    });
  }
}

/** The key pair of this name, looked up by name (not found in a listing). */
async function keyByName(client: TencentCloudClient, region: string, keyName: string): Promise<KeyPair | undefined> {
  const found = await listAll(client, "DescribeKeyPairs", region, {
    Filters: [{ Name: "key-name", Values: [keyName] }],
  });
  return found.find((k) => k.KeyName === keyName);
}

/** The key pair with this id, or undefined once it is gone. */
async function keyById(client: TencentCloudClient, region: string, keyId: string): Promise<KeyPair | undefined> {
  try {
    return (await listAll(client, "DescribeKeyPairs", region, { KeyIds: [keyId] })).find((k) => k.KeyId === keyId);
  } catch (err) {
    if (err instanceof TencentCloudApiError && err.code.startsWith("InvalidKeyPairId.NotFound")) return undefined;
    throw err;
  }
}

async function importKey(client: TencentCloudClient, region: string, keyName: string, pem: string): Promise<string> {
  const publicKey = toOpenSshRsaPublicKey(createPublicKey(pem), keyName);
  try {
    return (await api(client).importKeyPair(region, { KeyName: keyName, ProjectId: 0, PublicKey: publicKey })).KeyId;
  } catch (err) {
    // A retried import that had in fact succeeded: find the key by name.
    if (
      err instanceof TencentCloudApiError &&
      (err.code === "InvalidKeyPairName.Duplicate" || err.code === "InvalidPublicKey.Duplicate")
    ) {
      const found = await keyByName(client, region, keyName);
      if (found) return found.KeyId;
    }
    throw err;
  }
}

/** Schedules a secret for deletion inside SSM's recovery window (disabled first, as SSM requires), so a mistake can be undone. */
async function retireSecret(
  client: TencentCloudClient,
  region: string,
  secret: string,
  days: number,
): Promise<Outcome> {
  try {
    const r = await scheduleSecretDeletion(client, region, secret, days);
    // Already scheduled (an earlier run, or one overlapping this one), or gone: nothing left to do.
    if (r.status !== "scheduled") return moved(r.code, r.requestId);
    return done(r.requestId, { secret, recoveryDays: days });
  } catch (err) {
    return failed(err);
  }
}

/** Orphans from crashed runs: each confirmed by a lookup of its own before it goes. */
async function cleanUpOrphans(
  client: TencentCloudClient,
  p: RegionPlan,
  config: KeyRotationConfig,
  out: Outcomes,
): Promise<void> {
  const { region } = p;
  for (const k of p.orphanKeys) {
    const key = keyOf({ region, id: k.keyId });
    try {
      // Positive evidence that the private half is not stored, and that nothing uses the key.
      const secret = await api(client)
        .describeSecret(region, { SecretName: secretNameFor(region, k.keyName) })
        .catch((e: unknown) => e);
      const stored =
        !(secret instanceof TencentCloudApiError && secret.code.startsWith("ResourceNotFound")) &&
        (secret as { Status?: string }).Status !== "PendingDelete";
      const now = await keyById(client, region, k.keyId);
      if (stored || !now || now.AssociatedInstanceIds.length) {
        out.set(
          key,
          moved(stored ? "KeyRotation.PrivateKeyStored" : !now ? "KeyRotation.KeyGone" : "KeyRotation.KeyInUse"),
        );
        continue;
      }
      out.set(key, done((await api(client).deleteKeyPairs(region, { KeyIds: [k.keyId] })).RequestId));
    } catch (err) {
      out.set(key, failed(err));
    }
  }
  for (const s of p.orphanSecrets) {
    const keyName = s.slice(`cvm-autopilot-${region}-`.length);
    try {
      // A key that exists (a listing shift can hide it) keeps its secret, whatever the listing said.
      const found = await keyByName(client, region, keyName);
      out.set(
        keyOf({ region, id: s }),
        found ? moved("KeyRotation.KeyExists") : await retireSecret(client, region, s, config.secretRecoveryDays),
      );
    } catch (err) {
      out.set(keyOf({ region, id: s }), failed(err));
    }
  }
}

async function targetKeyId(
  client: TencentCloudClient,
  p: RegionPlan,
  config: KeyRotationConfig,
  out: Outcomes,
): Promise<string> {
  const t = p.target!;
  if (t.kind === "existing") return t.keyId;
  let pem: string;
  if (t.kind === "new") {
    const pair = await generate("rsa", { modulusLength: config.keyBits });
    pem = pair.privateKey.export({ type: "pkcs1", format: "pem" }).toString();
    await storePrivateKey(client, p.region, t.secretName, t.keyName, pem);
  } else {
    pem = (await api(client).getSecretValue(p.region, { SecretName: t.secretName, VersionId: "v1" })).SecretString;
  }
  const keyId = await importKey(client, p.region, t.keyName, pem);
  out.set(keyOf({ region: p.region, id: t.keyName }), done(undefined, { keyId }));
  return keyId;
}

/**
 * Retires the older keys the plan expected to free: each deleted only if no instance uses it
 * now, then looked up by id to prove it is gone (DeleteKeyPairs keeps keys an image still uses),
 * and only then its secret scheduled for deletion.
 */
async function retireOldKeys(
  client: TencentCloudClient,
  region: string,
  retire: string[],
  stillUsed: Set<string>,
  config: KeyRotationConfig,
  out: Outcomes,
): Promise<void> {
  if (!retire.length) return;
  const listed = new Map((await listAll(client, "DescribeKeyPairs", region, {})).map((k) => [k.KeyId, k]));
  const ready: KeyPair[] = [];
  for (const id of retire) {
    const k = listed.get(id);
    if (!k || stillUsed.has(id) || k.AssociatedInstanceIds.length)
      out.set(keyOf({ region, id }), moved(k ? "KeyRotation.KeyStillInUse" : "KeyRotation.KeyGone"));
    else ready.push(k);
  }
  const byId = new Map(ready.map((k) => [k.KeyId, k]));
  for (const r of await applyBatched([...byId.keys()], batchSizeOf("DeleteKeyPairs"), (batch) =>
    api(client).deleteKeyPairs(region, { KeyIds: batch }),
  )) {
    const k = byId.get(r.id)!;
    const key = keyOf({ region, id: r.id });
    if (!r.ok) {
      out.set(key, { status: "failed", code: r.code, message: r.message, requestId: r.requestId });
      continue;
    }
    if (await keyById(client, region, r.id)) {
      out.set(key, moved("KeyRotation.KeyNotDeleted", r.requestId));
      continue;
    }
    const secret = await retireSecret(client, region, secretNameFor(region, k.KeyName), config.secretRecoveryDays);
    out.set(
      key,
      secret.status === "failed" ? secret : done(r.requestId, { secretRecoveryDays: config.secretRecoveryDays }),
    );
  }
}

/** Polls at most this many times, backing off from 250 ms to 5 s: about three minutes, bounded by count so a frozen clock cannot make it spin. */
export const VERIFY_POLLS = 40;
/** Looks at an instance that has settled (RUNNING or STOPPED) without the key before it counts as not bound. */
const SETTLED_POLLS = 4;

/**
 * The instances as they are once the key shows on each, or once polling gives up. With ForceStop
 * the platform stops an instance, binds the key and starts it again: the result is not immediate
 *, so a first describe that lacks the key is not yet a failure.
 */
async function describeWhenBound(
  client: TencentCloudClient,
  region: string,
  ids: string[],
  keyId: string,
  sleep: (ms: number) => Promise<void>,
): Promise<Instance[]> {
  const latest = new Map<string, Instance>();
  let waiting = ids;
  for (let poll = 0; waiting.length && poll < VERIFY_POLLS; poll++) {
    if (poll > 0) await sleep(Math.min(5000, 250 * 2 ** (poll - 1)));
    for (const inst of await describeInstancesByIds(client, region, waiting)) latest.set(inst.InstanceId, inst);
    waiting = waiting.filter((id) => {
      const inst = latest.get(id);
      if (!inst || (inst.LoginSettings?.KeyIds ?? []).includes(keyId)) return false;
      // Mid stop-bind-start: keep waiting. Settled without the key: a few more looks (the key
      // may lag the state), then it counts as not bound.
      return (inst.InstanceState !== "RUNNING" && inst.InstanceState !== "STOPPED") || poll < SETTLED_POLLS;
    });
  }
  return ids.map((id) => latest.get(id)).filter((i): i is Instance => i !== undefined);
}

/**
 * One region's rotation, in the order that never loses access. Returns an outcome for every
 * step the plan's decisions name; a step that must not be passed stops the region, and every
 * step after it is reported failed with that reason.
 */
export async function rotateRegion(
  client: TencentCloudClient,
  p: RegionPlan,
  view: RegionView,
  config: KeyRotationConfig,
  sleep: (ms: number) => Promise<void>,
  retire: string[],
): Promise<Outcomes> {
  const out: Outcomes = new Map();
  if (p.cleanUp) await cleanUpOrphans(client, p, config, out);
  const t = p.target;
  if (!t) return out;
  const target = { keyId: await targetKeyId(client, p, config, out), keyName: t.keyName };
  const bindFailures = await bindTarget(client, p, target.keyId);
  // Verify on the instances themselves before touching any old key.
  const bound = [...p.bindStopped, ...p.bindRunning].filter((id) => !bindFailures.has(id));
  const after = [
    ...(bound.length ? await describeWhenBound(client, p.region, bound, target.keyId, sleep) : []),
    ...(bindFailures.size ? await describeInstancesByIds(client, p.region, [...bindFailures.keys()]) : []),
  ];
  const namesById = new Map(view.keyPairs.map((k) => [k.KeyId, k.KeyName]));
  namesById.set(target.keyId, target.keyName);
  const { toUnbind, stillUsed } = judgeBinds(after, p, target, bindFailures, namesById, config.keyPrefix, out);
  await unbindOldKeys(client, p.region, toUnbind, stillUsed, out);
  if (p.cleanUp) await retireOldKeys(client, p.region, retire, stillUsed, config, out);
  return out;
}

/** Binds the target key: stopped instances as they are, running ones with a force stop. Returns the failures by instance. */
async function bindTarget(client: TencentCloudClient, p: RegionPlan, keyId: string): Promise<Map<string, Outcome>> {
  const bindFailures = new Map<string, Outcome>();
  for (const [ids, force] of [
    [p.bindStopped, false],
    [p.bindRunning, true],
  ] as const) {
    const results = await applyBatched(ids, batchSizeOf("AssociateInstancesKeyPairs"), (batch) =>
      api(client).associateInstancesKeyPairs(p.region, { InstanceIds: batch, KeyIds: [keyId], ForceStop: force }),
    );
    for (const r of results)
      if (!r.ok) bindFailures.set(r.id, { status: "failed", code: r.code, message: r.message, requestId: r.requestId });
  }
  return bindFailures;
}

/**
 * Each instance as described after binding: where the target shows, the older keys to unbind,
 * grouped by key and by whether a force stop is needed (`<keyId>/force` or `<keyId>/stopped`);
 * where it does not, a failure. Every key left on an instance is still used and is not retired.
 */
function judgeBinds(
  after: Instance[],
  p: RegionPlan,
  target: { keyId: string; keyName: string },
  bindFailures: Map<string, Outcome>,
  namesById: Map<string, string>,
  prefix: string,
  out: Outcomes,
): { toUnbind: Map<string, string[]>; stillUsed: Set<string> } {
  const toUnbind = new Map<string, string[]>();
  const stillUsed = new Set<string>();
  const running = new Set(p.bindRunning);
  for (const inst of after) {
    const keys = inst.LoginSettings?.KeyIds ?? [];
    const key = keyOf({ region: p.region, id: inst.InstanceId });
    if (!keys.includes(target.keyId)) {
      out.set(
        key,
        bindFailures.get(inst.InstanceId) ?? {
          status: "failed",
          code: "KeyRotation.NotVerified",
          message: `key ${target.keyName} is not bound after AssociateInstancesKeyPairs`,
        },
      );
      for (const k of keys) stillUsed.add(k);
      continue;
    }
    out.set(key, done(undefined, { keyId: target.keyId }));
    const unbind = keysToUnbind(keys, target, p.boundBefore.get(inst.InstanceId) ?? [], namesById, prefix);
    for (const k of keys) if (!unbind.includes(k)) stillUsed.add(k);
    for (const old of unbind) {
      const group = `${old}/${running.has(inst.InstanceId) ? "force" : "stopped"}`;
      toUnbind.set(group, [...(toUnbind.get(group) ?? []), inst.InstanceId]);
    }
  }
  return { toUnbind, stillUsed };
}

/** Unbinds older keys, one call per group and 100 ids at a time; a key that stays bound is still used. */
async function unbindOldKeys(
  client: TencentCloudClient,
  region: string,
  toUnbind: Map<string, string[]>,
  stillUsed: Set<string>,
  out: Outcomes,
): Promise<void> {
  for (const [group, ids] of toUnbind) {
    const [old, mode] = group.split("/") as [string, string];
    const results = await applyBatched(ids, batchSizeOf("DisassociateInstancesKeyPairs"), (batch) =>
      api(client).disassociateInstancesKeyPairs(region, {
        InstanceIds: batch,
        KeyIds: [old],
        ForceStop: mode === "force",
      }),
    );
    for (const r of results) {
      // The new key is bound, but an old one could not be taken away: the rotation is not finished.
      if (!r.ok) {
        stillUsed.add(old);
        out.set(keyOf({ region, id: r.id }), {
          status: "failed",
          code: r.code,
          message: `new key bound, but old key ${old} not unbound: ${r.message}`,
          requestId: r.requestId,
        });
      }
    }
  }
}
