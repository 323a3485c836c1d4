/** key-rotation, platform-neutral: event -> config -> read region -> plan -> apply in safe order -> report. */
import { forEachRegion, resolveRegions, type RunDeps } from "../../lib/runtime/runtime.ts";
import { narrow, type ReportBase, type Trigger } from "../../lib/runtime/trigger.ts";
import { errorRecord } from "../../lib/tencent/errors.ts";
import { rotateRegion, StepError, type RotationOut } from "./apply.ts";
import { readView } from "./collect.ts";
import { planRegion, type RegionPlan } from "./plan.ts";
import type { KeyRotationConfig } from "./config.ts";

export interface KeyRotationReport extends ReportBase, RotationOut {
  planned: Array<{ region: string; step: string }>;
}

type Out = RotationOut & Pick<KeyRotationReport, "planned">;

function describePlan(p: RegionPlan): Array<{ region: string; step: string }> {
  const steps: string[] = [];
  for (const k of p.orphanKeys) steps.push(`delete orphan key pair ${k.keyName}`);
  for (const s of p.orphanSecrets) steps.push(`delete superseded secret ${s}`);
  const t = p.target;
  if (t?.kind === "new") steps.push(`generate an RSA key, store it as ${t.secretName}, import key pair ${t.keyName}`);
  if (t?.kind === "import") steps.push(`import key pair ${t.keyName} from ${t.secretName}`);
  if (t && p.bindStopped.length + p.bindRunning.length) {
    steps.push(`bind ${t.keyName} to ${p.bindStopped.length} stopped and ${p.bindRunning.length} running (force stop) instance(s), verify, then retire old keys`);
  }
  return steps.map((step) => ({ region: p.region, step }));
}

export async function run(config: KeyRotationConfig, trigger: Trigger, deps: RunDeps): Promise<KeyRotationReport> {
  const startedAt = deps.now();
  const n = narrow(config.dryRun, await resolveRegions(config, deps.client), trigger);
  const out: Out = { rotated: [], planned: [], skipped: [], resumed: [], cleanedUp: [], errors: [] };
  const results = await forEachRegion(n.regions, async (region) => {
    const view = await readView(deps.client, region, config, n.instanceIds);
    const p = planRegion(view, config, startedAt);
    if (n.dryRun) {
      for (const s of p.skipped) out.skipped.push({ ...s, region });
      for (const pr of p.problems) out.errors.push({ region, ...pr });
      out.planned.push(...describePlan(p));
      return;
    }
    await rotateRegion(deps.client, p, view, config, out, deps.sleep);
  });
  for (const r of results) {
    if (r.error instanceof StepError) out.errors.push(r.error.entry);
    else if (r.error) out.errors.push({ region: r.region, ...errorRecord(r.error) });
  }
  const report: KeyRotationReport = {
    function: "key-rotation", runId: deps.runId, trigger: trigger.source, dryRun: n.dryRun, startedAt: startedAt.toISOString(),
    finishedAt: deps.now().toISOString(), regions: n.regions, ...out,
  };
  deps.logger.info("key-rotation finished", {
    rotated: out.rotated.length, skipped: out.skipped.length, resumed: out.resumed.length, cleanedUp: out.cleanedUp.length, errors: out.errors.length, dryRun: n.dryRun,
  });
  return report;
}
