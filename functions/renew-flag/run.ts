/**
 * renew-flag, platform-neutral: event -> config -> describe -> plan -> apply -> report.
 * Streaming per region: each page is planned as it arrives and its changes join a batch per
 * target flag, sent as soon as 100 ids are ready — writes overlap the remaining pages, and the
 * number of calls stays at the minimum.
 */
import { applyBatched } from "../../lib/runtime/batch-apply.ts";
import { Batcher } from "../../lib/runtime/batcher.ts";
import { forEachRegion, resolveRegions, type RunDeps } from "../../lib/runtime/runtime.ts";
import { narrow, type ErrorEntry, type ReportBase, type Trigger } from "../../lib/runtime/trigger.ts";
import { errorRecord } from "../../lib/tencent/errors.ts";
import { api, batchSizeOf, pages } from "../../lib/tencent/services.ts";
import { RENEW_FLAGS, type RenewFlag } from "../../lib/tencent/types.ts";
import { plan, type ExpiryWarning, type RenewDecision } from "./plan.ts";
import type { RenewConfig } from "./config.ts";

type Change = { instanceId: string; region: string; from: RenewFlag | null | undefined; to: RenewFlag; reason: string; requestId?: string };

export interface RenewReport extends ReportBase {
  scanned: number;
  scannedByRegion: Record<string, number>;
  compliant: number;
  ignored: Array<{ instanceId: string; region: string; reason: string }>;
  changed: Change[];
  /** Would change, in a dry run: the diff. */
  planned: Change[];
  warnings: ExpiryWarning[];
}

const asChange = (d: RenewDecision & { to: RenewFlag }): Change => ({ instanceId: d.instanceId, region: d.region, from: d.from, to: d.to, reason: d.reason });

export async function run(config: RenewConfig, trigger: Trigger, deps: RunDeps): Promise<RenewReport> {
  const startedAt = deps.now();
  const n = narrow(config.dryRun, await resolveRegions(config, deps.client), trigger);
  const errors: ErrorEntry[] = [];
  const report: RenewReport = {
    function: "renew-flag", runId: deps.runId, trigger: trigger.source, dryRun: n.dryRun, startedAt: startedAt.toISOString(), finishedAt: "",
    regions: n.regions, scanned: 0, scannedByRegion: {}, compliant: 0, ignored: [], changed: [], planned: [], warnings: [], errors,
  };

  const regionRun = async (region: string) => {
    const writers = new Map<RenewFlag, Batcher<RenewDecision & { to: RenewFlag }>>();
    for (const to of RENEW_FLAGS) {
      writers.set(to, new Batcher(batchSizeOf("ModifyInstancesRenewFlag"), async (group) => {
        const byId = new Map(group.map((g) => [g.instanceId, g]));
        const results = await applyBatched(group.map((g) => g.instanceId), batchSizeOf("ModifyInstancesRenewFlag"), (batch) =>
          api(deps.client).modifyInstancesRenewFlag(region, { InstanceIds: batch, RenewFlag: to }));
        for (const r of results) {
          if (r.ok) report.changed.push({ ...asChange(byId.get(r.id)!), requestId: r.requestId });
          else errors.push({ region, id: r.id, action: "ModifyInstancesRenewFlag", code: r.code, message: r.message, requestId: r.requestId });
        }
      }));
    }
    let failure: unknown;
    try {
      for await (const page of pages(deps.client, "DescribeInstances", region, { Filters: [{ Name: "instance-charge-type", Values: ["PREPAID"] }] })) {
        const rows = page.filter((i) => !n.instanceIds || n.instanceIds.has(i.InstanceId)).map((i) => ({ ...i, Region: region }));
        report.scanned += rows.length;
        report.scannedByRegion[region] = (report.scannedByRegion[region] ?? 0) + rows.length;
        const { decisions, warnings } = plan(rows, config.policy, startedAt);
        report.warnings.push(...warnings);
        for (const d of decisions) {
          if (d.action === "compliant") report.compliant++;
          else if (d.action === "ignore") report.ignored.push({ instanceId: d.instanceId, region, reason: d.reason });
          else if (n.dryRun) report.planned.push(asChange(d as RenewDecision & { to: RenewFlag }));
          else writers.get(d.to!)!.add(d as RenewDecision & { to: RenewFlag });
        }
      }
    } catch (err) {
      failure = err;
    }
    // Changes already decided are still written: each one stands on its own.
    for (const w of writers.values()) await w.flush().catch((err) => (failure ??= err));
    if (failure) throw failure;
  };
  for (const r of await forEachRegion(n.regions, regionRun)) if (r.error) errors.push({ region: r.region, ...errorRecord(r.error) });

  report.finishedAt = deps.now().toISOString();
  deps.logger.info("renew-flag finished", {
    scanned: report.scanned, compliant: report.compliant, changed: report.changed.length, planned: report.planned.length,
    warnings: report.warnings.length, errors: errors.length, dryRun: n.dryRun,
  });
  return report;
}
