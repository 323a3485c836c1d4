/**
 * `deploy`'s history step on SCF: when HISTORY_BUCKET names a COS bucket, make sure it exists
 * (lib/history/bucket-setup.ts: created with its lifecycle rule when missing, left as it is
 * otherwise), before any function is written, so a bucket the functions could not use stops the
 * deploy instead of failing every run's record. On Lambda, serverless.yml creates the S3 bucket.
 */
import type { Env } from "../config/config.ts";
import { ensureHistoryBucket } from "../history/bucket-setup.ts";
import { bucketOptionsFromEnv } from "../history/from-env.ts";
import { HistoryStoreError } from "../history/store.ts";
import { DeployError } from "./scf-role.ts";
import type { DeployStep } from "./scf-options.ts";

export async function historyBucketSteps(env: Env, dryRun: boolean): Promise<DeployStep[]> {
  const value = env.HISTORY_BUCKET?.trim();
  if (!value || /^off$/i.test(env.HISTORY?.trim() ?? "") || value.startsWith("s3://")) return [];
  const o = bucketOptionsFromEnv(env, value);
  if (o.kind !== "cos") return [];
  try {
    const r = await ensureHistoryBucket(o, { dryRun });
    const step = { function: "history" };
    if (r.state === "exists") return [{ ...step, action: "unchanged", detail: `${r.where} exists; left as it is` }];
    const rule = `run records expire after ${r.retentionDays} days`;
    if (r.state === "would-create") return [{ ...step, action: "would create", detail: `${r.where}; ${rule}` }];
    return [{ ...step, action: "created", detail: `${r.where}; ${rule}` }];
  } catch (err) {
    if (err instanceof HistoryStoreError) throw new DeployError(`HISTORY_BUCKET: ${err.message}`);
    throw err;
  }
}
