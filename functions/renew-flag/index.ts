/** renew-flag, declared once: keep prepaid instances' renewal flags as the tag rules say; warn of expiries. */
import { applyBatched, outcomeOf } from "../../lib/runtime/batch-apply.ts";
import { appendCapped, cellText, type RunReport } from "../../lib/report/report.ts";
import { type Decision, defineFunction, keyOf, type Outcome } from "../../lib/runtime/spec.ts";
import { api, batchSizeOf, pages } from "../../lib/tencent/services.ts";
import type { RenewFlag } from "../../lib/tencent/data-types.ts";
import { loadConfig, SETTINGS, type RenewConfig } from "./config.ts";
import { KINDS, plan, type ExpiryWarning, type RenewDetail, type RenewKind } from "./plan.ts";
import { tagText } from "../../lib/runtime/scope-words.ts";

export type RenewReport = RunReport & { notes: { warnings?: ExpiryWarning[] } };

export default defineFunction<RenewConfig, RenewKind, never, Record<string, unknown>, RenewDetail>({
  name: "renew-flag",
  demoSettings: {
    RENEW_RULES: "env=prod:NOTIFY_AND_AUTO_RENEW,env=dev:NOTIFY_AND_MANUAL_RENEW",
    RENEW_DEFAULT_FLAG: "NOTIFY_AND_MANUAL_RENEW",
  },
  description: "Keep prepaid instances' renewal flags as tag rules say, and warn of expiries that will not auto-renew",
  schedule: "0 9 * * *",
  settings: SETTINGS,
  scope: ({ policy: p }) =>
    `prepaid instances: ${[...p.rules.map((r) => `${tagText(r.tag)} → ${r.flag}`), p.defaultFlag ? `others → ${p.defaultFlag}` : "others kept as they are"].join(", ")}; expiry warnings ${p.warnDays} days ahead`,
  calls: ["DescribeInstances", "ModifyInstancesRenewFlag"],
  loadConfig,
  kinds: KINDS,
  columns: () => [
    { head: "renew flag", cell: (d) => `${flagWords(d.detail?.from)} → ${flagWords(d.detail?.to)}`, keep: true },
  ],
  // The message names the machine, its id and region.
  noteLines: { warnings: (w: ExpiryWarning) => w.message },
  async decide(ctx, region) {
    // A region holds no more warnings than the report can list; the rest are counted.
    const warnings: ExpiryWarning[] = [];
    let warned = 0;
    // Only prepaid instances have a renewal flag: filtered server side. Each page is planned as it arrives.
    for await (const page of pages(ctx.client, "DescribeInstances", region, {
      Filters: [{ Name: "instance-charge-type", Values: ["PREPAID"] }],
    })) {
      const rows = page.filter((i) => !ctx.only || ctx.only.has(i.InstanceId));
      const p = plan(rows, ctx.config.policy, ctx.now, region);
      // Compliant machines go to the runner at once; only flags to change are held.
      // Every decision streams, changes too: with no guard, their writes start while the listing runs.
      for (const d of p.decisions) ctx.decided(d);
      warned += p.warnings.length;
      appendCapped(warnings, p.warnings);
    }
    return { decisions: [], notes: { warnings }, notesCount: { warnings: warned } };
  },
  // A renewal flag is set back as easily as it is set, so there is no guard to wait for: a
  // region's changes to one flag are written as soon as there are 100 of them (one call).
  streamWrites: { key: (d) => groupKey(d), size: batchSizeOf("ModifyInstancesRenewFlag") },
  /** Writes grouped per region and target flag, 100 ids a call, bad ids isolated by bisection. */
  async apply(ctx, acting) {
    const groups = new Map<string, { region: string; to: RenewFlag; ids: string[] }>();
    for (const d of acting) {
      const to = d.detail?.to;
      // A write with no flag to set is never guessed at: the runner reports it not applied.
      if (!to) continue;
      const key = groupKey(d);
      const g = groups.get(key) ?? { region: d.region, to, ids: [] };
      g.ids.push(d.id);
      groups.set(key, g);
    }
    const out = new Map<string, Outcome>();
    await Promise.all(
      [...groups.values()].map(async ({ region, to, ids }) => {
        const results = await applyBatched(ids, batchSizeOf("ModifyInstancesRenewFlag"), (batch) =>
          api(ctx.client).modifyInstancesRenewFlag(region, { InstanceIds: batch, RenewFlag: to }),
        );
        for (const r of results) {
          out.set(keyOf({ region, id: r.id }), outcomeOf(r));
        }
      }),
    );
    return out;
  },
});

/** One write group: a region and the flag its instances get (the streamed writes and apply group alike). */
function groupKey(d: Decision<RenewKind, RenewDetail>): string {
  return `${d.region}/${d.detail?.to}`;
}

/** A renew flag in a table's few words (the API's names are in --output json). */
function flagWords(flag: unknown): string {
  const words: Record<string, string> = {
    NOTIFY_AND_AUTO_RENEW: "auto-renew",
    NOTIFY_AND_MANUAL_RENEW: "manual",
    DISABLE_NOTIFY_AND_MANUAL_RENEW: "manual, no notice",
  };
  return words[cellText(flag)] ?? (cellText(flag) || "none");
}
