/**
 * Which store history goes to, from the environment: HISTORY_BUCKET names a bucket (COS on
 * Tencent Cloud, S3 on Lambda, or said outright as `cos://name` / `s3://name`); without one, a
 * host that keeps local state (`serve`, `run`) uses the local directory (local-store.ts).
 * HISTORY=off keeps none.
 */
import { ConfigError, envCredentials, type Env } from "../config/config.ts";
import { defaultHistoryDir, localStore } from "./local-store.ts";
import { type BucketOptions, bucketStore } from "./s3-store.ts";
import type { HistoryStore } from "./store.ts";
import { historySink, type HistorySink } from "./recorder.ts";

/** COS bucket names are `<name>-<appid>`; S3's are 3–63 lower-case letters, digits, dots and hyphens. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** The bucket HISTORY_BUCKET names, as the S3-protocol client needs it; a bad name or missing region is a ConfigError. */
export function bucketOptionsFromEnv(env: Env, value: string, clock?: () => number): BucketOptions {
  const m = /^(?:(cos|s3):\/\/)?(.+)$/.exec(value)!;
  const kind = (m[1] ?? (env.AWS_LAMBDA_FUNCTION_NAME ? "s3" : "cos")) as "cos" | "s3";
  const bucket = m[2]!;
  if (!BUCKET.test(bucket))
    throw new ConfigError([
      `HISTORY_BUCKET: "${value}" is not a bucket name (COS: name-appid, e.g. cvm-autopilot-history-1250000000)`,
    ]);
  const region =
    env.HISTORY_BUCKET_REGION?.trim() || (kind === "s3" ? env.AWS_REGION : env.TENCENTCLOUD_REGION)?.trim();
  if (!region) throw new ConfigError([`HISTORY_BUCKET_REGION: required for bucket ${bucket} (the region it lives in)`]);
  const endpoint =
    env.HISTORY_ENDPOINT?.trim() || (kind === "cos" ? env.CVM_AUTOPILOT_ENDPOINT?.trim() : undefined) || undefined;
  const credentials = () => {
    if (kind === "s3")
      return {
        secretId: env.AWS_ACCESS_KEY_ID ?? "",
        secretKey: env.AWS_SECRET_ACCESS_KEY ?? "",
        token: env.AWS_SESSION_TOKEN,
      };
    return envCredentials(env) ?? { secretId: "", secretKey: "" };
  };
  return { kind, bucket, region, endpoint, credentials, ...(clock ? { clock } : {}) };
}

const bucketFromEnv = (env: Env, value: string, clock?: () => number): HistoryStore =>
  bucketStore(bucketOptionsFromEnv(env, value, clock));

/** The store the environment names, or undefined for none (HISTORY=off, or no bucket on a host without local state). */
export function historyStoreFromEnv(
  env: Env,
  opts: { local: boolean; clock?: () => number },
): HistoryStore | undefined {
  if (/^(off|false|0)$/i.test(env.HISTORY?.trim() ?? "")) return undefined;
  const bucket = env.HISTORY_BUCKET?.trim();
  if (bucket) return bucketFromEnv(env, bucket, opts.clock);
  if (!opts.local) return undefined;
  const dir = defaultHistoryDir(env);
  return dir ? localStore(dir) : undefined;
}

/** The runner's history sink for a host, or undefined when history is not kept. */
export function historyFromEnv(env: Env, opts: { local: boolean; clock?: () => number }): HistorySink | undefined {
  const store = historyStoreFromEnv(env, opts);
  return store ? historySink(store) : undefined;
}
