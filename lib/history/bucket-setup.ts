/**
 * The history bucket at deploy time: `deploy` creates the bucket HISTORY_BUCKET names when it does
 * not exist, with a lifecycle rule expiring run records after HISTORY_RETENTION_DAYS (as
 * serverless.yml does for S3, and busy/ after a day), and leaves a bucket that exists as it is: its lifecycle may hold
 * rules of its owner's that a PUT would replace (S3 and COS replace the whole configuration).
 *
 * Over the S3 protocol (COS "Using AWS S3 SDKs to access COS"): HeadBucket (200, 404, 403),
 * CreateBucket (PUT on the bucket; the region is the endpoint's) and PutBucketLifecycleConfiguration
 * (PUT ?lifecycle, which S3 and COS both require to carry Content-MD5).
 */
import { createHash } from "node:crypto";
import { type BucketOptions, send, whereOf } from "./s3-store.ts";
import { HistoryStoreError } from "./store.ts";

/** Run records kept by default: a year of monthly savings, plus the month before. */
export const DEFAULT_RETENTION_DAYS = 400;

export type BucketSetup =
  | { state: "exists"; where: string }
  | { state: "created"; where: string; retentionDays: number }
  | { state: "would-create"; where: string; retentionDays: number };

/**
 * The lifecycle rules: run records (runs/) expire after `days`; auto-stop's memory of busy
 * machines (busy/) after a day, the shortest expiry S3 and COS allow (a run reads only the latest).
 */
export const lifecycleXml = (days: number) =>
  `<?xml version="1.0" encoding="UTF-8"?><LifecycleConfiguration>${rule("expire-run-records", "runs/", days)}${rule("expire-busy-memory", "busy/", 1)}</LifecycleConfiguration>`;
const rule = (id: string, prefix: string, days: number) =>
  `<Rule><ID>${id}</ID><Filter><Prefix>${prefix}</Prefix></Filter><Status>Enabled</Status><Expiration><Days>${days}</Days></Expiration></Rule>`;

/** Makes sure the bucket exists; creates it, with the lifecycle rule, only when it does not. A dry run only says what it would do. */
export async function ensureHistoryBucket(
  o: BucketOptions,
  opts: { retentionDays?: number; dryRun: boolean },
): Promise<BucketSetup> {
  const where = whereOf(o);
  const retentionDays = opts.retentionDays ?? DEFAULT_RETENTION_DAYS;
  const head = await send(o, "HEAD", "", {});
  if (head.status === 200) return { state: "exists", where };
  if (head.status === 403)
    throw new HistoryStoreError(
      `${where}: the bucket exists but this key may not use it (403): name a bucket of this account in HISTORY_BUCKET`,
      "AccessDenied",
    );
  if (head.status !== 404)
    throw new HistoryStoreError(`${where}: HeadBucket answered ${head.status}`, `HTTP${head.status}`);
  if (opts.dryRun) return { state: "would-create", where, retentionDays };
  await send(o, "PUT", "", {});
  const body = lifecycleXml(retentionDays);
  await send(o, "PUT", "", { lifecycle: "" }, body, {
    "content-type": "application/xml",
    "content-md5": createHash("md5").update(body).digest("base64"),
  });
  return { state: "created", where, retentionDays };
}
