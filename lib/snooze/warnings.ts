/** Writes warnings: each decision's `detail.stopAfter` as its instance's autopilot:stop-after tag (TagResources, 10 a call), by region and time. */
import { keyOf, type Decision, type Outcome } from "../runtime/spec.ts";
import { outcomeOf } from "../runtime/batch-apply.ts";
import type { TencentCloudClient } from "../tencent/client.ts";
import { tagInstances } from "../tencent/instance-tags.ts";
import { STOP_AFTER_TAG } from "./snooze.ts";

export async function applyWarnings(
  client: TencentCloudClient,
  warns: readonly Decision[],
): Promise<Map<string, Outcome>> {
  const groups = new Map<string, { region: string; at: string; ids: string[] }>();
  for (const d of warns) {
    const at = String(d.detail?.stopAfter ?? "");
    const g = groups.get(`${d.region}/${at}`) ?? { region: d.region, at, ids: [] };
    if (!g.ids.includes(d.id)) g.ids.push(d.id);
    groups.set(`${d.region}/${at}`, g);
  }
  const out = new Map<string, Outcome>();
  for (const g of groups.values()) {
    for (const r of await tagInstances(client, g.region, g.ids, { [STOP_AFTER_TAG]: g.at })) {
      out.set(keyOf({ region: g.region, id: r.id }), outcomeOf(r));
    }
  }
  return out;
}
