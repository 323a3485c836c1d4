/** Stops what the plan decided: per region, 100 ids a call, bad ids isolated by bisection. */
import { applyBatched, type ItemResult } from "../../lib/runtime/batch-apply.ts";
import { api, batchSizeOf } from "../../lib/tencent/services.ts";
import type { TencentCloudClient } from "../../lib/tencent/client.ts";
import type { Decision } from "./plan.ts";

export interface StopOptions {
  stoppedMode: "STOP_CHARGING" | "KEEP_CHARGING";
  stopType: "SOFT" | "HARD" | "SOFT_FIRST";
}

/** State changed since the describe: reported, not an error (issue 5). */
export const CHANGED_STATE_CODES = new Set([
  "UnsupportedOperation.InstanceStateStopped",
  "UnsupportedOperation.InstanceStateStopping",
  "UnsupportedOperation.InstanceStateStarting",
  "OperationDenied.InstanceOperationInProgress",
  "InvalidInstanceId.NotFound",
]);

export async function applyStops(client: TencentCloudClient, stops: Decision[], opts: StopOptions): Promise<Array<ItemResult & { region: string }>> {
  const byRegion = new Map<string, string[]>();
  for (const d of stops) byRegion.set(d.region, [...(byRegion.get(d.region) ?? []), d.instanceId]);
  const perRegion = await Promise.all(
    [...byRegion].map(async ([region, ids]) => {
      const results = await applyBatched(ids, batchSizeOf("StopInstances"), (batch) =>
        api(client).stopInstances(region, { InstanceIds: batch, StopType: opts.stopType, StoppedMode: opts.stoppedMode }),
      );
      return results.map((r) => ({ ...r, region }));
    }),
  );
  return perRegion.flat();
}
