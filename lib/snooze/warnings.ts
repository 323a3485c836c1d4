/**
 * Writes warnings: each decision's announcement (`detail.warnedAt`, `detail.stopAfter`, about
 * `detail.runningPeriod`) as its instance's sealed tag under the function's own key
 * (warning-tag.ts). The seal binds the instance, so each value is its own TagResources call.
 */
import { keyOf, type Decision, type Outcome } from "../runtime/spec.ts";
import { outcomeOf } from "../runtime/batch-apply.ts";
import { mapLimit } from "../runtime/map-limit.ts";
import type { TencentCloudClient } from "../tencent/client.ts";
import { tagInstances } from "../runtime/instance-tags.ts";
import { warningTagKey, warningValue } from "./warning-tag.ts";

/** The fields a warning decision carries for its tag, and for its links. */
export const announcementOf = (d: Decision) => ({
  at: Date.parse(String(d.detail?.warnedAt ?? "")),
  stop: Date.parse(String(d.detail?.stopAfter ?? "")),
  period: String(d.detail?.runningPeriod ?? "none"),
});

export async function applyWarnings(
  client: TencentCloudClient,
  warns: readonly Decision[],
  o: { fn: string; secret: string | undefined },
): Promise<Map<string, Outcome>> {
  const out = new Map<string, Outcome>();
  // A few at a time: the Tag API is one global service for every region.
  await mapLimit(warns, 5, async (d) => {
    const a = announcementOf(d);
    const value = warningValue(o.secret, { fn: o.fn, region: d.region, instance: d.id, period: a.period }, a);
    const [r] = await tagInstances(client, d.region, [d.id], { [warningTagKey(o.fn)]: value });
    if (r) out.set(keyOf(d), outcomeOf(r));
  });
  return out;
}
