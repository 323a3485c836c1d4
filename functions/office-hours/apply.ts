/**
 * Starts and stops what the plan decided, per region, 100 ids a call, bad ids isolated by
 * bisection, then records each action on its instance in the state tag (`start@…`, or
 * `start-failed@…` when refused), so the next run knows what we did rather than guessing. A start
 * can fail for lack of capacity after a STOP_CHARGING stop (the ResourceInsufficient.* codes): it
 * is reported with its RequestId and tried again at the next run while the schedule wants it,
 * never in a loop here.
 */
import { applyBatched } from "../../lib/runtime/batch-apply.ts";
import { keyOf, type Outcome } from "../../lib/runtime/spec.ts";
import { STATE_CHANGED_CODES } from "../../lib/tencent/instance-codes.ts";
import { tagInstances } from "../../lib/runtime/instance-tags.ts";
import { api, batchSizeOf } from "../../lib/tencent/services.ts";
import type { TencentCloudClient } from "../../lib/tencent/client.ts";
import type { OfficeDecision } from "./plan.ts";
import { stateValue } from "./state-record.ts";
import { applyWarnings } from "../../lib/snooze/warnings.ts";

/** Already in the state we wanted, or gone: the world moved, nothing to do. */
const CHANGED = new Set([...STATE_CHANGED_CODES, "UnsupportedOperation.InstanceStateRunning"]);

/** What the role needs for the state tag, said where a refusal would otherwise read as a bare code. */
const TAG_PERMISSION =
  "the functions' role needs tag:TagResources (it is in dist/cam-policy.json) to record office-hours' state tag";

export async function applyOfficeHours(
  client: TencentCloudClient,
  all: OfficeDecision[],
  opts: {
    stoppedMode: "STOP_CHARGING" | "KEEP_CHARGING";
    stateTagKey: string;
    now: Date;
    webhookSecret: string | undefined;
  },
): Promise<Map<string, Outcome>> {
  const out = await applyWarnings(
    client,
    all.filter((d) => d.action === "warn"),
    { fn: "office-hours", secret: opts.webhookSecret },
  );
  const acting = all.filter((d) => d.action !== "warn");
  const groups = new Map<
    string,
    { region: string; action: string; send: (ids: string[]) => Promise<{ RequestId: string }>; ids: string[] }
  >();
  for (const d of acting) {
    // Prepaid instances cannot stop charging (UnsupportedOperation.StoppedModeStopCharging): they keep it.
    const mode = d.detail?.prepaid ? "KEEP_CHARGING" : opts.stoppedMode;
    const key = `${d.region}/${d.action}/${mode}`;
    const g = groups.get(key) ?? {
      region: d.region,
      action: d.action!,
      ids: [],
      send:
        d.action === "start"
          ? (ids: string[]) => api(client).startInstances(d.region, { InstanceIds: ids })
          : (ids: string[]) =>
              api(client).stopInstances(d.region, { InstanceIds: ids, StopType: "SOFT", StoppedMode: mode }),
    };
    g.ids.push(d.id);
    groups.set(key, g);
  }
  await Promise.all(
    [...groups.values()].map(async (g) => {
      for (const r of await applyBatched(
        g.ids,
        batchSizeOf(g.action === "start" ? "StartInstances" : "StopInstances"),
        g.send,
      )) {
        const key = keyOf({ region: g.region, id: r.id });
        if (r.ok) out.set(key, { status: "done", requestId: r.requestId });
        else if (CHANGED.has(r.code))
          out.set(key, { status: "changed-under-us", code: r.code, requestId: r.requestId });
        else out.set(key, { status: "failed", code: r.code, message: r.message, requestId: r.requestId });
      }
    }),
  );
  await recordState(client, acting, out, opts);
  return out;
}

/**
 * Writes the state tag: the action on success; `-failed` on a refusal, unless the tag already says
 * this action failed (a retry that fails again keeps the first failure's time and writes nothing).
 * A move under us writes nothing: the next run sees the machine as it is. A tag that cannot be
 * written leaves the action as it went and is reported as an error of the run.
 */
async function recordState(
  client: TencentCloudClient,
  acting: OfficeDecision[],
  out: Map<string, Outcome>,
  opts: { stateTagKey: string; now: Date; webhookSecret: string | undefined },
) {
  const writes = new Map<string, { region: string; value: string; ids: string[] }>();
  for (const d of acting) {
    const o = out.get(keyOf(d));
    if (!o || o.status === "changed-under-us" || (o.status === "failed" && d.kind === "retry")) continue;
    const value = stateValue(
      opts.webhookSecret,
      d.region,
      d.action as "start" | "stop",
      o.status === "failed",
      opts.now,
    );
    const w = writes.get(`${d.region}/${value}`) ?? { region: d.region, value, ids: [] };
    w.ids.push(d.id);
    writes.set(`${d.region}/${value}`, w);
  }
  await Promise.all(
    [...writes.values()].map(async (w) => {
      for (const r of await tagInstances(client, w.region, w.ids, { [opts.stateTagKey]: w.value })) {
        if (r.ok) continue;
        const key = keyOf({ region: w.region, id: r.id });
        const o = out.get(key)!;
        const message = `could not record ${opts.stateTagKey}=${w.value}: ${r.message}${r.code.startsWith("AuthFailure") ? `; ${TAG_PERMISSION}` : ""}`;
        if (o.status === "done")
          out.set(key, { ...o, followUp: { action: "TagResources", code: r.code, message, requestId: r.requestId } });
        else if (o.status === "failed") out.set(key, { ...o, message: `${o.message}; and ${message}` });
      }
    }),
  );
}
