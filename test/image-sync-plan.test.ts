/** image-sync's pure plan, table-tested: what it decides per source and destination, and which copies it deletes. */
import { describe, expect, it } from "vitest";
import { copyName, plan, type DestInventory } from "../functions/image-sync/plan.ts";
import type { Image } from "../lib/tencent/data-types.ts";

const anImage = (o: Partial<Image> = {}): Image => ({
  ImageId: "img-src00001",
  ImageName: "golden",
  ImageDescription: "",
  ImageSize: 50,
  ImageState: "NORMAL",
  ImageType: "PRIVATE_IMAGE",
  CreatedTime: "2026-01-01T00:00:00Z",
  OsName: "TencentOS",
  Platform: "TencentOS",
  Architecture: "x86_64",
  Tags: [],
  ...o,
});
const SRC = anImage();
const copy = (o: Partial<Image> = {}) =>
  anImage({ ImageId: `img-c${Math.random().toString(36).slice(2, 9)}`, ImageName: copyName(SRC), ...o });
const ownOld = (n: number) =>
  anImage({
    ImageId: `img-old0000${n}`,
    ImageName: `golden-apsync-old0000${n}`,
    CreatedTime: `2025-0${n}-01T00:00:00Z`,
  });
const dest = (images: Image[], o: Partial<DestInventory> = {}): DestInventory => ({
  region: "ap-shanghai",
  images,
  quota: 10,
  inUse: new Set(),
  ...o,
});
const POLICY = { keep: 2, keepTag: { key: "autopilot:keep", value: "true" }, maxDeletes: 20 };
const KEEP = [{ Key: "autopilot:keep", Value: "true" }];

/** Decisions as `kind action? id`, for compact expectations. */
const brief = (images: Image[], d: Partial<DestInventory> = {}, policy = POLICY) =>
  plan([SRC], [dest(images, d)], policy)
    .map((x) => `${x.kind}${x.action ? ` ${x.action}` : ""} ${x.id}`)
    .sort();

describe("image-sync plan", () => {
  const failedFree = copy({ ImageId: "img-failed01", ImageState: "CREATEFAILED" });
  const failedKept = copy({ ImageId: "img-failed02", ImageState: "CREATEFAILED", Tags: KEEP });
  const syncing = copy({ ImageId: "img-syncing1", ImageState: "SYNCING" });
  const ready = copy({ ImageId: "img-ready001" });
  const ready2 = copy({ ImageId: "img-ready002", CreatedTime: "2026-02-01T00:00:00Z" });
  const foreign = (n: number) => anImage({ ImageId: `img-theirs0${n}`, ImageName: `theirs-${n}` });

  it.each([
    ["no copy: make one", [], {}, ["missing sync img-src00001"]],
    ["a NORMAL copy: present", [ready], {}, ["present img-src00001"]],
    ["a copy on its way: in progress", [syncing], {}, ["in-progress img-src00001"]],
    [
      "a failed copy is deleted and replaced",
      [failedFree],
      {},
      ["failed-copy delete-image img-failed01", "missing sync img-src00001"],
    ],
    ["a failed copy kept by tag holds the name: said, not retried", [failedKept], {}, ["name-held img-src00001"]],
    [
      "a failed copy an instance was made from holds the name",
      [failedFree],
      { inUse: new Set(["img-failed01"]) },
      ["name-held img-src00001"],
    ],
    [
      "two ready copies: the second is a duplicate",
      [ready, ready2],
      {},
      ["duplicate-copy delete-image img-ready002", "present img-src00001"],
    ],
    ["quota full of foreign images: skipped", [foreign(1), foreign(2)], { quota: 2 }, ["quota-full img-src00001"]],
    [
      "quota full: our oldest copy makes room",
      [foreign(1), ownOld(1)],
      { quota: 2 },
      ["make-room delete-image img-old00001", "missing sync img-src00001"],
    ],
    [
      "more than IMAGE_SYNC_KEEP copies of a name: the oldest goes",
      [ownOld(1), ownOld(2), ownOld(3)],
      {},
      ["missing sync img-src00001", "over-keep delete-image img-old00001", "over-keep delete-image img-old00002"],
    ],
    [
      "a copy an instance uses is never deleted",
      [ownOld(1), ownOld(2), ownOld(3)],
      { inUse: new Set(["img-old00001"]) },
      ["missing sync img-src00001", "over-keep delete-image img-old00002"],
    ],
  ])("%s", (_n, images, d, expected) => {
    expect(brief(images as Image[], d as Partial<DestInventory>)).toEqual(expected);
  });

  it("IMAGE_SYNC_MAX_DELETES is a budget across every destination", () => {
    const dests = ["ap-shanghai", "ap-beijing"].map((region) => dest([ownOld(1), ownOld(2), ownOld(3)], { region }));
    const deletes = plan([SRC], dests, { ...POLICY, maxDeletes: 3 }).filter((d) => d.action === "delete-image");
    expect(deletes).toHaveLength(3);
  });

  it("a copy in a state the model does not list is never deleted", () => {
    expect(brief([copy({ ImageId: "img-weird001", ImageState: "USING" as Image["ImageState"] })])).toEqual([
      "name-held img-src00001",
    ]);
  });
});
