/**
 * The AWS Lambda functions' secrets: the Tencent key, the webhook and notification
 * secrets live in one AWS Secrets Manager secret, never in the CloudFormation template or the
 * function's plaintext environment. The function gets only the secret's name
 * (CVM_AUTOPILOT_SECRET_NAME), may read that one secret (serverless.yml), and reads it once per
 * container at cold start through the AWS SDK v3 the Node.js runtime provides (external to the
 * bundle). AWS_ENDPOINT_URL_SECRETS_MANAGER points it elsewhere (tests).
 */
import type { Env } from "../config/config.ts";
import { awsClientConfig } from "./aws-sdk.ts";

/** What the secret may set: credentials and secrets only, never a setting that widens a run. */
export const SECRET_KEYS = [
  "TENCENTCLOUD_SECRET_ID",
  "TENCENTCLOUD_SECRET_KEY",
  "TENCENTCLOUD_SESSION_TOKEN",
  "WEBHOOK_SECRET",
  "NOTIFY_URLS",
  "NOTIFY_SECRET",
  "NOTIFY_DINGTALK_SECRET",
  "NOTIFY_FEISHU_SECRET",
] as const;

export class SecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretError";
  }
}

/** The secret's JSON as env entries; an unknown key or a non-string value is an error naming it. */
export function secretEnv(secretString: string | undefined, name: string): Env {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString ?? "");
  } catch {
    throw new SecretError(`secret ${name} is not a JSON object of ${SECRET_KEYS.join(", ")}`);
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed))
    throw new SecretError(`secret ${name} is not a JSON object`);
  const out: Env = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (!(SECRET_KEYS as readonly string[]).includes(k))
      throw new SecretError(`secret ${name}: key ${k} is not one it may set (${SECRET_KEYS.join(", ")})`);
    if (typeof v !== "string") throw new SecretError(`secret ${name}: ${k} must be a string`);
    out[k] = v;
  }
  return out;
}

/** Reads the secret named by CVM_AUTOPILOT_SECRET_NAME, or nothing when it is unset. */
export async function readAwsSecret(env: Env): Promise<Env> {
  const name = env.CVM_AUTOPILOT_SECRET_NAME?.trim();
  if (!name) return {};
  const { SecretsManagerClient, GetSecretValueCommand } = await import("@aws-sdk/client-secrets-manager");
  const client = new SecretsManagerClient(awsClientConfig(env, "SECRETS_MANAGER"));
  const r = await client.send(new GetSecretValueCommand({ SecretId: name }));
  return secretEnv(r.SecretString, name);
}
