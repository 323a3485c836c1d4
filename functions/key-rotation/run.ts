/** key-rotation, platform-neutral: event -> config -> read region -> plan -> apply in safe order -> report. */
import { createPublicKey, generateKeyPair } from "node:crypto";
import { promisify } from "node:util";
import { applyBatched } from "../../lib/runtime/batch-apply.ts";
import { forEachRegion, resolveRegions, type RunDeps } from "../../lib/runtime/runtime.ts";
import { narrow, type ErrorEntry, type ReportBase, type Trigger } from "../../lib/runtime/trigger.ts";
import { toOpenSshRsaPublicKey } from "../../lib/ssh/openssh.ts";
import { errorRecord, TencentCloudApiError } from "../../lib/tencent/errors.ts";
import { api, batchSizeOf, describeInstancesByIds, listAll } from "../../lib/tencent/services.ts";
import type { TencentCloudClient } from "../../lib/tencent/client.ts";
import { planRegion, retiredKeys, secretNameFor, type RegionPlan, type RegionView } from "./plan.ts";
import type { KeyRotationConfig } from "./config.ts";

const generate = promisify(generateKeyPair);

export interface KeyRotationReport extends ReportBase {
  rotated: Array<{ instanceId: string; region: string; keyId: string; keyName: string; forceStopped: boolean; requestId?: string }>;
  planned: Array<{ region: string; step: string }>;
  skipped: Array<{ instanceId: string; region: string; reason: string }>;
  resumed: Array<{ region: string; what: string }>;
  cleanedUp: Array<{ region: string; what: string; requestId?: string }>;
}

type Out = Pick<KeyRotationReport, "rotated" | "planned" | "skipped" | "resumed" | "cleanedUp" | "errors">;

/** Thrown to stop a region's rotation at a step that must not be passed. */
class StepError extends Error {
  constructor(readonly entry: ErrorEntry) {
    super(entry.message);
  }
}

async function readView(client: TencentCloudClient, region: string, config: KeyRotationConfig, only: Set<string> | undefined): Promise<RegionView> {
  const [instances, keyPairs] = await Promise.all([
    listAll(client, "DescribeInstances", region, { Filters: [{ Name: "tag-key", Values: [config.scopeTag.key] }] }, "InstanceSet"),
    listAll(client, "DescribeKeyPairs", region, {}, "KeyPairSet"),
  ]);
  const secrets = new Set<string>();
  for (let offset = 0; ; ) {
    // State 1: enabled secrets only; ones pending deletion are history, not progress.
    const page = await api(client).listSecrets(region, { Offset: offset, Limit: 100, State: 1, SearchSecretName: `cvm-autopilot-${region}-${config.keyPrefix}_` });
    const rows = Array.isArray(page.SecretMetadatas) ? page.SecretMetadatas : [];
    for (const s of rows) if (typeof s?.SecretName === "string") secrets.add(s.SecretName);
    offset += rows.length;
    if (rows.length < 100 || offset >= page.TotalCount) break;
  }
  return {
    region,
    instances: instances.map((i) => ({ ...i, Region: region })).filter((i) => !only || only.has(i.InstanceId)),
    keyPairs,
    secrets,
  };
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

async function importKey(client: TencentCloudClient, region: string, keyName: string, pem: string): Promise<string> {
  const publicKey = toOpenSshRsaPublicKey(createPublicKey(pem), keyName);
  try {
    return (await api(client).importKeyPair(region, { KeyName: keyName, ProjectId: 0, PublicKey: publicKey })).KeyId;
  } catch (err) {
    // A retried import that had in fact succeeded: find the key by name.
    if (err instanceof TencentCloudApiError && (err.code === "InvalidKeyPairName.Duplicate" || err.code === "InvalidPublicKey.Duplicate")) {
      const found = await listAll(client, "DescribeKeyPairs", region, { Filters: [{ Name: "key-name", Values: [keyName] }] }, "KeyPairSet");
      if (found[0]) return found[0].KeyId;
    }
    throw err;
  }
}

async function rotateRegion(client: TencentCloudClient, p: RegionPlan, config: KeyRotationConfig, out: Out): Promise<void> {
  const { region } = p;
  for (const s of p.skipped) out.skipped.push({ ...s, region });
  for (const pr of p.problems) out.errors.push({ region, id: pr.keyId, code: "KeyRotation.PrivateKeyMissing", message: pr.message });

  for (const k of p.orphanKeys) {
    const res = await api(client).deleteKeyPairs(region, { KeyIds: [k.keyId] });
    out.cleanedUp.push({ region, what: `deleted key pair ${k.keyName} (${k.keyId}): its private key was never stored`, requestId: res.RequestId });
  }
  for (const s of p.orphanSecrets) {
    const res = await api(client).deleteSecret(region, { SecretName: s, RecoveryWindowInDays: 0 });
    out.cleanedUp.push({ region, what: `deleted secret ${s}: superseded before its key was imported`, requestId: res.RequestId });
  }
  const t = p.target;
  if (!t) return;
  let keyId: string;
  if (t.kind === "existing") keyId = t.keyId;
  else {
    let pem: string;
    if (t.kind === "new") {
      const pair = await generate("rsa", { modulusLength: config.keyBits });
      pem = pair.privateKey.export({ type: "pkcs1", format: "pem" }).toString();
      await storePrivateKey(client, region, t.secretName, t.keyName, pem);
    } else {
      pem = (await api(client).getSecretValue(region, { SecretName: t.secretName, VersionId: "v1" })).SecretString;
      out.resumed.push({ region, what: `importing key ${t.keyName} from its stored secret` });
    }
    keyId = await importKey(client, region, t.keyName, pem);
  }

  const attempted = [...p.bindStopped, ...p.bindRunning];
  const bindFailures = new Map<string, ErrorEntry>();
  for (const [ids, force] of [[p.bindStopped, false], [p.bindRunning, true]] as const) {
    const results = await applyBatched(ids, batchSizeOf("AssociateInstancesKeyPairs"), (batch) =>
      api(client).associateInstancesKeyPairs(region, { InstanceIds: batch, KeyIds: [keyId], ForceStop: force }));
    for (const r of results) if (!r.ok) bindFailures.set(r.id, { region, id: r.id, action: "AssociateInstancesKeyPairs", code: r.code, message: r.message, requestId: r.requestId });
  }
  // Verify on the instances themselves before touching any old key.
  const after = attempted.length ? await describeInstancesByIds(client, region, attempted) : [];
  const running = new Set(p.bindRunning);
  const toUnbind = new Map<string, string[]>();
  for (const inst of after) {
    const keys = inst.LoginSettings?.KeyIds ?? [];
    if (!keys.includes(keyId)) {
      out.errors.push(bindFailures.get(inst.InstanceId) ?? { region, id: inst.InstanceId, code: "KeyRotation.NotVerified", message: `key ${t.keyName} is not bound after AssociateInstancesKeyPairs` });
      continue;
    }
    out.rotated.push({ instanceId: inst.InstanceId, region, keyId, keyName: t.keyName, forceStopped: running.has(inst.InstanceId) });
    for (const old of keys.filter((k) => k !== keyId)) toUnbind.set(old, [...(toUnbind.get(old) ?? []), inst.InstanceId]);
  }
  for (const [old, ids] of toUnbind) {
    const force = ids.some((id) => running.has(id));
    const res = await api(client).disassociateInstancesKeyPairs(region, { InstanceIds: ids, KeyIds: [old], ForceStop: force });
    out.cleanedUp.push({ region, what: `unbound old key ${old} from ${ids.length} instance(s)`, requestId: res.RequestId });
  }
  // Only keys of older generations than the target: a newer one may belong to a run in flight.
  const keys = await listAll(client, "DescribeKeyPairs", region, {}, "KeyPairSet");
  for (const k of retiredKeys(keys, keyId, config.keyPrefix).filter((k) => k.KeyName < t.keyName)) {
    const res = await api(client).deleteKeyPairs(region, { KeyIds: [k.KeyId] });
    out.cleanedUp.push({ region, what: `deleted retired key pair ${k.KeyName} (${k.KeyId})`, requestId: res.RequestId });
    const secret = secretNameFor(region, k.KeyName);
    const del = await api(client).deleteSecret(region, { SecretName: secret, RecoveryWindowInDays: 7 }).catch((e: unknown) => e);
    if (del instanceof Error) out.errors.push({ region, action: "DeleteSecret", ...errorRecord(del) });
    else out.cleanedUp.push({ region, what: `scheduled secret ${secret} for deletion in 7 days`, requestId: (del as { RequestId: string }).RequestId });
  }
}

function describePlan(p: RegionPlan): Array<{ region: string; step: string }> {
  const steps: string[] = [];
  for (const k of p.orphanKeys) steps.push(`delete orphan key pair ${k.keyName}`);
  for (const s of p.orphanSecrets) steps.push(`delete superseded secret ${s}`);
  const t = p.target;
  if (t?.kind === "new") steps.push(`generate an RSA key, store it as ${t.secretName}, import key pair ${t.keyName}`);
  if (t?.kind === "import") steps.push(`import key pair ${t.keyName} from ${t.secretName}`);
  if (t && p.bindStopped.length + p.bindRunning.length) {
    steps.push(`bind ${t.keyName} to ${p.bindStopped.length} stopped and ${p.bindRunning.length} running (force stop) instance(s), verify, then retire old keys`);
  }
  return steps.map((step) => ({ region: p.region, step }));
}

export async function run(config: KeyRotationConfig, trigger: Trigger, deps: RunDeps): Promise<KeyRotationReport> {
  const startedAt = deps.now();
  const n = narrow(config.dryRun, await resolveRegions(config, deps.client), trigger);
  const out: Out = { rotated: [], planned: [], skipped: [], resumed: [], cleanedUp: [], errors: [] };
  const results = await forEachRegion(n.regions, async (region) => {
    const p = planRegion(await readView(deps.client, region, config, n.instanceIds), config, startedAt);
    if (n.dryRun) {
      for (const s of p.skipped) out.skipped.push({ ...s, region });
      out.planned.push(...describePlan(p));
      return;
    }
    await rotateRegion(deps.client, p, config, out);
  });
  for (const r of results) {
    if (r.error instanceof StepError) out.errors.push(r.error.entry);
    else if (r.error) out.errors.push({ region: r.region, ...errorRecord(r.error) });
  }
  const report: KeyRotationReport = {
    function: "key-rotation", runId: deps.runId, trigger: trigger.source, dryRun: n.dryRun, startedAt: startedAt.toISOString(),
    finishedAt: deps.now().toISOString(), regions: n.regions, ...out,
  };
  deps.logger.info("key-rotation finished", {
    rotated: out.rotated.length, skipped: out.skipped.length, resumed: out.resumed.length, cleanedUp: out.cleanedUp.length, errors: out.errors.length, dryRun: n.dryRun,
  });
  return report;
}
