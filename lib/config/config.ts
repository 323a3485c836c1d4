/**
 * Configuration from environment variables, validated by zod and parsed once at cold start
 * (house style 6). Tests pass an object instead of touching process.env.
 */
import { z } from "zod";
import { SIGN_METHODS } from "../tencent/signer.ts";
import { registerSecret } from "../log/redact.ts";

export type Env = Record<string, string | undefined>;

/** Every problem with the environment, each naming the variable and the fix. */
export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

const REGION = /^[a-z]{2,3}-[a-z]+(-[a-z0-9]+)*$/;
export const regionSchema = z.string().regex(REGION, "expected a region name such as ap-guangzhou");

/** `a,b,c` -> ["a","b","c"], trimmed, empties dropped. */
export const csv = (v: string | undefined): string[] => (v ?? "").split(",").map((s) => s.trim()).filter(Boolean);

/** REGIONS: a comma list of region names, or `all` (resolved with DescribeRegions at run time). */
export const regionsSchema = z
  .string()
  .optional()
  .transform((v, ctx): string[] | "all" | undefined => {
    if (v === undefined || v.trim() === "") return undefined;
    if (v.trim() === "all") return "all";
    const list = csv(v);
    for (const r of list) if (!REGION.test(r)) ctx.addIssue({ code: "custom", message: `"${r}" is not a region name (e.g. ap-guangzhou), or use "all"` });
    return list;
  });

const bool = (dflt: boolean) => z.stringbool({ truthy: ["true", "1", "yes", "on"], falsy: ["false", "0", "no", "off", ""] }).optional().transform((v) => v ?? dflt);
export const boolFlag = bool;
export const positiveInt = (dflt: number) => z.coerce.number().int().positive().optional().transform((v) => v ?? dflt);

export const baseSchema = z.object({
  TENCENTCLOUD_SECRET_ID: z.string().min(1).optional(),
  TENCENTCLOUD_SECRET_KEY: z.string().min(1).optional(),
  TENCENTCLOUD_SESSION_TOKEN: z.string().min(1).optional(),
  // Names SCF injects for a function's execution role (no underscore inside).
  TENCENTCLOUD_SECRETID: z.string().min(1).optional(),
  TENCENTCLOUD_SECRETKEY: z.string().min(1).optional(),
  TENCENTCLOUD_SESSIONTOKEN: z.string().min(1).optional(),
  TENCENTCLOUD_REGION: regionSchema.optional(),
  REGIONS: regionsSchema,
  DRY_RUN: bool(false),
  CVM_AUTOPILOT_ENDPOINT: z.url({ protocol: /^https?$/, error: "expected a base URL such as http://127.0.0.1:9000" }).optional(),
  CVM_AUTOPILOT_SIGN_METHOD: z.enum(SIGN_METHODS as [string, ...string[]], { error: `expected one of ${SIGN_METHODS.join(", ")}` }).optional().transform((v) => (v ?? "TC3-HMAC-SHA256") as (typeof SIGN_METHODS)[number]),
  CVM_AUTOPILOT_TIMEOUT_MS: positiveInt(10000),
  CVM_AUTOPILOT_MAX_ATTEMPTS: positiveInt(5),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).optional().transform((v) => v ?? "info"),
});

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
  logLevel: "debug" | "info" | "warn" | "error";
}

/** Parses env with a schema; throws ConfigError listing every issue by variable name. */
export function parseEnv<S extends z.ZodType>(schema: S, env: Env): z.output<S> {
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
  if (!secretId) issues.push("TENCENTCLOUD_SECRET_ID: required (or TENCENTCLOUD_SECRETID, as SCF injects it)");
  if (!secretKey) issues.push("TENCENTCLOUD_SECRET_KEY: required (or TENCENTCLOUD_SECRETKEY, as SCF injects it)");
  const region = e.TENCENTCLOUD_REGION ?? (Array.isArray(e.REGIONS) ? e.REGIONS[0] : undefined);
  if (!region) issues.push("TENCENTCLOUD_REGION: required unless REGIONS lists regions (e.g. ap-guangzhou)");
  if (issues.length) throw new ConfigError(issues);
  registerSecret(secretKey);
  registerSecret(token);
  return {
    credentials: { secretId: secretId!, secretKey: secretKey!, token },
    region: region!,
    regions: e.REGIONS ?? [region!],
    dryRun: e.DRY_RUN,
    endpoint: e.CVM_AUTOPILOT_ENDPOINT,
    signMethod: e.CVM_AUTOPILOT_SIGN_METHOD,
    timeoutMs: e.CVM_AUTOPILOT_TIMEOUT_MS,
    maxAttempts: e.CVM_AUTOPILOT_MAX_ATTEMPTS,
    logLevel: e.LOG_LEVEL,
  };
}

/** Loads the shared settings from env (process.env by default). */
export function loadBaseConfig(env: Env = process.env): BaseConfig {
  return toBaseConfig(parseEnv(baseSchema, env));
}
