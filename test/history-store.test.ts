/** The history store's backends: the SigV4 signer's golden vector, a COS bucket on the emulator, a local directory, and their error paths. */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { signV4 } from "../lib/tencent/sigv4.ts";
import { bucketStore } from "../lib/history/s3-store.ts";
import { defaultHistoryDir, localStore } from "../lib/history/local-store.ts";
import type { HistoryStore } from "../lib/history/store.ts";
import { emulator } from "./helpers/world.ts";
import type { Emulator } from "../emulator/server.ts";
import { DEMO_UIN } from "../emulator/server.ts";

const GZ = "ap-guangzhou";
const cos = (emu: Emulator, bucket = "history-1250000000", secretKey = emu.credentials.secretKey) =>
  bucketStore({
    kind: "cos",
    bucket,
    region: GZ,
    endpoint: emu.url,
    credentials: () => ({ secretId: emu.credentials.secretId, secretKey }),
  });

describe("SigV4", () => {
  it("signs AWS's published GET Object example exactly (S3 API reference, 'Example: GET Object')", () => {
    const h = signV4({
      credentials: { secretId: "AKIAIOSFODNN7EXAMPLE", secretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" },
      service: "s3",
      region: "us-east-1",
      method: "GET",
      path: "/test.txt",
      headers: { Host: "examplebucket.s3.amazonaws.com", Range: "bytes=0-9" },
      payloadHash: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      time: Date.parse("2013-05-24T00:00:00Z"),
    });
    expect(h.authorization).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
    );
  });
});

/** The same contract, whichever backend. */
async function contract(store: HistoryStore) {
  await store.create("runs/a/2026-11-30/0900-x.json", '{"n":1}');
  await store.create("runs/a/2026-11-30/0905-y.json", '{"n":2}');
  await store.create("runs/b/2026-11-30/0900-z.json", '{"n":3}');
  expect(await store.get("runs/a/2026-11-30/0905-y.json")).toBe('{"n":2}');
  expect(await store.get("runs/a/nothing.json")).toBeUndefined();
  expect(await store.list("runs/a/")).toEqual(["runs/a/2026-11-30/0900-x.json", "runs/a/2026-11-30/0905-y.json"]);
  expect(await store.list("runs/c/")).toEqual([]);
  await expect(store.create("../escape.json", "x")).rejects.toMatchObject({ code: "InvalidKey" });
}

describe("a COS bucket on the emulator", () => {
  it("writes, reads and lists (over several ListObjectsV2 pages), each request signed and verified", async () => {
    const emu = await emulator();
    const b = emu.storage.create("history-1250000000", GZ, DEMO_UIN);
    b.pageSize = 1;
    await contract(cos(emu));
    expect(b.objects.size).toBe(3);
  });

  it("a missing bucket, a refused write and a wrong key are errors naming the code", async () => {
    const emu = await emulator();
    await expect(cos(emu).create("runs/x.json", "{}")).rejects.toMatchObject({ code: "NoSuchBucket" });
    await expect(cos(emu).list("runs/")).rejects.toMatchObject({ code: "NoSuchBucket" });
    const b = emu.storage.create("history-1250000000", GZ, DEMO_UIN);
    b.refuseWrites = true;
    await expect(cos(emu).create("runs/x.json", "{}")).rejects.toMatchObject({ code: "AccessDenied" });
    await expect(cos(emu, undefined, "wrong-key").get("runs/x.json")).rejects.toMatchObject({
      code: "SignatureDoesNotMatch",
    });
  });
});

describe("a local directory", () => {
  it("keeps the same contract, and never overwrites an object", async () => {
    const store = localStore(await mkdtemp(join(tmpdir(), "history-")));
    await contract(store);
    await expect(store.create("runs/a/2026-11-30/0900-x.json", "again")).rejects.toMatchObject({ code: "EEXIST" });
    expect(await store.get("runs/a/2026-11-30/0900-x.json")).toBe('{"n":1}');
  });

  it("a refused write (the directory is a file) is an error naming the path", async () => {
    const dir = await mkdtemp(join(tmpdir(), "history-"));
    await writeFile(join(dir, "blocked"), "a file, not a directory");
    await expect(localStore(join(dir, "blocked")).create("runs/x.json", "{}")).rejects.toMatchObject({
      code: "ENOTDIR",
    });
  });

  it("lives in the XDG state directory unless REPORT_DIR moves it", () => {
    const home = { HOME: "/home/a" };
    expect(defaultHistoryDir(home)).toBe("/home/a/.local/state/cvm-autopilot/history");
    expect(defaultHistoryDir({ ...home, XDG_STATE_HOME: "/var/st" })).toBe("/var/st/cvm-autopilot/history");
    expect(defaultHistoryDir({ ...home, XDG_STATE_HOME: "relative" })).toBe(
      "/home/a/.local/state/cvm-autopilot/history",
    );
    expect(defaultHistoryDir({ ...home, REPORT_DIR: "/r" })).toBe("/r/history");
    // No HOME, no XDG_STATE_HOME, no REPORT_DIR (a bare service, a test's child): no directory is assumed.
    expect(defaultHistoryDir({})).toBeUndefined();
  });
});

describe("the functions' CAM policy", () => {
  it("allows the three object calls on the history bucket only when HISTORY_BUCKET names one", async () => {
    const { camPolicyFor } = await import("../lib/deploy/cam-policy.ts");
    const fn = { name: "office-hours", calls: [] };
    expect(JSON.stringify(camPolicyFor(fn, {}))).not.toContain("cos:");
    expect(camPolicyFor(fn, { HISTORY_BUCKET: "cos://history-1250000000" }).statement.at(-1)).toEqual({
      effect: "allow",
      action: ["cos:PutObject", "cos:GetObject", "cos:GetBucket"],
      resource: ["qcs::cos:*:uid/*:history-1250000000/*"],
    });
  });
});
