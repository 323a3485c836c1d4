/** Stops what the plan decided: per region, 100 ids a call, bad ids isolated by bisection. */
import { applyBatched, outcomeOf } from "../../lib/runtime/batch-apply.ts";
import { keyOf, type Outcome } from "../../lib/runtime/spec.ts";
import { api, batches, batchSizeOf } from "../../lib/tencent/services.ts";
import { tagsOf } from "../../lib/tencent/normalize.ts";
import type { TencentCloudClient } from "../../lib/tencent/client.ts";
import { STATE_CHANGED_CODES } from "../../lib/tencent/instance-codes.ts";
import type { Decision } from "./plan.ts";
import { untagInstances } from "../../lib/tencent/instance-tags.ts";
import { SNOOZE_TAG } from "../../lib/snooze/snooze.ts";

export interface StopOptions {
  stoppedMode: "STOP_CHARGING" | "KEEP_CHARGING";
  stopType: "SOFT" | "HARD" | "SOFT_FIRST";
}

export async function applyStops(
  client: TencentCloudClient,
  stops: Decision[],
  opts: StopOptions,
): Promise<Map<string, Outcome>> {
  const byRegion = new Map<string, string[]>();
  // A set per region: an instance is never sent twice, whatever the listing did.
  for (const d of stops) byRegion.set(d.region, [...new Set([...(byRegion.get(d.region) ?? []), d.id])]);
  const out = new Map<string, Outcome>();
  await Promise.all(
    [...byRegion].map(async ([region, ids]) => {
      const results = await applyBatched(ids, batchSizeOf("StopInstances"), (batch) =>
        api(client).stopInstances(region, {
          InstanceIds: batch,
          StopType: opts.stopType,
          StoppedMode: opts.stoppedMode,
        }),
      );
      for (const r of results) {
        const key = keyOf({ region, id: r.id });
        if (r.ok) out.set(key, { status: "done", requestId: r.requestId });
        else if (STATE_CHANGED_CODES.has(r.code))
          out.set(key, { status: "changed-under-us", code: r.code, requestId: r.requestId });
        else out.set(key, { status: "failed", code: r.code, message: r.message, requestId: r.requestId });
      }
    }),
  );
  return out;
}

/**
 * Removes snooze tags whose time has passed (UnTagResources): reported once, by the run that
 * removes them. The Tag API removes by key with no condition, so each machine is read again by id
 * just before, and a snooze whose value is no longer the ended one read by the listing (a link
 * followed meanwhile) is left in place and reported as changed under us. The few milliseconds
 * left between that read and the removal are covered by the link, which reads its write back.
 */
export async function clearSnoozes(client: TencentCloudClient, clears: Decision[]): Promise<Map<string, Outcome>> {
  const byRegion = new Map<string, Decision[]>();
  for (const d of clears) byRegion.set(d.region, [...(byRegion.get(d.region) ?? []), d]);
  const out = new Map<string, Outcome>();
  for (const [region, ds] of byRegion) {
    const now = new Map<string, string | undefined>();
    for (const ids of batches([...new Set(ds.map((d) => d.id))], batchSizeOf("DescribeInstances"))) {
      const res = await api(client).describeInstances(region, { InstanceIds: ids });
      for (const i of res.InstanceSet ?? []) now.set(i.InstanceId, tagsOf(i).get(SNOOZE_TAG));
    }
    const still = ds.filter((d) => now.get(d.id) === d.detail?.snooze);
    for (const d of ds)
      if (!still.includes(d)) out.set(keyOf(d), { status: "changed-under-us", code: "SnoozeChangedMeanwhile" });
    if (!still.length) continue;
    for (const r of await untagInstances(
      client,
      region,
      still.map((d) => d.id),
      [SNOOZE_TAG],
    )) {
      out.set(keyOf({ region, id: r.id }), outcomeOf(r));
    }
  }
  return out;
}
