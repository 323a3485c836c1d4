/** image-sync, platform-neutral: event -> config -> inventory -> plan -> apply -> report. */
import { applyBatched } from "../../lib/runtime/batch-apply.ts";
import { availableRegions, forEachRegion, type RunDeps } from "../../lib/runtime/runtime.ts";
import { narrow, type ErrorEntry, type ReportBase, type Trigger } from "../../lib/runtime/trigger.ts";
import { errorRecord, TencentCloudApiError } from "../../lib/tencent/errors.ts";
import { requireNumber } from "../../lib/tencent/normalize.ts";
import { api, batchSizeOf, listAll, pages } from "../../lib/tencent/services.ts";
import type { TencentCloudClient } from "../../lib/tencent/client.ts";
import type { Filter, Image } from "../../lib/tencent/types.ts";
import { copyName, newestPerName, parseCopy, plan, sourceProblem, type DestInventory, type Item } from "./plan.ts";
import type { ImageSyncConfig } from "./config.ts";

export interface ImageSyncReport extends ReportBase {
  sourceRegion: string;
  sources: Array<{ imageId: string; imageName: string }>;
  items: Item[];
  counts: Record<string, number>;
}

const PRIVATE: Filter = { Name: "image-type", Values: ["PRIVATE_IMAGE"] };

async function selectSources(client: TencentCloudClient, config: ImageSyncConfig): Promise<Image[]> {
  const s = config.selection;
  if (s.by === "ids") return listAll(client, "DescribeImages", config.sourceRegion, { ImageIds: s.ids });
  const filters = s.by === "tag" ? [PRIVATE, { Name: `tag:${s.tag.key}`, Values: [s.tag.value] }] : [PRIVATE];
  const all = await listAll(client, "DescribeImages", config.sourceRegion, { Filters: filters });
  // Never treat our own copies as sources: that would sync copies of copies.
  const eligible = all.filter((i) => !parseCopy(i) && i.ImageState === "NORMAL" && (s.by !== "prefix" || i.ImageName.startsWith(s.prefix)));
  return newestPerName(eligible);
}

async function inventory(client: TencentCloudClient, region: string): Promise<DestInventory> {
  const [images, quota] = await Promise.all([
    listAll(client, "DescribeImages", region, { Filters: [PRIVATE] }),
    api(client).describeImageQuota(region, {}),
  ]);
  // Which images instances were created from: DescribeInstances has no `image-id` filter (it is
  // DescribeImages'; the official model lists DescribeInstances' filters), so the region's
  // instances are read whole. Only when we have copies here that a prune might touch.
  const inUse = new Set<string>();
  if (images.some((i) => parseCopy(i))) {
    for await (const page of pages(client, "DescribeInstances", region, {})) for (const r of page) inUse.add(r.ImageId);
  }
  return { region, images, quota: requireNumber(quota as unknown as Record<string, unknown>, "ImageNumQuota", "DescribeImageQuota", region), inUse };
}

/**
 * Codes that concern one destination (current SyncImages error codes): a multi-region call
 * failing with one of these is retried one region at a time, so the others still sync.
 */
const PER_DESTINATION = (code: string) =>
  code === "InvalidParameterValue.InvalidRegion" || code === "UnsupportedOperation.Region" || code === "InvalidImageName.Duplicate" ||
  code === "ImageQuotaLimitExceeded" || code.startsWith("InvalidRegion.");

async function sync(client: TencentCloudClient, region: string, src: Image, dests: string[]): Promise<Item[]> {
  const base = { sourceImageId: src.ImageId, imageName: src.ImageName };
  try {
    const res = await api(client).syncImages(region, { ImageIds: [src.ImageId], DestinationRegions: dests, ImageName: copyName(src), ImageSetRequired: true });
    return dests.map((d) => ({ ...base, region: d, status: "synced", requestId: res.RequestId, imageId: res.ImageSet?.find((x) => x.Region === d)?.ImageId }));
  } catch (err) {
    if (dests.length > 1 && err instanceof TencentCloudApiError && PER_DESTINATION(err.code)) {
      return (await Promise.all(dests.map((d) => sync(client, region, src, [d])))).flat();
    }
    const e = errorRecord(err);
    return dests.map((d) => ({ ...base, region: d, status: "failed", code: e.code, reason: e.message, requestId: e.requestId }));
  }
}

export async function run(config: ImageSyncConfig, trigger: Trigger, deps: RunDeps): Promise<ImageSyncReport> {
  const startedAt = deps.now();
  const { client } = deps;
  const known = await availableRegions(client, config.sourceRegion);
  const wanted = config.destinations === "all" ? known.filter((r) => r !== config.sourceRegion) : config.destinations;
  const n = narrow(config.dryRun, wanted, trigger);
  const errors: ErrorEntry[] = [];
  const items: Item[] = [];

  const selected = await selectSources(client, config);
  const sources: Image[] = [];
  for (const src of selected) {
    const problem = sourceProblem(src);
    if (problem) for (const r of n.regions) items.push({ sourceImageId: src.ImageId, imageName: src.ImageName, region: r, status: "skipped", reason: problem });
    else sources.push(src);
  }
  if (config.selection.by === "ids") {
    for (const id of config.selection.ids.filter((id) => !selected.some((s) => s.ImageId === id))) {
      errors.push({ region: config.sourceRegion, id, code: "InvalidImageId.NotFound", message: `image ${id} is not in ${config.sourceRegion}` });
    }
  }
  const dests: DestInventory[] = [];
  const validRegions = n.regions.filter((r) => {
    if (known.includes(r)) return true;
    for (const s of sources) items.push({ sourceImageId: s.ImageId, imageName: s.ImageName, region: r, status: "skipped", reason: "unknown region (not in DescribeRegions)" });
    return false;
  });
  if (sources.length) {
    for (const r of await forEachRegion(validRegions, (region) => inventory(client, region))) {
      if (r.value) dests.push(r.value);
      else {
        const e = errorRecord(r.error);
        errors.push({ region: r.region, ...e });
        for (const s of sources) items.push({ sourceImageId: s.ImageId, imageName: s.ImageName, region: r.region, status: "failed", code: e.code, reason: "could not read the destination", requestId: e.requestId });
      }
    }
  }
  const p = plan(sources, dests, { keep: config.keep, keepTag: config.keepTag, maxDeletes: config.maxDeletes });
  items.push(...p.items);

  if (n.dryRun) {
    for (const [srcId, regions] of p.syncs) {
      const src = sources.find((s) => s.ImageId === srcId)!;
      for (const region of regions) items.push({ sourceImageId: srcId, imageName: src.ImageName, region, status: "synced", reason: "dry run: would sync" });
    }
  } else {
    const byRegion = new Map<string, string[]>();
    for (const pr of p.prunes) byRegion.set(pr.region, [...(byRegion.get(pr.region) ?? []), pr.imageId]);
    await Promise.all([...byRegion].map(async ([region, ids]) => {
      for (const r of await applyBatched(ids, batchSizeOf("DeleteImages"), (batch) => api(client).deleteImages(region, { ImageIds: batch }))) {
        const item = items.find((i) => i.status === "pruned" && i.imageId === r.id)!;
        if (r.ok) item.requestId = r.requestId;
        else {
          Object.assign(item, { status: "failed", code: r.code, reason: `prune failed: ${r.message}`, requestId: r.requestId });
          errors.push({ region, id: r.id, action: "DeleteImages", code: r.code, message: r.message, requestId: r.requestId });
        }
      }
    }));
    for (const [srcId, regions] of p.syncs) {
      const results = await sync(client, config.sourceRegion, sources.find((s) => s.ImageId === srcId)!, regions);
      items.push(...results);
      for (const f of results.filter((x) => x.status === "failed")) {
        errors.push({ region: f.region, id: srcId, action: "SyncImages", code: f.code ?? "Unknown", message: f.reason ?? "", requestId: f.requestId });
      }
    }
  }
  const counts: Record<string, number> = {};
  for (const i of items) counts[i.status] = (counts[i.status] ?? 0) + 1;
  const report: ImageSyncReport = {
    function: "image-sync", runId: deps.runId, trigger: trigger.source, dryRun: n.dryRun, startedAt: startedAt.toISOString(),
    finishedAt: deps.now().toISOString(), regions: n.regions, sourceRegion: config.sourceRegion,
    sources: sources.map((s) => ({ imageId: s.ImageId, imageName: s.ImageName })), items, counts, errors,
  };
  deps.logger.info("image-sync finished", { sources: sources.length, ...counts, errors: errors.length, dryRun: n.dryRun });
  return report;
}
