import { describe, expect, it } from "vitest";
import type { Emulator } from "../emulator/server.ts";
import { loadConfig } from "../functions/image-sync/config.ts";
import { copyName, parseCopy } from "../functions/image-sync/plan.ts";
import type { ImageSyncReport } from "../functions/image-sync/index.ts";
import { runFunction } from "./helpers/functions.ts";
import { emulator } from "./helpers/world.ts";

const GZ = "ap-guangzhou";
const DESTS = ["ap-shanghai", "ap-beijing", "ap-chengdu"];
const ENV = { IMAGE_SYNC_DESTINATIONS: DESTS.join(",") };
const SYNC_TAG = [{ Key: "autopilot:sync", Value: "true" }];

const golden = (emu: Emulator, o: Record<string, unknown> = {}) =>
  emu.state.addImage({
    Region: GZ,
    ImageName: "golden-web",
    Tags: SYNC_TAG,
    CreatedTime: new Date(Date.now() - 3600_000).toISOString(),
    ...o,
  });
const imagesIn = (emu: Emulator, region: string) => [...emu.state.images.values()].filter((i) => i.Region === region);
/**
 * What happened in a region, one word per source or copy: a write's outcome (`done` sync is
 * `synced`, a `done` deletion `pruned`), otherwise the kind it was kept for.
 */
const status = (r: ImageSyncReport, region: string) => [
  ...r.results
    .filter((i) => i.region === region)
    .map((i) => (i.outcome === "done" ? (i.action === "sync" ? "synced" : "pruned") : i.outcome)),
  ...r.kept.filter((i) => i.region === region).map((i) => i.kind),
];
const deleted = (r: ImageSyncReport) =>
  r.results.filter((i) => i.action === "delete-image" && i.outcome === "done").map((i) => i.id);

describe("image-sync", () => {
  it("a fresh sync to 3 regions: one SyncImages call, copies marked by name; the second run is a no-op", async () => {
    const emu = await emulator();
    const src = golden(emu);
    emu.state.addImage({ Region: GZ, ImageName: "not-tagged" });
    const { report } = await runFunction<ImageSyncReport>("image-sync", emu, ENV);
    expect(report.notes.sources).toEqual([{ imageId: src.ImageId, imageName: "golden-web" }]);
    for (const d of DESTS) expect(status(report, d)).toEqual(["synced"]);
    const calls = emu.callsFor("SyncImages");
    expect(calls).toHaveLength(1);
    expect(calls[0]!.params).toMatchObject({
      ImageIds: [src.ImageId],
      DestinationRegions: DESTS,
      ImageName: copyName(src),
    });
    for (const d of DESTS)
      expect(imagesIn(emu, d).map((i) => i.ImageName)).toEqual([`golden-web-apsync-${src.ImageId.slice(4)}`]);
    expect(report.results.find((i) => i.region === "ap-beijing")!.detail!.imageId).toBe(
      imagesIn(emu, "ap-beijing")[0]!.ImageId,
    );

    const again = await runFunction<ImageSyncReport>("image-sync", emu, ENV);
    for (const d of DESTS) expect(status(again.report, d)).toEqual(["copy present"]);
    expect(emu.callsFor("SyncImages")).toHaveLength(1);
    expect(emu.callsFor("DeleteImages")).toHaveLength(0);
  });

  it("a copy still syncing is reported in progress, then present once NORMAL", async () => {
    const emu = await emulator({ timings: { syncMs: 60_000, stopMs: 0, startMs: 0 } });
    golden(emu);
    await runFunction("image-sync", emu, ENV);
    const mid = await runFunction<ImageSyncReport>("image-sync", emu, ENV);
    expect(status(mid.report, "ap-shanghai")).toEqual(["copy in progress"]);
    emu.advance(60_000);
    const done = await runFunction<ImageSyncReport>("image-sync", emu, ENV);
    expect(status(done.report, "ap-shanghai")).toEqual(["copy present"]);
    expect(emu.callsFor("SyncImages")).toHaveLength(1);
  });

  it("quota full: the oldest copy the tool made is pruned; foreign images never are", async () => {
    const emu = await emulator();
    emu.state.imageQuota = 3;
    const src = golden(emu);
    const foreign = emu.state.addImage({
      Region: "ap-shanghai",
      ImageName: "team-b-image",
      CreatedTime: "2020-01-01T00:00:00Z",
    });
    const older = emu.state.addImage({
      Region: "ap-shanghai",
      ImageName: "golden-web-apsync-aaaaaaaa",
      CreatedTime: "2025-01-01T00:00:00Z",
    });
    const newer = emu.state.addImage({
      Region: "ap-shanghai",
      ImageName: "golden-web-apsync-bbbbbbbb",
      CreatedTime: "2025-06-01T00:00:00Z",
    });
    const { report } = await runFunction<ImageSyncReport>("image-sync", emu, {
      IMAGE_SYNC_DESTINATIONS: "ap-shanghai",
    });
    expect(deleted(report)).toEqual([older.ImageId]);
    expect(report.results.find((i) => i.id === older.ImageId)!.kind).toBe("oldest copy, to make room");
    const left = imagesIn(emu, "ap-shanghai").map((i) => i.ImageId);
    expect(left).toContain(foreign.ImageId);
    expect(left).toContain(newer.ImageId);
    expect(left).not.toContain(older.ImageId);
    expect(left.some((id) => parseCopy(emu.state.images.get(id)!)?.source8 === src.ImageId.slice(4))).toBe(true);
  });

  it("quota full of foreign images: skipped with a clear reason, nothing deleted", async () => {
    const emu = await emulator();
    emu.state.imageQuota = 2;
    golden(emu);
    emu.state.addImage({ Region: "ap-shanghai", ImageName: "theirs-1" });
    emu.state.addImage({ Region: "ap-shanghai", ImageName: "theirs-2" });
    const { report } = await runFunction<ImageSyncReport>("image-sync", emu, {
      IMAGE_SYNC_DESTINATIONS: "ap-shanghai",
    });
    expect(report.results).toEqual([]);
    expect(report.kept).toEqual([
      expect.objectContaining({ kind: "quota full", reason: expect.stringContaining("quota full (2/2") }),
    ]);
    expect(emu.callsFor("DeleteImages")).toHaveLength(0);
    expect(emu.callsFor("SyncImages")).toHaveLength(0);
  });

  it("keeps IMAGE_SYNC_KEEP copies per image name; a copy an instance was made from is never pruned", async () => {
    const emu = await emulator();
    golden(emu);
    const a = emu.state.addImage({
      Region: "ap-shanghai",
      ImageName: "golden-web-apsync-aaaaaaaa",
      CreatedTime: "2025-01-01T00:00:00Z",
    });
    const b = emu.state.addImage({
      Region: "ap-shanghai",
      ImageName: "golden-web-apsync-bbbbbbbb",
      CreatedTime: "2025-02-01T00:00:00Z",
    });
    const c = emu.state.addImage({
      Region: "ap-shanghai",
      ImageName: "golden-web-apsync-cccccccc",
      CreatedTime: "2025-03-01T00:00:00Z",
    });
    emu.state.addInstance({ Region: "ap-shanghai", ImageId: a.ImageId });
    const { report } = await runFunction<ImageSyncReport>("image-sync", emu, {
      IMAGE_SYNC_DESTINATIONS: "ap-shanghai",
    });
    // New copy + c are the two kept; b goes; a is in use and stays.
    expect(deleted(report)).toEqual([b.ImageId]);
    expect(imagesIn(emu, "ap-shanghai").map((i) => i.ImageId)).toEqual(expect.arrayContaining([a.ImageId, c.ImageId]));
  });

  it("a source that is not NORMAL is rejected before any call", async () => {
    const emu = await emulator();
    const creating = emu.state.addImage({ Region: GZ, ImageState: "CREATING" });
    const { report } = await runFunction<ImageSyncReport>("image-sync", emu, {
      ...ENV,
      IMAGE_SYNC_IMAGE_IDS: creating.ImageId,
    });
    expect(
      report.kept
        .filter((i) => i.id === creating.ImageId)
        .every((i) => i.kind === "source not usable" && i.reason.includes("not NORMAL")),
    ).toBe(true);
    expect(emu.callsFor("SyncImages")).toHaveLength(0);
  });

  it.each([50, 100])("a %i GiB image syncs: the current SyncImages has no size limit", async (size) => {
    const emu = await emulator();
    const big = emu.state.addImage({ Region: GZ, ImageName: "golden", ImageSize: size });
    const { report } = await runFunction<ImageSyncReport>("image-sync", emu, {
      ...ENV,
      IMAGE_SYNC_IMAGE_IDS: big.ImageId,
    });
    expect(report.errors).toEqual([]);
    expect(report.results.filter((i) => i.id === big.ImageId).map((i) => i.outcome)).toEqual(
      Array(ENV.IMAGE_SYNC_DESTINATIONS.split(",").length).fill("done"),
    );
  });

  it("every deletion passes the same checks: failed copies kept by tag, launched from, or in a state that cannot be deleted stay", async () => {
    const emu = await emulator();
    const src = golden(emu);
    const name = copyName(src);
    const KEEP = [{ Key: "autopilot:keep", Value: "true" }];
    const mk = (o: Record<string, unknown>) =>
      emu.state.addImage({ Region: "ap-shanghai", ImageName: name, CreatedTime: "2025-01-01T00:00:00Z", ...o });
    const usingKept = mk({ ImageState: "USING", Tags: KEEP });
    const failedKept = mk({ ImageState: "CREATEFAILED", Tags: KEEP });
    const failedInUse = mk({ ImageState: "CREATEFAILED" });
    const importing = mk({ ImageState: "IMPORTFAILED", Tags: KEEP });
    emu.state.addInstance({ Region: "ap-shanghai", ImageId: usingKept.ImageId });
    emu.state.addInstance({ Region: "ap-shanghai", ImageId: failedInUse.ImageId });
    const failedFree = mk({ ImageState: "CREATEFAILED" });
    const { report } = await runFunction<ImageSyncReport>("image-sync", emu, {
      IMAGE_SYNC_DESTINATIONS: "ap-shanghai",
    });
    const deleted = emu.callsFor("DeleteImages").flatMap((c) => (c.params as { ImageIds: string[] }).ImageIds);
    expect(deleted).toEqual([failedFree.ImageId]);
    for (const kept of [usingKept, failedKept, failedInUse, importing])
      expect(emu.state.images.has(kept.ImageId)).toBe(true);
    expect(report.errors).toEqual([]);
    // The name is still held by copies that must stay, so no new copy can be made: said, not tried.
    expect(
      report.kept.find((i) => i.region === "ap-shanghai" && i.kind === "name held by a copy that must stay")!.reason,
    ).toContain("may not be deleted");
    expect(emu.callsFor("SyncImages")).toHaveLength(0);
  });

  it("a destination failing with 5xx is reported; the others still sync", async () => {
    const emu = await emulator();
    golden(emu);
    emu.faults.add({ action: "DescribeImages", region: "ap-beijing", kind: "http5xx" });
    const { report } = await runFunction<ImageSyncReport>("image-sync", emu, ENV);
    expect(status(report, "ap-shanghai")).toEqual(["synced"]);
    expect(status(report, "ap-chengdu")).toEqual(["synced"]);
    expect(status(report, "ap-beijing")).toEqual(["destination could not be read"]);
    expect(report.errors).toEqual([expect.objectContaining({ region: "ap-beijing", code: "ClientError.HttpStatus" })]);
    expect(imagesIn(emu, "ap-beijing")).toEqual([]);
  });

  it("one destination over quota in a multi-region call is isolated", async () => {
    const emu = await emulator();
    golden(emu);
    emu.faults.add({
      action: "SyncImages",
      kind: "error",
      code: "ImageQuotaLimitExceeded",
      match: (p) => (p.DestinationRegions as string[]).includes("ap-chengdu"),
    });
    const { report } = await runFunction<ImageSyncReport>("image-sync", emu, ENV);
    expect(status(report, "ap-shanghai")).toEqual(["synced"]);
    expect(status(report, "ap-chengdu")).toEqual(["failed"]);
    expect(report.results.find((i) => i.region === "ap-chengdu")).toMatchObject({
      outcome: "failed",
      code: "ImageQuotaLimitExceeded",
      requestId: expect.any(String),
    });
  });

  it("unknown destination regions are skipped up front", async () => {
    const emu = await emulator();
    golden(emu);
    const { report } = await runFunction<ImageSyncReport>("image-sync", emu, {
      IMAGE_SYNC_DESTINATIONS: "ap-shanghai,ap-atlantis",
    });
    expect(status(report, "ap-atlantis")).toEqual(["unknown region"]);
    expect(emu.callsFor("SyncImages")[0]!.params).toMatchObject({ DestinationRegions: ["ap-shanghai"] });
  });

  it("dry-run changes nothing", async () => {
    const emu = await emulator();
    emu.state.imageQuota = 1;
    golden(emu);
    emu.state.addImage({ Region: "ap-shanghai", ImageName: "golden-web-apsync-aaaaaaaa" });
    const { report } = await runFunction<ImageSyncReport>("image-sync", emu, {
      IMAGE_SYNC_DESTINATIONS: "ap-shanghai",
      DRY_RUN: "true",
    });
    expect(report.outcomes.planned).toBe(2);
    expect(report.byKind).toEqual({ "copy to make": 1, "oldest copy, to make room": 1 });
    expect(emu.callsFor("SyncImages")).toHaveLength(0);
    expect(emu.callsFor("DeleteImages")).toHaveLength(0);
  });

  it("the newest NORMAL image per name is the source", async () => {
    const emu = await emulator();
    golden(emu, { CreatedTime: "2025-01-01T00:00:00Z" });
    const newest = golden(emu, { CreatedTime: "2025-06-01T00:00:00Z" });
    golden(emu, { CreatedTime: "2025-07-01T00:00:00Z", ImageState: "CREATING" });
    const { report } = await runFunction<ImageSyncReport>("image-sync", emu, {
      IMAGE_SYNC_DESTINATIONS: "ap-shanghai",
    });
    expect(report.notes.sources!.map((s) => s.imageId)).toEqual([newest.ImageId]);
  });

  it.each([
    [{ IMAGE_SYNC_DESTINATIONS: "ap-guangzhou,ap-shanghai" }, "is the source region"],
    [{ IMAGE_SYNC_DESTINATIONS: "" }, "IMAGE_SYNC_DESTINATIONS: required"],
    [
      { IMAGE_SYNC_DESTINATIONS: "ap-shanghai", IMAGE_SYNC_IMAGE_IDS: "img-12345678", IMAGE_SYNC_NAME_PREFIX: "g" },
      "set one, not both",
    ],
    [{ IMAGE_SYNC_DESTINATIONS: "ap-shanghai", IMAGE_SYNC_IMAGE_IDS: "image1" }, "is not an image id"],
  ])("config error %j", (env, msg) => {
    expect(() =>
      loadConfig({ TENCENTCLOUD_SECRET_ID: "a", TENCENTCLOUD_SECRET_KEY: "bbbbbbbb", TENCENTCLOUD_REGION: GZ, ...env }),
    ).toThrow(msg);
  });
});
