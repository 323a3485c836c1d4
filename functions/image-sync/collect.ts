/** Reads what image-sync decides from: the source images, and each destination's images, quota and use. */
import { forEachRegion } from "../../lib/runtime/regions.ts";
import { settleAll } from "../../lib/settle.ts";
import type { ErrorEntry } from "../../lib/report/report-head.ts";
import { errorRecord } from "../../lib/tencent/errors.ts";
import { requireNumber } from "../../lib/tencent/normalize.ts";
import { api, listAll, pages } from "../../lib/tencent/services.ts";
import type { TencentCloudClient } from "../../lib/tencent/client.ts";
import type { Filter, Image } from "../../lib/tencent/data-types.ts";
import { newestPerName, parseCopy, type DestInventory } from "./plan.ts";
import type { ImageSyncConfig } from "./config.ts";

const PRIVATE: Filter = { Name: "image-type", Values: ["PRIVATE_IMAGE"] };

export async function selectSources(client: TencentCloudClient, config: ImageSyncConfig): Promise<Image[]> {
  const s = config.selection;
  if (s.by === "ids") return listAll(client, "DescribeImages", config.sourceRegion, { ImageIds: s.ids });
  const filters = s.by === "tag" ? [PRIVATE, { Name: `tag:${s.tag.key}`, Values: [s.tag.value] }] : [PRIVATE];
  const all = await listAll(client, "DescribeImages", config.sourceRegion, { Filters: filters });
  // Never treat our own copies as sources: that would sync copies of copies.
  const eligible = all.filter(
    (i) => !parseCopy(i) && i.ImageState === "NORMAL" && (s.by !== "prefix" || i.ImageName.startsWith(s.prefix)),
  );
  return newestPerName(eligible);
}

async function inventory(client: TencentCloudClient, region: string): Promise<DestInventory> {
  const [images, quota] = await settleAll([
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
  return {
    region,
    images,
    quota: requireNumber(quota as unknown as Record<string, unknown>, "ImageNumQuota", "DescribeImageQuota", region),
    inUse,
  };
}

/** Every destination's inventory; a destination that cannot be read is an error of its own. */
export async function inventories(
  client: TencentCloudClient,
  regions: string[],
): Promise<{ dests: DestInventory[]; failed: Array<ErrorEntry & { region: string }> }> {
  const dests: DestInventory[] = [];
  const failed: Array<ErrorEntry & { region: string }> = [];
  for (const r of await forEachRegion(regions, (region) => inventory(client, region))) {
    if (r.value) dests.push(r.value);
    else failed.push({ region: r.region, ...errorRecord(r.error) });
  }
  return { dests, failed };
}
