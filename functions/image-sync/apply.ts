/**
 * Carries out image-sync's decisions: our copies to delete first (freeing quota), 100 ids a
 * DeleteImages call per region; then one SyncImages per source for all its destinations, named
 * so the copy is recognisable even if the run dies right after the call.
 */
import { applyBatched, outcomeOf } from "../../lib/runtime/batch-apply.ts";
import { keyOf, type Outcome } from "../../lib/runtime/spec.ts";
import { errorRecord, TencentCloudApiError } from "../../lib/tencent/errors.ts";
import { api, batchSizeOf } from "../../lib/tencent/services.ts";
import type { TencentCloudClient } from "../../lib/tencent/client.ts";
import type { Image } from "../../lib/tencent/data-types.ts";
import { copyName, type SyncDecision } from "./plan.ts";

/**
 * Codes that concern one destination (current SyncImages error codes): a multi-region call
 * failing with one of these is retried one region at a time, so the others still sync.
 */
const PER_DESTINATION = (code: string) =>
  code === "InvalidParameterValue.InvalidRegion" ||
  code === "UnsupportedOperation.Region" ||
  code === "InvalidImageName.Duplicate" ||
  code === "ImageQuotaLimitExceeded" ||
  code.startsWith("InvalidRegion.");

async function sync(
  client: TencentCloudClient,
  sourceRegion: string,
  src: Image,
  dests: string[],
  out: Map<string, Outcome>,
): Promise<void> {
  try {
    const res = await api(client).syncImages(sourceRegion, {
      ImageIds: [src.ImageId],
      DestinationRegions: dests,
      ImageName: copyName(src),
      ImageSetRequired: true,
    });
    for (const d of dests) {
      const imageId = res.ImageSet?.find((x) => x.Region === d)?.ImageId;
      out.set(keyOf({ region: d, id: src.ImageId }), {
        status: "done",
        requestId: res.RequestId,
        ...(imageId ? { detail: { imageId } } : {}),
      });
    }
  } catch (err) {
    if (dests.length > 1 && err instanceof TencentCloudApiError && PER_DESTINATION(err.code)) {
      await Promise.all(dests.map((d) => sync(client, sourceRegion, src, [d], out)));
      return;
    }
    const e = errorRecord(err);
    for (const d of dests)
      out.set(keyOf({ region: d, id: src.ImageId }), {
        status: "failed",
        code: e.code,
        message: e.message,
        requestId: e.requestId,
      });
  }
}

export async function applySync(
  client: TencentCloudClient,
  sourceRegion: string,
  sources: Image[],
  acting: SyncDecision[],
): Promise<Map<string, Outcome>> {
  const out = new Map<string, Outcome>();
  const deletes = new Map<string, string[]>();
  for (const d of acting.filter((x) => x.action === "delete-image"))
    deletes.set(d.region, [...(deletes.get(d.region) ?? []), d.id]);
  await Promise.all(
    [...deletes].map(async ([region, ids]) => {
      for (const r of await applyBatched(ids, batchSizeOf("DeleteImages"), (batch) =>
        api(client).deleteImages(region, { ImageIds: batch }),
      )) {
        out.set(keyOf({ region, id: r.id }), outcomeOf(r));
      }
    }),
  );
  const syncs = new Map<string, string[]>();
  for (const d of acting.filter((x) => x.action === "sync")) syncs.set(d.id, [...(syncs.get(d.id) ?? []), d.region]);
  for (const [srcId, regions] of syncs)
    await sync(client, sourceRegion, sources.find((s) => s.ImageId === srcId)!, regions, out);
  return out;
}
