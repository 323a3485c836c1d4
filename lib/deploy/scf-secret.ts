/**
 * SCF functions' secrets: WEBHOOK_SECRET and the NOTIFY_* secrets are not stored in a
 * function's plaintext environment. `deploy` keeps them in one Tencent Secrets Manager (SSM)
 * secret, a version per content; each function gets only the secret's name and version
 * (CVM_AUTOPILOT_SECRET_NAME / _VERSION) and reads it once per container at cold start, with its
 * execution role's credentials (the CAM policy has ssm:GetSecretValue). The Tencent key is never
 * among them: on SCF the functions run with the role's.
 */
import { createHash } from "node:crypto";
import { envCredentials, type Env } from "../config/config.ts";
import { TencentCloudClient } from "../tencent/client.ts";
import { scheduleSecretDeletion } from "../tencent/secrets.ts";
import { api } from "../tencent/services.ts";
import { secretEnv, SECRET_KEYS } from "./aws-secret.ts";
import type { Logger } from "../log/logger.ts";

export const SCF_SECRET_NAME = "cvm-autopilot-secrets";
/** Secrets a deployer's env may carry into the SSM secret (not the Tencent key: the role gives the functions theirs). */
export const SCF_SECRET_KEYS = SECRET_KEYS.filter((k) => !k.startsWith("TENCENTCLOUD_"));

export interface ScfSecret {
  name: string;
  /** The value as stored: a JSON object of the secrets set. */
  value: string;
  /** Derived from the value, so an unchanged secret is never written again. */
  version: string;
}

/** The secret `deploy` stores, or undefined when the deployer's env sets none. */
export function scfSecretFrom(env: Env): ScfSecret | undefined {
  const entries = SCF_SECRET_KEYS.flatMap((k) => (env[k]?.trim() ? [[k, env[k]!.trim()] as const] : []));
  if (!entries.length) return undefined;
  const value = JSON.stringify(Object.fromEntries(entries));
  return { name: SCF_SECRET_NAME, value, version: `v${createHash("sha256").update(value).digest("hex").slice(0, 16)}` };
}

/** Reads the secret a deployed function names, with the role's credentials SCF injects. */
export async function readScfSecret(env: Env, logger: Logger): Promise<Env> {
  const name = env.CVM_AUTOPILOT_SECRET_NAME?.trim();
  const version = env.CVM_AUTOPILOT_SECRET_VERSION?.trim();
  if (!name || !version) return {};
  const credentials = envCredentials(env);
  if (!credentials)
    throw new Error(`secret ${name}: no credentials to read it with (does the function have its execution role?)`);
  const client = new TencentCloudClient({
    credentials,
    endpoint: env.CVM_AUTOPILOT_ENDPOINT?.trim() || undefined,
    site: env.CVM_AUTOPILOT_SITE?.trim() === "intl" ? "intl" : "china",
    logger,
  });
  const r = await api(client).getSecretValue(env.TENCENTCLOUD_REGION ?? "ap-guangzhou", {
    SecretName: name,
    VersionId: version,
  });
  return secretEnv(r.SecretString, name);
}

/** What SSM answers for a secret (or a version of it) that is not there yet: expected while planning a deploy. */
const SECRET_ABSENT: ReadonlySet<string> = new Set(["ResourceNotFound"]);

/** The SSM secret the functions read: created, or given a new version when its content changed; nothing when it is the same. */
export async function ensureSecret(
  client: TencentCloudClient,
  o: { region: string; dryRun: boolean },
  secret: ScfSecret,
  steps: Array<{ function: string; action: string; detail?: string; requestId?: string }>,
): Promise<void> {
  const target = "secrets";
  const have = await client
    .call(
      "ssm",
      "GetSecretValue",
      { SecretName: secret.name, VersionId: secret.version },
      { region: o.region, expected: SECRET_ABSENT },
    )
    .then(
      () => "same" as const,
      (err: { code?: string }) => {
        if (err.code !== "ResourceNotFound") throw err;
        return undefined;
      },
    );
  if (have) return;
  const exists = await client
    .call("ssm", "DescribeSecret", { SecretName: secret.name }, { region: o.region, expected: SECRET_ABSENT })
    .then(
      () => true,
      (err: { code?: string }) => {
        if (err.code !== "ResourceNotFound") throw err;
        return false;
      },
    );
  const action = exists ? "PutSecretValue" : "CreateSecret";
  if (o.dryRun) {
    steps.push({ function: target, action: `would ${action}`, detail: `${secret.name} ${secret.version}` });
    return;
  }
  const params = { SecretName: secret.name, VersionId: secret.version, SecretString: secret.value };
  const r = exists
    ? await api(client).putSecretValue(o.region, params)
    : await api(client).createSecret(o.region, {
        ...params,
        Description: "cvm-autopilot webhook and notification secrets",
      });
  steps.push({ function: target, action, detail: `${secret.name} ${secret.version}`, requestId: r.RequestId });
}

/** How long `deploy --remove` leaves the secret restorable (RestoreSecret) before SSM deletes it. */
export const REMOVED_SECRET_RECOVERY_DAYS = 7;

/**
 * `deploy --remove`: the SSM secret deploy wrote (the webhook and chat tokens) is disabled and
 * scheduled for deletion, not left behind; within the recovery window RestoreSecret brings it back.
 */
export async function removeSecret(
  client: TencentCloudClient,
  o: { region: string; dryRun: boolean },
  steps: Array<{ function: string; action: string; detail?: string; requestId?: string }>,
): Promise<void> {
  const target = "secrets";
  const days = REMOVED_SECRET_RECOVERY_DAYS;
  if (o.dryRun) {
    const exists = await client
      .call<{ Status?: string }>(
        "ssm",
        "DescribeSecret",
        { SecretName: SCF_SECRET_NAME },
        { region: o.region, expected: SECRET_ABSENT },
      )
      .then(
        (r) => r.Status !== "PendingDelete",
        (err: { code?: string }) => {
          if (err.code !== "ResourceNotFound") throw err;
          return false;
        },
      );
    steps.push(
      exists
        ? {
            function: target,
            action: "would DeleteSecret",
            detail: `${SCF_SECRET_NAME}: disabled, then deleted after ${days} days`,
          }
        : { function: target, action: "absent", detail: SCF_SECRET_NAME },
    );
    return;
  }
  const r = await scheduleSecretDeletion(client, o.region, SCF_SECRET_NAME, days);
  if (r.status === "scheduled")
    steps.push({
      function: target,
      action: "DeleteSecret",
      detail: `${SCF_SECRET_NAME} disabled and scheduled for deletion on ${new Date(r.deleteTime * 1000).toISOString().slice(0, 10)} (${days} days; RestoreSecret undoes it)`,
      requestId: r.requestId,
    });
  else
    steps.push({
      function: target,
      action: "absent",
      detail: `${SCF_SECRET_NAME}${r.status === "already-pending" ? " is already scheduled for deletion" : ""}`,
    });
}
