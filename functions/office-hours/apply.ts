/**
 * Starts and stops what the plan decided, per region, 100 ids a call, bad ids isolated by
 * bisection. A start can fail for lack of capacity after a STOP_CHARGING stop (the
 * ResourceInsufficient.* codes): reported with its RequestId and tried again at the next run,
 * never in a loop here.
 */
import { applyBatched } from "../../lib/runtime/batch-apply.ts";
import { keyOf, type Outcome } from "../../lib/runtime/spec.ts";
import { api, batchSizeOf } from "../../lib/tencent/services.ts";
import type { TencentCloudClient } from "../../lib/tencent/client.ts";
import { CHANGED_STATE_CODES } from "../auto-stop-idle/apply.ts";
import type { OfficeDecision } from "./plan.ts";

/** Already in the state we wanted, or gone: the world moved, nothing to do. */
const CHANGED = new Set([...CHANGED_STATE_CODES, "UnsupportedOperation.InstanceStateRunning"]);

export async function applyOfficeHours(client: TencentCloudClient, acting: OfficeDecision[], stoppedMode: "STOP_CHARGING" | "KEEP_CHARGING"): Promise<Map<string, Outcome>> {
  const out = new Map<string, Outcome>();
  const groups = new Map<string, { region: string; action: string; send: (ids: string[]) => Promise<{ RequestId: string }>; ids: string[] }>();
  for (const d of acting) {
    // Prepaid instances cannot stop charging (UnsupportedOperation.StoppedModeStopCharging): they keep it.
    const mode = d.detail?.prepaid ? "KEEP_CHARGING" : stoppedMode;
    const key = `${d.region}/${d.action}/${mode}`;
    const g = groups.get(key) ?? {
      region: d.region,
      action: d.action!,
      ids: [],
      send: d.action === "start"
        ? (ids: string[]) => api(client).startInstances(d.region, { InstanceIds: ids })
        : (ids: string[]) => api(client).stopInstances(d.region, { InstanceIds: ids, StopType: "SOFT", StoppedMode: mode }),
    };
    g.ids.push(d.id);
    groups.set(key, g);
  }
  await Promise.all([...groups.values()].map(async (g) => {
    for (const r of await applyBatched(g.ids, batchSizeOf(g.action === "start" ? "StartInstances" : "StopInstances"), g.send)) {
      const key = keyOf({ region: g.region, id: r.id });
      if (r.ok) out.set(key, { status: "done", requestId: r.requestId });
      else if (CHANGED.has(r.code)) out.set(key, { status: "changed-under-us", code: r.code, requestId: r.requestId });
      else out.set(key, { status: "failed", code: r.code, message: r.message, requestId: r.requestId });
    }
  }));
  return out;
}
