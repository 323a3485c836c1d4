/**
 * Sends batch actions 100 ids at a time and turns failures into per-id records. A batch the
 * API rejects because of one id is split in halves until the bad id stands alone, so the rest
 * still go through (after AWS Instance Scheduler's bisect_retry).
 */
import { TencentCloudApiError, errorRecord } from "../tencent/errors.ts";
import { batches } from "../tencent/services.ts";
import { settleAll } from "../settle.ts";
import type { Outcome } from "./spec.ts";

export type ItemResult =
  | { id: string; ok: true; requestId: string }
  | { id: string; ok: false; code: string; message: string; requestId?: string | undefined };

/** One id's result as the report's outcome: done, or failed with the API's code and RequestId. */
export const outcomeOf = (r: ItemResult): Outcome =>
  r.ok
    ? { status: "done", requestId: r.requestId }
    : { status: "failed", code: r.code, message: r.message, requestId: r.requestId };

/** Errors that belong to one id in the batch, so bisecting can isolate it. */
export function isPerItemError(err: unknown): boolean {
  if (!(err instanceof TencentCloudApiError)) return false;
  return (
    err.code.startsWith("InvalidInstanceId.") ||
    err.code.startsWith("InvalidImageId.") ||
    // Key pair id codes are InvalidKeyPairId.* (current CVM error codes).
    err.code.startsWith("InvalidKeyPairId.") ||
    err.code === "InvalidInstance.NotSupported" ||
    // Capacity is per zone and instance type: one sold-out instance must not hold back the rest of its batch.
    err.code.startsWith("ResourceInsufficient.") ||
    err.code.startsWith("UnsupportedOperation.") ||
    err.code.startsWith("OperationDenied.") ||
    err.code === "InvalidParameterValue"
  );
}

/** A call's reply; `failed` names the ids an action that answers per resource (TagResources' FailedResources) could not do. */
export interface BatchReply {
  RequestId: string;
  failed?: ReadonlyMap<string, { code: string; message: string }> | undefined;
}

export async function applyBatched(
  ids: readonly string[],
  batchSize: number,
  send: (batch: string[]) => Promise<BatchReply>,
): Promise<ItemResult[]> {
  const results: ItemResult[] = [];
  const run = async (batch: string[]): Promise<void> => {
    try {
      const res = await send(batch);
      for (const id of batch) {
        const f = res.failed?.get(id);
        results.push(
          f
            ? { id, ok: false, code: f.code, message: f.message, requestId: res.RequestId }
            : { id, ok: true, requestId: res.RequestId },
        );
      }
    } catch (err) {
      if (batch.length > 1 && isPerItemError(err)) {
        const mid = Math.ceil(batch.length / 2);
        await run(batch.slice(0, mid));
        await run(batch.slice(mid));
        return;
      }
      const rec = errorRecord(err);
      for (const id of batch)
        results.push({ id, ok: false, code: rec.code, message: rec.message, requestId: rec.requestId });
    }
  };
  // Batches go out together: the client's per-action limiter sets the pace, not one round trip
  // per 100 ids (a region's 300 changes took three).
  await settleAll(batches([...ids], batchSize).map(run));
  return results;
}
