/**
 * Configuration from environment variables, validated with zod and parsed once at cold start.
 * Tests pass an object instead of touching process.env. The shared settings are declared in
 * shared-settings.ts; the shared config's type is what toBaseConfig makes of them.
 */
import { registerSecret } from "../log/redact.ts";
import type { NotifyConfig } from "./destinations.ts";
import { DEFAULT_METADATA_URL } from "../accounts/cvm-role.ts";
import { ConfigError, type Env } from "./config-error.ts";
import { readSettings, variablesOf, type SettingValues, type Settings } from "./settings.ts";
import { SHARED_SETTINGS } from "./shared-settings.ts";

export { csv, isRegion } from "./fields.ts";
export { ConfigError, type Env } from "./config-error.ts";
export { parseEnv } from "./settings.ts";

/**
 * Shared settings a deployed function takes from the deployer's env. Not the credentials (a
 * function runs with its platform role's) and not the endpoint override (the emulator's).
 */
export const SHARED_DEPLOY_VARIABLES: readonly string[] = variablesOf(SHARED_SETTINGS).filter(
  (k) =>
    !k.startsWith("TENCENTCLOUD_SECRET") &&
    !k.startsWith("TENCENTCLOUD_SESSION") &&
    k !== "CVM_AUTOPILOT_ENDPOINT" &&
    k !== "HISTORY_ENDPOINT",
);

/** The shared settings as parsed, before they become the shared config. */
export type BaseEnv = SettingValues<typeof SHARED_SETTINGS>;

/** The settings every function shares, as a function's config carries them. */
export type BaseConfig = ReturnType<typeof toBaseConfig>;

/** Only a group's own values: a function's loadConfig hands over its settings and the shared ones together. */
function pick<S extends Settings>(values: SettingValues<S>, group: S): SettingValues<S> {
  return Object.fromEntries(Object.keys(group).map((k) => [k, values[k]])) as SettingValues<S>;
}

/** The key under the SDK's names, else SCF's role names, or the CVM's role; each missing one named with its fix. */
function credentialsOf(e: BaseEnv, issues: string[]) {
  const secretId = e.secretId ?? e.scfSecretId;
  const secretKey = e.secretKey ?? e.scfSecretKey;
  const token = e.sessionToken ?? e.scfSessionToken;
  // With the CVM's role the key comes from the metadata service at the first call instead.
  const cvmRole = e.useCvmRole && !secretId;
  if (!secretId && !cvmRole)
    issues.push(
      "TENCENTCLOUD_SECRET_ID: required (or TENCENTCLOUD_SECRETID, as SCF injects it; or CVM_AUTOPILOT_USE_CVM_ROLE=true on a CVM with a role)",
    );
  if (!secretKey && !cvmRole)
    issues.push("TENCENTCLOUD_SECRET_KEY: required (or TENCENTCLOUD_SECRETKEY, as SCF injects it)");
  return { credentials: { secretId: secretId ?? "", secretKey: secretKey ?? "", token }, cvmRole };
}

/** The settings every function shares. Credentials are required: nothing runs half-configured. */
export function toBaseConfig(values: BaseEnv) {
  const {
    secretId: _id,
    secretKey: _key,
    sessionToken: _token,
    scfSecretId: _scfId,
    scfSecretKey: _scfKey,
    scfSessionToken: _scfToken,
    useCvmRole: _useRole,
    metadataUrl,
    region: regionSet,
    regions,
    notifyUrls,
    notifyAlways,
    notifySecret,
    dingtalkSecret,
    feishuSecret,
    historyBucket: _bucket,
    historyBucketRegion: _bucketRegion,
    historyEndpoint: _historyEndpoint,
    history: _history,
    ...plain
  } = pick(values, SHARED_SETTINGS);
  const issues: string[] = [];
  const { credentials, cvmRole } = credentialsOf(values, issues);
  const region = regionSet ?? (Array.isArray(regions) ? regions[0] : undefined);
  if (!region) issues.push("TENCENTCLOUD_REGION: required unless REGIONS lists regions (e.g. ap-guangzhou)");
  if (notifyUrls.some((d) => d.kind === "json") && !notifySecret) {
    issues.push(
      "NOTIFY_SECRET: required for a generic JSON destination in NOTIFY_URLS (messages to it are signed); make one with `openssl rand -hex 32`",
    );
  }
  if (issues.length) throw new ConfigError(issues);
  for (const s of [credentials.secretKey, credentials.token, plain.webhookSecret, notifySecret]) registerSecret(s);
  for (const s of [dingtalkSecret, feishuSecret]) registerSecret(s);
  const notify: NotifyConfig = {
    destinations: notifyUrls,
    always: notifyAlways,
    secret: notifySecret,
    dingtalkSecret,
    feishuSecret,
  };
  return {
    ...plain,
    /** The address the dashboard's links point at, without a trailing slash; undefined: none is known. */
    dashboardUrl: plain.dashboardUrl?.replace(/\/+$/, ""),
    credentials,
    /** Set when the credentials come from the CVM instance's role: the metadata service's address. */
    ...(cvmRole ? { cvmRoleMetadataUrl: metadataUrl ?? DEFAULT_METADATA_URL } : {}),
    region: region!,
    regions: regions ?? [region!],
    /** Where a run's one message goes, and when. */
    notify,
  };
}

/** The credentials in env now, under the SDK's names or SCF's role names (registered for redaction), or undefined. */
export function envCredentials(env: Env): BaseConfig["credentials"] | undefined {
  const pick = (a: string, b: string) =>
    env[a]?.trim() ? env[a]!.trim() : env[b]?.trim() ? env[b]!.trim() : undefined;
  const secretId = pick("TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRETID");
  const secretKey = pick("TENCENTCLOUD_SECRET_KEY", "TENCENTCLOUD_SECRETKEY");
  if (!secretId || !secretKey) return undefined;
  const token = pick("TENCENTCLOUD_SESSION_TOKEN", "TENCENTCLOUD_SESSIONTOKEN");
  registerSecret(secretKey);
  registerSecret(token);
  return { secretId, secretKey, token };
}

/**
 * Reads a function's own settings and the shared ones from env at once, so one ConfigError lists
 * every problem; `shared` becomes the shared config with toBaseConfig.
 */
export function readConfig<S extends Settings>(env: Env, own: S): { shared: BaseEnv; own: SettingValues<S> } {
  const values = readSettings(env, SHARED_SETTINGS, own);
  return { shared: values, own: pick(values, own) };
}

/** Loads the shared settings from env (process.env by default). */
export function loadBaseConfig(env: Env = process.env): BaseConfig {
  return toBaseConfig(readSettings(env, SHARED_SETTINGS));
}
