/**
 * `deploy` keeps the idle alarm policies as the config says: in alarm mode exactly one per
 * region of REGIONS, as idleAlarmPolicy describes it; in polling mode, and on `deploy --remove`,
 * none. Ours are recognised by name (ALARM_POLICY_PREFIX), so a policy left by an earlier config
 * or a removed region is found and deleted, rather than firing forever.
 */
import {
  createPolicy,
  deletePolicies,
  ourPolicies,
  policyDrift,
  type RemotePolicy,
} from "../../lib/tencent/alarm-policies.ts";
import { TencentCloudApiError } from "../../lib/tencent/errors.ts";
import type { ProvisionContext, ProvisionStep } from "../../lib/runtime/spec.ts";
import { ALARM_POLICY_PREFIX, idleAlarmPolicy, idlePolicyName } from "./alarm-policy.ts";
import type { AutoStopConfig } from "./config.ts";

export async function provisionAlarms(ctx: ProvisionContext<AutoStopConfig>): Promise<ProvisionStep[]> {
  const steps: ProvisionStep[] = [];
  const home = ctx.regions[0];
  if (!home) return steps;
  // Policies are the account's: one listing, from any region, sees them all.
  const all = await ourPolicies(ctx.client, home, ALARM_POLICY_PREFIX);
  const alarms = ctx.config?.policy.source === "alarms" ? ctx.config.policy : undefined;
  const wanted = new Map(alarms ? ctx.regions.map((r) => [idlePolicyName(r), r]) : []);
  const remove = async (p: RemotePolicy, why: string) => {
    if (ctx.dryRun) return void steps.push({ action: "would DeleteAlarmPolicy", detail: `${p.name} ${p.id}: ${why}` });
    try {
      steps.push({
        action: "DeleteAlarmPolicy",
        detail: `${p.name} ${p.id}: ${why}`,
        requestId: await deletePolicies(ctx.client, home, [p.id]),
      });
    } catch (err) {
      // Gone already (another deploy, or by hand): what we wanted.
      if (!(err instanceof TencentCloudApiError && err.code.startsWith("ResourceNotFound"))) throw err;
      steps.push({ action: "absent", detail: `${p.name} ${p.id}` });
    }
  };
  for (const p of all)
    if (!wanted.has(p.name))
      await remove(p, alarms ? "its region is not in REGIONS" : "AUTO_STOP_SOURCE is not alarms");
  for (const [name, region] of wanted) {
    const want = idleAlarmPolicy(alarms!, region);
    const mine = all.filter((p) => p.name === name);
    const keep = mine.find((p) => !policyDrift(p, want).length);
    for (const p of mine)
      if (p !== keep)
        await remove(p, keep ? "a duplicate" : `differs from the config (${policyDrift(p, want).join("; ")})`);
    if (keep) {
      steps.push({ action: "unchanged", detail: `${name} ${keep.id}` });
      continue;
    }
    const rules = want.rules
      .map((r) => `${r.MetricName} < ${r.Value} for ${r.ContinuePeriod}×${r.Period}s`)
      .join(" and ");
    const tags = want.tags.map((t) => `${t.key}=${t.value}`).join(", ");
    if (ctx.dryRun) {
      steps.push({ action: "would CreateAlarmPolicy", detail: `${name}: ${rules}; bound to tag ${tags}` });
      continue;
    }
    const made = await createPolicy(ctx.client, region, want);
    steps.push({
      action: "CreateAlarmPolicy",
      detail: `${name} ${made.id}: ${rules}; bound to tag ${tags}`,
      requestId: made.requestIds.join(", "),
    });
  }
  return steps;
}
