/** Image actions: DescribeImages, DescribeImageQuota, SyncImages, DeleteImages (the 2018 CVM API 3.0 reference). */
import { ApiFault, bool, checkIdFormat, filters, idList, paging, str } from "../api-fault.ts";
import type { EmuImage } from "../state.ts";
import { publicImage } from "../views.ts";
import type { Handler, HandlerContext } from "./context.ts";

const IMAGE_FILTERS = new Set(["image-id", "image-type", "image-state", "image-name"]);
/** States DeleteImages accepts; an image in motion (CREATING, SYNCING, IMPORTING) is refused. */
const DELETABLE_STATES = new Set(["NORMAL", "CREATEFAILED", "IMPORTFAILED"]);

function findImage(ctx: HandlerContext, id: string): EmuImage {
  checkIdFormat("img", id);
  const img = ctx.state.images.get(id);
  if (!img || img.Region !== ctx.region)
    throw new ApiFault("InvalidImageId.NotFound", `The image \`${id}\` cannot be found.`);
  return ctx.state.settle(img);
}

const customCount = (ctx: HandlerContext, region: string) =>
  ctx.state.imagesIn(region).filter((i) => i.ImageType === "PRIVATE_IMAGE").length;

const describeImages: Handler = (ctx) => {
  const ids = idList(ctx.params, "ImageIds");
  const fs = filters(ctx.params, (n) => IMAGE_FILTERS.has(n) || n.startsWith("tag:"));
  if (ids.length && fs.length)
    throw new ApiFault(
      "InvalidParameter.InvalidParameterCoexistImageIdsFilters",
      "ImageIds and Filters cannot be specified at the same time.",
    );
  const { offset, limit } = paging(ctx.params);
  for (const id of ids) checkIdFormat("img", id);
  const rows = ctx.state.imagesIn(ctx.region).filter((img) => {
    if (ids.length) return ids.includes(img.ImageId);
    return fs.every((f) => {
      switch (f.Name) {
        case "image-id":
          return f.Values.includes(img.ImageId);
        case "image-type":
          return f.Values.includes(img.ImageType);
        case "image-state":
          return f.Values.includes(img.ImageState);
        case "image-name":
          return f.Values.includes(img.ImageName);
        default: {
          const key = f.Name.slice(4);
          return (img.Tags ?? []).some((t) => t.Key === key && f.Values.includes(t.Value));
        }
      }
    });
  });
  return { TotalCount: rows.length, ImageSet: rows.slice(offset, offset + limit).map(publicImage) };
};

const syncImages: Handler = (ctx) => {
  const ids = idList(ctx.params, "ImageIds", { required: true });
  const dests = idList(ctx.params, "DestinationRegions", { required: true });
  const dryRun = bool(ctx.params, "DryRun");
  const name = str(ctx.params, "ImageName");
  const sources = ids.map((id) => findImage(ctx, id));
  for (const src of sources) {
    if (src.ImageState !== "NORMAL")
      throw new ApiFault(
        "InvalidImageId.IncorrectState",
        `The image \`${src.ImageId}\` is ${src.ImageState}, not NORMAL.`,
      );
    // No size limit: "under 50 GB" was the legacy page's rule; the current SyncImages states none.
  }
  for (const r of dests) {
    // Per-destination codes of the current SyncImages error list.
    if (!ctx.state.regions.includes(r))
      throw new ApiFault("InvalidParameterValue.InvalidRegion", `The region \`${r}\` is not valid.`);
    if (r === ctx.region)
      throw new ApiFault("UnsupportedOperation.Region", `The destination \`${r}\` is the source region.`);
    if (name && ctx.state.imagesIn(r).some((i) => i.ImageName === name))
      throw new ApiFault("InvalidImageName.Duplicate", `An image named \`${name}\` already exists in \`${r}\`.`);
    if (customCount(ctx, r) + sources.length > ctx.state.imageQuota) {
      throw new ApiFault(
        "ImageQuotaLimitExceeded",
        `Region \`${r}\` has reached its quota of ${ctx.state.imageQuota} custom images.`,
      );
    }
  }
  if (dryRun) throw new ApiFault("DryRunOperation", "The request would have succeeded.");
  const imageSet: Array<{ ImageId: string; Region: string }> = [];
  for (const src of sources) {
    for (const r of dests) {
      const { ImageId: _sourceId, ...attributes } = structuredClone(publicImage(src));
      const copy = ctx.state.addImage({
        ...attributes,
        Region: r,
        ImageName: name ?? src.ImageName,
        ImageState: ctx.state.timings.syncMs > 0 ? "SYNCING" : "NORMAL",
        readyAt: ctx.state.timings.syncMs > 0 ? ctx.state.now() + ctx.state.timings.syncMs : undefined,
        sourceImageId: src.ImageId,
        ImageSource: "SYNC_IMAGE",
        CreatedTime: new Date(ctx.state.now()).toISOString().replace(/\.\d{3}Z$/, "Z"),
      });
      imageSet.push({ ImageId: copy.ImageId, Region: r });
    }
  }
  // The copies are listed when ImageSetRequired is true; without it ImageSet is there but empty
  // (witness cvm.SyncImages.json: {"ImageSet": []}).
  return { ImageSet: bool(ctx.params, "ImageSetRequired") ? imageSet : [] };
};

const deleteImages: Handler = (ctx) => {
  const imgs = idList(ctx.params, "ImageIds", { required: true }).map((id) => findImage(ctx, id));
  for (const img of imgs) {
    if (img.ImageType !== "PRIVATE_IMAGE")
      throw new ApiFault("InvalidImageId.InShared", `The image \`${img.ImageId}\` is not a custom image.`);
    // Seed DeleteImages: images that are being created or copied cannot be deleted.
    if (!DELETABLE_STATES.has(img.ImageState)) {
      throw new ApiFault("InvalidImageId.IncorrectState", `The image \`${img.ImageId}\` is ${img.ImageState}.`);
    }
  }
  for (const img of imgs) ctx.state.images.delete(img.ImageId);
  return {};
};

export const imageHandlers: Record<string, Handler> = {
  DescribeImages: describeImages,
  DescribeImageQuota: (ctx) => ({ ImageNumQuota: ctx.state.imageQuota }),
  SyncImages: syncImages,
  DeleteImages: deleteImages,
};
