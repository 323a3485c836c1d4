/**
 * Configuration from environment variables, validated with zod and parsed once at cold start.
 * Tests pass an object instead of touching process.env.
 */
import * as z from "zod/mini";
import { SIGN_METHODS } from "../tencent/signer.ts";
import { registerSecret } from "../log/redact.ts";
import { baseUrl, bool, csv, field, int, oneOf, optionalString, region, regions, secret } from "./fields.ts";
import { parseDestination, type Destination, type NotifyConfig } from "../notify/destinations.ts";
import { parseAccounts, type AccountsSpec } from "../accounts/accounts.ts";
import { DEFAULT_METADATA_URL } from "../accounts/cvm-role.ts";

export { csv, isRegion } from "./fields.ts";

/** ACCOUNTS: role ARNs, organization:<role>, self (docs/operating.md, "Many accounts"). */
const accounts = () =>
  field((v, fail): AccountsSpec | undefined => {
    const a = parseAccounts(v);
    if (typeof a === "string") fail(a);
    return typeof a === "string" ? undefined : a;
  });

/** NOTIFY_URLS: robot or webhook addresses, separated by commas or spaces (docs/operating.md, "Notifications"). */
const destinations = () =>
  field((v, fail): Destination[] => {
    const out: Destination[] = [];
    for (const raw of csv(v?.replace(/\s+/g, ","))) {
      const d = parseDestination(raw);
      if (typeof d === "string") fail(d);
      else out.push(d);
    }
    return out;
  });

export type Env = Record<string, string | undefined>;

/** Every problem with the environment, each naming the variable and the fix. */
export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

export const baseShape = {
  TENCENTCLOUD_SECRET_ID: optionalString(),
  TENCENTCLOUD_SECRET_KEY: optionalString(),
  TENCENTCLOUD_SESSION_TOKEN: optionalString(),
  // Names SCF injects for a function's execution role (no underscore inside).
  TENCENTCLOUD_SECRETID: optionalString(),
  TENCENTCLOUD_SECRETKEY: optionalString(),
  TENCENTCLOUD_SESSIONTOKEN: optionalString(),
  TENCENTCLOUD_REGION: region(),
  REGIONS: regions(),
  DRY_RUN: bool(false),
  CVM_AUTOPILOT_ENDPOINT: baseUrl(),
  // china: <service>.tencentcloudapi.com; intl: the international site's <service>.intl.tencentcloudapi.com.
  CVM_AUTOPILOT_SITE: oneOf(["china", "intl"], "china"),
  // On a CVM with a CAM role bound: that role's credentials from the instance metadata service.
  CVM_AUTOPILOT_USE_CVM_ROLE: bool(false),
  CVM_AUTOPILOT_METADATA_URL: baseUrl(),
  CVM_AUTOPILOT_SIGN_METHOD: oneOf(SIGN_METHODS, "TC3-HMAC-SHA256"),
  // Bounded: past 2^31-1 ms Node fires a timer after 1 ms, and no API call needs two minutes.
  CVM_AUTOPILOT_TIMEOUT_MS: int(10000, 100, 120_000),
  CVM_AUTOPILOT_MAX_ATTEMPTS: int(5, 1, 20),
  // The 2018 CVM API 3.0 reference's account-wide CVM budget (1,000 calls a minute, 100 per API); off by default.
  CVM_AUTOPILOT_ACCOUNT_BUDGET: bool(false),
  LOG_LEVEL: oneOf(["debug", "info", "warn", "error"], "info"),
  // Blank (or only spaces) means webhooks are off; a set key is at least 32 characters.
  WEBHOOK_SECRET: secret(32, "make one with `openssl rand -hex 32`, or leave it blank to turn webhooks off"),
  ACCOUNTS: accounts(),
  // auto: a platform run with more than one account × region shard invokes one worker per shard.
  FANOUT: oneOf(["auto", "off"], "auto"),
  // At most this many worker invocations a run: past it, each worker takes a batch of one account's regions.
  FANOUT_MAX_INVOCATIONS: int(1000, 1, 10_000),
  SHARD_CONCURRENCY: int(4, 1, 64),
  NOTIFY_URLS: destinations(),
  NOTIFY_ALWAYS: bool(false),
  // The generic JSON destination's HMAC key; its own, so a receiver that can verify messages cannot also trigger runs.
  NOTIFY_SECRET: secret(32, "make one with `openssl rand -hex 32`; the receiver checks X-Autopilot-Signature with it"),
  // DingTalk's 加签 secret (starts with SEC), when the robot has signing on.
  NOTIFY_DINGTALK_SECRET: optionalString(),
  NOTIFY_FEISHU_SECRET: optionalString(),
  // Run history and the savings ledger (lib/history/from-env.ts reads them at each host; listed
  // here so deploy copies them into SCF's and Lambda's environments).
  HISTORY_BUCKET: optionalString(),
  HISTORY_BUCKET_REGION: optionalString(),
  HISTORY_ENDPOINT: optionalString(),
  HISTORY: optionalString(),
  // Where the dashboard's links point (the monthly digest's, `dashboard --url`): serve's address or a function URL.
  DASHBOARD_URL: baseUrl(),
};
export const baseSchema = z.object(baseShape);

/**
 * Shared settings a deployed function takes from the deployer's env. Not the credentials (a
 * function runs with its platform role's) and not the endpoint override (the emulator's).
 */
export const SHARED_DEPLOY_VARIABLES: readonly string[] = Object.keys(baseShape).filter(
  (k) =>
    !k.startsWith("TENCENTCLOUD_SECRET") &&
    !k.startsWith("TENCENTCLOUD_SESSION") &&
    k !== "CVM_AUTOPILOT_ENDPOINT" &&
    k !== "HISTORY_ENDPOINT",
);

export type BaseEnv = z.output<typeof baseSchema>;

export interface BaseConfig {
  credentials: { secretId: string; secretKey: string; token?: string | undefined };
  region: string;
  regions: string[] | "all";
  dryRun: boolean;
  endpoint: string | undefined;
  signMethod: (typeof SIGN_METHODS)[number];
  timeoutMs: number;
  maxAttempts: number;
  accountBudget: boolean;
  /** Which site's API hosts: China's or the international one's. */
  site: "china" | "intl";
  /** Set when the credentials come from the CVM instance's role: the metadata service's address. */
  cvmRoleMetadataUrl?: string | undefined;
  /** Past this many shards a coordinator hands each worker a batch of one account's regions. */
  fanoutMaxInvocations: number;
  logLevel: "debug" | "info" | "warn" | "error";
  /** HMAC key for webhook triggers; undefined: webhooks are refused. */
  webhookSecret: string | undefined;
  /** Where a run's one message goes, and when. */
  notify: NotifyConfig;
  /** The address the dashboard's links point at (DASHBOARD_URL), without a trailing slash; undefined: none is known. */
  dashboardUrl?: string | undefined;
  /** The accounts a run covers; undefined: the caller's own. */
  accounts: AccountsSpec | undefined;
  fanout: "auto" | "off";
  /** Shards (accounts) run at once in one process. */
  shardConcurrency: number;
}

/** The variables a function's schema reads beyond the shared ones, by name (for deploy environments and docs). */
export function ownVariables(schema: { shape: Record<string, unknown> }): string[] {
  return Object.keys(schema.shape).filter((k) => !(k in baseShape));
}

/** Parses env with a schema; throws ConfigError listing every issue by variable name. */
export function parseEnv<S extends z.ZodMiniType>(schema: S, env: Env): z.output<S> {
  const res = schema.safeParse(env);
  if (res.success) return res.data;
  throw new ConfigError(res.error.issues.map((i) => `${i.path.join(".") || "(env)"}: ${i.message}`));
}

/** The settings every function shares. Credentials are required: nothing runs half-configured. */
export function toBaseConfig(e: BaseEnv): BaseConfig {
  const secretId = e.TENCENTCLOUD_SECRET_ID ?? e.TENCENTCLOUD_SECRETID;
  const secretKey = e.TENCENTCLOUD_SECRET_KEY ?? e.TENCENTCLOUD_SECRETKEY;
  const token = e.TENCENTCLOUD_SESSION_TOKEN ?? e.TENCENTCLOUD_SESSIONTOKEN;
  const issues: string[] = [];
  // With the CVM's role the key comes from the metadata service at the first call instead.
  const cvmRole = e.CVM_AUTOPILOT_USE_CVM_ROLE && !secretId;
  if (!secretId && !cvmRole)
    issues.push(
      "TENCENTCLOUD_SECRET_ID: required (or TENCENTCLOUD_SECRETID, as SCF injects it; or CVM_AUTOPILOT_USE_CVM_ROLE=true on a CVM with a role)",
    );
  if (!secretKey && !cvmRole)
    issues.push("TENCENTCLOUD_SECRET_KEY: required (or TENCENTCLOUD_SECRETKEY, as SCF injects it)");
  const region = e.TENCENTCLOUD_REGION ?? (Array.isArray(e.REGIONS) ? e.REGIONS[0] : undefined);
  if (!region) issues.push("TENCENTCLOUD_REGION: required unless REGIONS lists regions (e.g. ap-guangzhou)");
  if (e.NOTIFY_URLS.some((d) => d.kind === "json") && !e.NOTIFY_SECRET) {
    issues.push(
      "NOTIFY_SECRET: required for a generic JSON destination in NOTIFY_URLS (messages to it are signed); make one with `openssl rand -hex 32`",
    );
  }
  if (issues.length) throw new ConfigError(issues);
  registerSecret(secretKey);
  registerSecret(token);
  registerSecret(e.WEBHOOK_SECRET);
  registerSecret(e.NOTIFY_SECRET);
  registerSecret(e.NOTIFY_DINGTALK_SECRET);
  registerSecret(e.NOTIFY_FEISHU_SECRET);
  return {
    credentials: { secretId: secretId ?? "", secretKey: secretKey ?? "", token },
    ...(cvmRole ? { cvmRoleMetadataUrl: e.CVM_AUTOPILOT_METADATA_URL ?? DEFAULT_METADATA_URL } : {}),
    region: region!,
    regions: e.REGIONS ?? [region!],
    dryRun: e.DRY_RUN,
    endpoint: e.CVM_AUTOPILOT_ENDPOINT,
    signMethod: e.CVM_AUTOPILOT_SIGN_METHOD,
    timeoutMs: e.CVM_AUTOPILOT_TIMEOUT_MS,
    maxAttempts: e.CVM_AUTOPILOT_MAX_ATTEMPTS,
    accountBudget: e.CVM_AUTOPILOT_ACCOUNT_BUDGET,
    site: e.CVM_AUTOPILOT_SITE,
    fanoutMaxInvocations: e.FANOUT_MAX_INVOCATIONS,
    logLevel: e.LOG_LEVEL,
    webhookSecret: e.WEBHOOK_SECRET,
    dashboardUrl: e.DASHBOARD_URL?.replace(/\/+$/, ""),
    accounts: e.ACCOUNTS,
    fanout: e.FANOUT,
    shardConcurrency: e.SHARD_CONCURRENCY,
    notify: {
      destinations: e.NOTIFY_URLS,
      always: e.NOTIFY_ALWAYS,
      secret: e.NOTIFY_SECRET,
      dingtalkSecret: e.NOTIFY_DINGTALK_SECRET,
      feishuSecret: e.NOTIFY_FEISHU_SECRET,
    },
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

/** Loads the shared settings from env (process.env by default). */
export function loadBaseConfig(env: Env = process.env): BaseConfig {
  return toBaseConfig(parseEnv(baseSchema, env));
}
