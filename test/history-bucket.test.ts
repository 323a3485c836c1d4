/**
 * `deploy`'s history bucket (lib/history/bucket-setup.ts) against the emulator's object storage:
 * created once with its lifecycle rule, an existing bucket left as it is, a dry run creating
 * nothing, and another account's bucket refused with what to do.
 */
import { describe, expect, it } from "vitest";
import type { Emulator } from "../emulator/server.ts";
import { ensureHistoryBucket } from "../lib/history/bucket-setup.ts";
import { bucketStore, type BucketOptions } from "../lib/history/s3-store.ts";
import { keysFor } from "../emulator/accounts.ts";
import { emulator } from "./helpers/world.ts";
import { historyBucketSteps } from "../lib/deploy/history-bucket.ts";

const GZ = "ap-guangzhou";
const bucketOf = (
  emu: Emulator,
  bucket = "cvm-autopilot-history-1250000000",
  creds = emu.credentials,
): BucketOptions => ({
  kind: "cos",
  bucket,
  region: GZ,
  endpoint: emu.url,
  credentials: () => ({ secretId: creds.secretId, secretKey: creds.secretKey }),
});

describe("the history bucket at deploy", () => {
  it("is created when missing, with run records expiring after 400 days, and then used", async () => {
    const emu = await emulator();
    const o = bucketOf(emu);
    expect(await ensureHistoryBucket(o, { dryRun: false })).toMatchObject({ state: "created", retentionDays: 400 });
    const b = emu.storage.buckets.get(o.bucket)!;
    expect(b.region).toBe(GZ);
    expect(b.lifecycle).toContain("<Prefix>runs/</Prefix>");
    expect(b.lifecycle).toContain("<Days>400</Days>");
    expect(b.lifecycle).toContain("<Prefix>busy/</Prefix><");
    const store = bucketStore(o);
    await store.create("runs/x.json", "{}");
    expect(await store.list("runs/")).toEqual(["runs/x.json"]);
  });

  it("an existing bucket is left as it is, its owner's lifecycle kept; a second deploy changes nothing", async () => {
    const emu = await emulator();
    const o = bucketOf(emu);
    const b = emu.storage.create(o.bucket, GZ, emu.accounts.management.uin);
    b.lifecycle = "<LifecycleConfiguration>the owner's own</LifecycleConfiguration>";
    expect((await ensureHistoryBucket(o, { dryRun: false })).state).toBe("exists");
    expect((await ensureHistoryBucket(o, { dryRun: false })).state).toBe("exists");
    expect(b.lifecycle).toBe("<LifecycleConfiguration>the owner's own</LifecycleConfiguration>");
  });

  it("a dry run says it would create the bucket and creates nothing", async () => {
    const emu = await emulator();
    const o = bucketOf(emu);
    expect(await ensureHistoryBucket(o, { dryRun: true, retentionDays: 30 })).toMatchObject({
      state: "would-create",
      retentionDays: 30,
    });
    expect(emu.storage.buckets.has(o.bucket)).toBe(false);
  });

  it("another account's bucket is refused, naming HISTORY_BUCKET", async () => {
    const emu = await emulator({ accounts: [{ uin: "200000000001" }] });
    emu.storage.create("taken-1250000000", GZ, "200000000001");
    const o = bucketOf(emu, "taken-1250000000");
    await expect(ensureHistoryBucket(o, { dryRun: false })).rejects.toThrow(/HISTORY_BUCKET/);
    // The other account itself sees it as its own.
    const theirs = bucketOf(emu, "taken-1250000000", keysFor("200000000001"));
    expect((await ensureHistoryBucket(theirs, { dryRun: false })).state).toBe("exists");
  });
});

describe("deploy's history step (SCF)", () => {
  const envOf = (emu: Emulator, extra: Record<string, string> = {}) => ({
    TENCENTCLOUD_SECRET_ID: emu.credentials.secretId,
    TENCENTCLOUD_SECRET_KEY: emu.credentials.secretKey,
    TENCENTCLOUD_REGION: GZ,
    CVM_AUTOPILOT_ENDPOINT: emu.url,
    ...extra,
  });

  it("plans, creates, then leaves the bucket HISTORY_BUCKET names; none without one, or for S3", async () => {
    const emu = await emulator();
    const env = envOf(emu, { HISTORY_BUCKET: "cos://cvm-autopilot-history-1250000000" });
    expect(await historyBucketSteps(envOf(emu), false)).toEqual([]);
    expect(await historyBucketSteps({ ...env, HISTORY_BUCKET: "s3://elsewhere" }, false)).toEqual([]);
    const planned = await historyBucketSteps(env, true);
    expect(planned).toEqual([
      {
        function: "history",
        action: "would create",
        detail: `cos bucket cvm-autopilot-history-1250000000 (${GZ}); run records expire after 400 days`,
      },
    ]);
    expect(emu.storage.buckets.size).toBe(0);
    expect((await historyBucketSteps(env, false))[0]!.action).toBe("created");
    expect((await historyBucketSteps(env, false))[0]).toMatchObject({ action: "unchanged" });
  });

  it("a bucket this key may not use stops the deploy, naming HISTORY_BUCKET", async () => {
    const emu = await emulator({ accounts: [{ uin: "200000000001" }] });
    emu.storage.create("taken-1250000000", GZ, "200000000001");
    await expect(historyBucketSteps(envOf(emu, { HISTORY_BUCKET: "taken-1250000000" }), false)).rejects.toThrow(
      /^HISTORY_BUCKET: cos bucket taken-1250000000/,
    );
  });
});
