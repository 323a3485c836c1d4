/** renew-flag, platform-neutral: event -> config -> describe -> plan -> apply -> report. */
import { applyBatched } from "../../lib/runtime/batch-apply.ts";
import { forEachRegion, resolveRegions, type RunDeps } from "../../lib/runtime/runtime.ts";
import { narrow, type ErrorEntry, type ReportBase, type Trigger } from "../../lib/runtime/trigger.ts";
import { errorRecord } from "../../lib/tencent/errors.ts";
import { batchSizeOf, listAll } from "../../lib/tencent/services.ts";
import type { RenewFlag } from "../../lib/tencent/types.ts";
import { plan, type ExpiryWarning, type RegionalInstance, type RenewDecision } from "./plan.ts";
import type { RenewConfig } from "./config.ts";

type Change = { instanceId: string; region: string; from: RenewFlag | null | undefined; to: RenewFlag; reason: string; requestId?: string };

export interface RenewReport extends ReportBase {
  scanned: number;
  compliant: number;
  ignored: Array<{ instanceId: string; region: string; reason: string }>;
  changed: Change[];
  /** Would change, in a dry run: the diff. */
  planned: Change[];
  warnings: ExpiryWarning[];
}

export async function run(config: RenewConfig, trigger: Trigger, deps: RunDeps): Promise<RenewReport> {
  const startedAt = deps.now();
  const n = narrow(config.dryRun, await resolveRegions(config, deps.client), trigger);
  const errors: ErrorEntry[] = [];
  const instances: RegionalInstance[] = [];
  for (const r of await forEachRegion(n.regions, async (region) => {
    const rows = await listAll(deps.client, "DescribeInstances", region, { Filters: [{ Name: "instance-charge-type", Values: ["PREPAID"] }] }, "InstanceSet");
    return rows.map((i) => ({ ...i, Region: region })).filter((i) => !n.instanceIds || n.instanceIds.has(i.InstanceId));
  })) {
    if (r.error) errors.push({ region: r.region, ...errorRecord(r.error) });
    else instances.push(...r.value!);
  }
  const { decisions, warnings } = plan(instances, config.policy, startedAt);
  const changes = decisions.filter((d): d is RenewDecision & { to: RenewFlag } => d.action === "change");
  const asChange = (d: RenewDecision & { to: RenewFlag }): Change => ({ instanceId: d.instanceId, region: d.region, from: d.from, to: d.to, reason: d.reason });
  const report: RenewReport = {
    function: "renew-flag", runId: deps.runId, trigger: trigger.source, dryRun: n.dryRun, startedAt: startedAt.toISOString(), finishedAt: "",
    regions: n.regions, scanned: instances.length, compliant: decisions.filter((d) => d.action === "compliant").length,
    ignored: decisions.filter((d) => d.action === "ignore").map(({ instanceId, region, reason }) => ({ instanceId, region, reason })),
    changed: [], planned: [], warnings, errors,
  };
  if (n.dryRun) report.planned = changes.map(asChange);
  else {
    // One write per (region, target flag) group, 100 ids a call.
    const groups = new Map<string, Array<RenewDecision & { to: RenewFlag }>>();
    for (const c of changes) groups.set(`${c.region}|${c.to}`, [...(groups.get(`${c.region}|${c.to}`) ?? []), c]);
    await Promise.all([...groups.values()].map(async (group) => {
      const { region, to } = group[0]!;
      const byId = new Map(group.map((g) => [g.instanceId, g]));
      const results = await applyBatched(group.map((g) => g.instanceId), batchSizeOf("ModifyInstancesRenewFlag"), (batch) =>
        deps.client.call("cvm", "ModifyInstancesRenewFlag", { InstanceIds: batch, RenewFlag: to }, { region }));
      for (const r of results) {
        if (r.ok) report.changed.push({ ...asChange(byId.get(r.id)!), requestId: r.requestId });
        else errors.push({ region, id: r.id, action: "ModifyInstancesRenewFlag", code: r.code, message: r.message, requestId: r.requestId });
      }
    }));
  }
  report.finishedAt = deps.now().toISOString();
  deps.logger.info("renew-flag finished", {
    scanned: report.scanned, compliant: report.compliant, changed: report.changed.length, planned: report.planned.length,
    warnings: warnings.length, errors: errors.length, dryRun: n.dryRun,
  });
  return report;
}
