/**
 * Carries out a region's rotation plan in the order that never loses access: store and read back
 * the private key, import its public half, bind, verify on the instances, unbind older keys, and
 * only then retire keys and their secrets. Every irreversible step is taken on positive evidence
 * (a lookup by name or id right before it), never because something was missing from a listing
 * that may have shifted while it was paged (issue 14).
 */
import { createPublicKey, generateKeyPair } from "node:crypto";
import { promisify } from "node:util";
import { applyBatched } from "../../lib/runtime/batch-apply.ts";
import type { ErrorEntry } from "../../lib/runtime/trigger.ts";
import { toOpenSshRsaPublicKey } from "../../lib/ssh/openssh.ts";
import { errorRecord, TencentCloudApiError } from "../../lib/tencent/errors.ts";
import { api, batchSizeOf, describeInstancesByIds, listAll } from "../../lib/tencent/services.ts";
import type { TencentCloudClient } from "../../lib/tencent/client.ts";
import type { Instance, KeyPair } from "../../lib/tencent/types.ts";
import { keysToUnbind, retiredKeys, secretNameFor, type RegionPlan, type RegionView } from "./plan.ts";
import type { KeyRotationConfig } from "./config.ts";

const generate = promisify(generateKeyPair);

export interface RotationOut {
  rotated: Array<{ instanceId: string; region: string; keyId: string; keyName: string; forceStopped: boolean; requestId?: string }>;
  skipped: Array<{ instanceId: string; region: string; reason: string }>;
  resumed: Array<{ region: string; what: string }>;
  cleanedUp: Array<{ region: string; what: string; requestId?: string }>;
  errors: ErrorEntry[];
}

/** Thrown to stop a region's rotation at a step that must not be passed. */
export class StepError extends Error {
  constructor(readonly entry: ErrorEntry) {
    super(entry.message);
    this.name = "StepError";
  }
}

/** Stores a new private key and proves it can be read back before anything depends on it. */
async function storePrivateKey(client: TencentCloudClient, region: string, secretName: string, keyName: string, pem: string): Promise<void> {
  await api(client).createSecret(region, {
    SecretName: secretName, VersionId: "v1", SecretString: pem,
    Description: `Private key of CVM key pair ${keyName} (cvm-autopilot key rotation)`,
    Tags: [{ TagKey: "autopilot:key-name", TagValue: keyName }],
  });
  const back = await api(client).getSecretValue(region, { SecretName: secretName, VersionId: "v1" });
  if (back.SecretString !== pem) {
    throw new StepError({ region, action: "GetSecretValue", code: "KeyRotation.SecretMismatch", message: `secret ${secretName} did not read back as written; not importing its key`, requestId: back.RequestId });
  }
}

/** The key pair of this name, looked up by name (not found in a listing). */
async function keyByName(client: TencentCloudClient, region: string, keyName: string): Promise<KeyPair | undefined> {
  const found = await listAll(client, "DescribeKeyPairs", region, { Filters: [{ Name: "key-name", Values: [keyName] }] });
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
    if (err instanceof TencentCloudApiError && (err.code === "InvalidKeyPairName.Duplicate" || err.code === "InvalidPublicKey.Duplicate")) {
      const found = await keyByName(client, region, keyName);
      if (found) return found.KeyId;
    }
    throw err;
  }
}

/** Schedules a secret for deletion inside SSM's recovery window, so a mistake can be undone. */
async function scheduleSecretDeletion(client: TencentCloudClient, region: string, secret: string, why: string, days: number, out: RotationOut): Promise<void> {
  try {
    const res = await api(client).deleteSecret(region, { SecretName: secret, RecoveryWindowInDays: days });
    out.cleanedUp.push({ region, what: `scheduled secret ${secret} for deletion in ${days} days: ${why}`, requestId: res.RequestId });
  } catch (err) {
    // Already scheduled (an earlier run, or one overlapping this one): nothing left to do.
    if (err instanceof TencentCloudApiError && err.code === "ResourceUnavailable.ResourcePendingDeleted") return;
    out.errors.push({ region, action: "DeleteSecret", ...errorRecord(err) });
  }
}

/** Orphans from crashed runs: each confirmed by a lookup of its own before it goes. */
async function cleanUpOrphans(client: TencentCloudClient, p: RegionPlan, config: KeyRotationConfig, out: RotationOut): Promise<void> {
  const { region } = p;
  for (const k of p.orphanKeys) {
    // Positive evidence that the private half is not stored, and that nothing uses the key.
    const secret = await api(client).describeSecret(region, { SecretName: secretNameFor(region, k.keyName) }).catch((e: unknown) => e);
    const stored = !(secret instanceof TencentCloudApiError && secret.code.startsWith("ResourceNotFound")) && (secret as { Status?: string }).Status !== "PendingDelete";
    const now = await keyById(client, region, k.keyId);
    if (stored || !now || now.AssociatedInstanceIds.length) continue;
    const res = await api(client).deleteKeyPairs(region, { KeyIds: [k.keyId] });
    out.cleanedUp.push({ region, what: `deleted key pair ${k.keyName} (${k.keyId}): its private key was never stored`, requestId: res.RequestId });
  }
  for (const s of p.orphanSecrets) {
    const keyName = s.slice(`cvm-autopilot-${region}-`.length);
    // A key that exists (a listing shift can hide it) keeps its secret, whatever the listing said.
    if (await keyByName(client, region, keyName)) continue;
    await scheduleSecretDeletion(client, region, s, "superseded before its key was imported", config.secretRecoveryDays, out);
  }
}

async function targetKeyId(client: TencentCloudClient, p: RegionPlan, config: KeyRotationConfig, out: RotationOut): Promise<string> {
  const t = p.target!;
  if (t.kind === "existing") return t.keyId;
  let pem: string;
  if (t.kind === "new") {
    const pair = await generate("rsa", { modulusLength: config.keyBits });
    pem = pair.privateKey.export({ type: "pkcs1", format: "pem" }).toString();
    await storePrivateKey(client, p.region, t.secretName, t.keyName, pem);
  } else {
    pem = (await api(client).getSecretValue(p.region, { SecretName: t.secretName, VersionId: "v1" })).SecretString;
    out.resumed.push({ region: p.region, what: `importing key ${t.keyName} from its stored secret` });
  }
  return importKey(client, p.region, t.keyName, pem);
}

/** Deletes our retired keys (older generations, bound nowhere), then, once each is gone, its secret. */
async function retireOldKeys(client: TencentCloudClient, region: string, target: { keyId: string; keyName: string }, stillUsed: Set<string>, config: KeyRotationConfig, out: RotationOut): Promise<void> {
  const keys = await listAll(client, "DescribeKeyPairs", region, {});
  const retired = retiredKeys(keys, target, config.keyPrefix).filter((k) => !stillUsed.has(k.KeyId));
  const byId = new Map(retired.map((k) => [k.KeyId, k]));
  const results = await applyBatched([...byId.keys()], batchSizeOf("DeleteKeyPairs"), (batch) => api(client).deleteKeyPairs(region, { KeyIds: batch }));
  for (const r of results) {
    const k = byId.get(r.id)!;
    if (!r.ok) {
      out.errors.push({ region, id: r.id, action: "DeleteKeyPairs", code: r.code, message: r.message, requestId: r.requestId });
      continue;
    }
    // DeleteKeyPairs leaves keys an instance or an image still uses (current API): check it is gone.
    if (await keyById(client, region, r.id)) {
      out.skipped.push({ instanceId: r.id, region, reason: `key ${k.KeyName} was not deleted (still used by an image or instance?): its secret is kept` });
      continue;
    }
    out.cleanedUp.push({ region, what: `deleted retired key pair ${k.KeyName} (${k.KeyId})`, requestId: r.requestId });
    await scheduleSecretDeletion(client, region, secretNameFor(region, k.KeyName), `key ${k.KeyName} is deleted`, config.secretRecoveryDays, out);
  }
}

/** Polls at most this many times, backing off from 250 ms to 5 s: about three minutes, bounded by count so a frozen clock cannot make it spin. */
export const VERIFY_POLLS = 40;
/** Looks at an instance that has settled (RUNNING or STOPPED) without the key before it counts as not bound. */
const SETTLED_POLLS = 4;

/**
 * The instances as they are once the key shows on each, or once polling gives up. With ForceStop
 * the platform stops an instance, binds the key and starts it again: the result is not immediate
 * (issue 15), so a first describe that lacks the key is not yet a failure.
 */
async function describeWhenBound(client: TencentCloudClient, region: string, ids: string[], keyId: string, sleep: (ms: number) => Promise<void>): Promise<Instance[]> {
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

export async function rotateRegion(client: TencentCloudClient, p: RegionPlan, view: RegionView, config: KeyRotationConfig, out: RotationOut, sleep: (ms: number) => Promise<void>): Promise<void> {
  const { region } = p;
  for (const s of p.skipped) out.skipped.push({ ...s, region });
  for (const pr of p.problems) out.errors.push({ region, ...pr });
  if (p.cleanUp) await cleanUpOrphans(client, p, config, out);
  const t = p.target;
  if (!t) return;
  const keyId = await targetKeyId(client, p, config, out);

  const attempted = [...p.bindStopped, ...p.bindRunning];
  const bindFailures = new Map<string, ErrorEntry>();
  for (const [ids, force] of [[p.bindStopped, false], [p.bindRunning, true]] as const) {
    const results = await applyBatched(ids, batchSizeOf("AssociateInstancesKeyPairs"), (batch) =>
      api(client).associateInstancesKeyPairs(region, { InstanceIds: batch, KeyIds: [keyId], ForceStop: force }));
    for (const r of results) if (!r.ok) bindFailures.set(r.id, { region, id: r.id, action: "AssociateInstancesKeyPairs", code: r.code, message: r.message, requestId: r.requestId });
  }
  // Verify on the instances themselves before touching any old key.
  const bound = attempted.filter((id) => !bindFailures.has(id));
  const after = [...(bound.length ? await describeWhenBound(client, region, bound, keyId, sleep) : []), ...(bindFailures.size ? await describeInstancesByIds(client, region, [...bindFailures.keys()]) : [])];
  const running = new Set(p.bindRunning);
  const namesById = new Map(view.keyPairs.map((k) => [k.KeyId, k.KeyName]));
  namesById.set(keyId, t.keyName);
  const toUnbind = new Map<string, string[]>();
  const stillUsed = new Set<string>();
  for (const inst of after) {
    const keys = inst.LoginSettings?.KeyIds ?? [];
    if (!keys.includes(keyId)) {
      out.errors.push(bindFailures.get(inst.InstanceId) ?? { region, id: inst.InstanceId, code: "KeyRotation.NotVerified", message: `key ${t.keyName} is not bound after AssociateInstancesKeyPairs` });
      for (const k of keys) stillUsed.add(k);
      continue;
    }
    out.rotated.push({ instanceId: inst.InstanceId, region, keyId, keyName: t.keyName, forceStopped: running.has(inst.InstanceId) });
    const unbind = keysToUnbind(keys, { keyId, keyName: t.keyName }, p.boundBefore.get(inst.InstanceId) ?? [], namesById, config.keyPrefix);
    for (const k of keys) if (!unbind.includes(k)) stillUsed.add(k);
    // Grouped by key and by whether a force stop is needed: one call per group, 100 ids at a time.
    for (const old of unbind) {
      const group = `${old}/${running.has(inst.InstanceId) ? "force" : "stopped"}`;
      toUnbind.set(group, [...(toUnbind.get(group) ?? []), inst.InstanceId]);
    }
  }
  for (const [group, ids] of toUnbind) {
    const [old, mode] = group.split("/") as [string, string];
    const results = await applyBatched(ids, batchSizeOf("DisassociateInstancesKeyPairs"), (batch) =>
      api(client).disassociateInstancesKeyPairs(region, { InstanceIds: batch, KeyIds: [old], ForceStop: mode === "force" }));
    const done = results.filter((r) => r.ok);
    for (const r of results) {
      if (!r.ok) {
        stillUsed.add(old);
        out.errors.push({ region, id: r.id, action: "DisassociateInstancesKeyPairs", code: r.code, message: r.message, requestId: r.requestId });
      }
    }
    if (done.length) out.cleanedUp.push({ region, what: `unbound old key ${old} from ${done.length} instance(s)`, requestId: done[0]!.requestId });
  }
  if (p.cleanUp) await retireOldKeys(client, region, { keyId, keyName: t.keyName }, stillUsed, config, out);
}
