/** Stops what the plan decided: per region, 100 ids a call, bad ids isolated by bisection. */
import { applyBatched } from "../../lib/runtime/batch-apply.ts";
import { keyOf, type Outcome } from "../../lib/runtime/spec.ts";
import { api, batchSizeOf } from "../../lib/tencent/services.ts";
import type { TencentCloudClient } from "../../lib/tencent/client.ts";
import { STATE_CHANGED_CODES } from "../../lib/tencent/instance-codes.ts";
import type { Decision } from "./plan.ts";

export interface StopOptions {
  stoppedMode: "STOP_CHARGING" | "KEEP_CHARGING";
  stopType: "SOFT" | "HARD" | "SOFT_FIRST";
}

export async function applyStops(
  client: TencentCloudClient,
  stops: Decision[],
  opts: StopOptions,
): Promise<Map<string, Outcome>> {
  // A set per region: an instance is never sent twice, whatever the listing did. Added to in
  // place (a copy of the region's list for each stop was quadratic: 100,000 machines' runs hold thousands).
  const byRegion = new Map<string, Set<string>>();
  for (const d of stops) {
    const ids = byRegion.get(d.region) ?? new Set<string>();
    ids.add(d.id);
    byRegion.set(d.region, ids);
  }
  const out = new Map<string, Outcome>();
  await Promise.all(
    [...byRegion].map(async ([region, ids]) => {
      const results = await applyBatched([...ids], batchSizeOf("StopInstances"), (batch) =>
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
