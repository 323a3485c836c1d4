/**
 * Writes tags on CVM instances through the Tag API's TagResources: at most 10 resources a call,
 * named in the six-segment form `qcs::cvm:<region>:uin/<account uin>:instance/<id>` (tccli
 * tag/v20180813/api.json; CAM's resource description docs). The uin is the instance owner's root
 * account, which GetCallerIdentity names as AccountId; it is asked once per client.
 */
import { callerAccount } from "../accounts/resolve.ts";
import { applyBatched, type ItemResult } from "./batch-apply.ts";
import type { TencentCloudClient } from "../tencent/client.ts";
import { errorRecord } from "../tencent/errors.ts";
import { api, batchSizeOf } from "../tencent/services.ts";

const uins = new WeakMap<TencentCloudClient, Promise<string>>();

function accountUin(client: TencentCloudClient, region: string): Promise<string> {
  let uin = uins.get(client);
  if (!uin) {
    uin = callerAccount(client, region).then((a) => a.uin);
    // A failed look-up is asked again next time, not remembered.
    uin.catch(() => uins.delete(client));
    uins.set(client, uin);
  }
  return uin;
}

export const instanceResource = (region: string, uin: string, id: string) =>
  `qcs::cvm:${region}:uin/${uin}:instance/${id}`;

/** Sets `tags` on instances of one region; a result per id (the API answers per resource in FailedResources). */
export async function tagInstances(
  client: TencentCloudClient,
  region: string,
  ids: readonly string[],
  tags: Record<string, string>,
): Promise<ItemResult[]> {
  const Tags = Object.entries(tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue }));
  return writeTags(client, region, ids, (ResourceList) => api(client).tagResources(undefined, { ResourceList, Tags }));
}

/** Removes tag keys from instances of one region (UnTagResources, 10 keys a call; a key an instance lacks is no failure); a result per id. */
export async function untagInstances(
  client: TencentCloudClient,
  region: string,
  ids: readonly string[],
  keys: readonly string[],
): Promise<ItemResult[]> {
  const byId = new Map<string, ItemResult>();
  for (let i = 0; i < keys.length; i += 10) {
    const TagKeys = keys.slice(i, i + 10);
    const results = await writeTags(client, region, ids, (ResourceList) =>
      api(client).unTagResources(undefined, { ResourceList, TagKeys }),
    );
    // Per id, its first failure in any group of keys stands.
    for (const r of results) if (byId.get(r.id)?.ok !== false) byId.set(r.id, r);
  }
  return [...byId.values()];
}

/** One Tag API write over instances, 10 resources a call, each failure read from FailedResources. */
async function writeTags(
  client: TencentCloudClient,
  region: string,
  ids: readonly string[],
  send: (
    resources: string[],
  ) => Promise<{ RequestId: string; FailedResources?: Array<{ Resource: string; Code: string; Message: string }> }>,
): Promise<ItemResult[]> {
  let uin: string;
  try {
    uin = await accountUin(client, region);
  } catch (err) {
    const e = errorRecord(err);
    return ids.map((id) => ({
      id,
      ok: false,
      code: e.code,
      message: `the account's uin for the tag's resource name is unknown (GetCallerIdentity): ${e.message}`,
      requestId: e.requestId,
    }));
  }
  return applyBatched(ids, batchSizeOf("TagResources"), async (batch) => {
    const byResource = new Map(batch.map((id) => [instanceResource(region, uin, id), id]));
    // The Tag API is global: no Region, so a finance region's caller still reaches tag.tencentcloudapi.com.
    const res = await send([...byResource.keys()]);
    const failed = new Map<string, { code: string; message: string }>();
    for (const f of res.FailedResources ?? []) {
      const id = byResource.get(f.Resource);
      if (id) failed.set(id, { code: f.Code, message: f.Message });
    }
    return { RequestId: res.RequestId, failed };
  });
}
