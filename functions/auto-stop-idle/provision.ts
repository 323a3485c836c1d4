/**
 * `deploy` keeps the idle alarm policy as the config says: in alarm mode exactly one per account
 * (a policy is the account's and alarms in every region), in each account of ACCOUNTS through the
 * role its runs assume there; in polling mode, and on `deploy --remove`, none. Ours are recognised
 * by name (ALARM_POLICY_PREFIX), so a policy left by an earlier config or version (one per region)
 * is found and deleted, rather than firing forever. The rules' allowed values are read from
 * DescribeAlarmMetrics first, so nothing is written that Cloud Monitor would refuse.
 */
import {
  createPolicy,
  deletePolicies,
  ourPolicies,
  policyDrift,
  ruleLimits,
  type AlarmPolicySpec,
  type RemotePolicy,
} from "../../lib/tencent/alarm-policies.ts";
import { TencentCloudApiError } from "../../lib/tencent/errors.ts";
import type { TencentCloudClient } from "../../lib/tencent/client.ts";
import type { ProvisionContext, ProvisionStep } from "../../lib/runtime/spec.ts";
import { ALARM_POLICY_PREFIX, IDLE_POLICY_NAME, idleAlarmPolicy } from "./alarm-policy.ts";
import type { AutoStopConfig } from "./config.ts";

type Ctx = ProvisionContext<AutoStopConfig>;

export async function provisionAlarms(ctx: Ctx): Promise<ProvisionStep[]> {
  const home = ctx.regions[0];
  if (!home) return [];
  const alarms = ctx.config?.policy.source === "alarms";
  if (!ctx.accounts) return inAccount(ctx, ctx.client, home, "");
  const steps: ProvisionStep[] = [];
  for (const a of ctx.accounts) {
    if ("problem" in a) {
      // Said plainly: no policy there, so alarm mode cannot nominate anything in that account.
      steps.push({
        action: alarms ? "not provisioned" : "not checked",
        detail: `account ${a.label}: ${a.problem}; ${alarms ? "its runs report AlarmPolicyMissing and stop nothing there until the role works and deploy runs again" : "any idle alarm policy of ours stays there"}`,
      });
      continue;
    }
    steps.push(...(await inAccount(ctx, a.client, home, `account ${a.label}: `)));
  }
  return steps;
}

/** One account: ours found by name, the one wanted kept or created, every other one deleted. */
async function inAccount(ctx: Ctx, client: TencentCloudClient, home: string, who: string): Promise<ProvisionStep[]> {
  const steps: ProvisionStep[] = [];
  // Policies are the account's: one listing, from any region, sees them all.
  const all = await ourPolicies(client, home, ALARM_POLICY_PREFIX);
  const policy = ctx.config?.policy.source === "alarms" ? ctx.config.policy : undefined;
  const want = policy ? idleAlarmPolicy(policy, await ruleLimits(client, home)) : undefined;
  const remove = async (p: RemotePolicy, why: string) => {
    const detail = `${who}${p.name} ${p.id}: ${why}`;
    if (ctx.dryRun) return void steps.push({ action: "would DeleteAlarmPolicy", detail });
    try {
      steps.push({ action: "DeleteAlarmPolicy", detail, requestId: await deletePolicies(client, home, [p.id]) });
    } catch (err) {
      // Gone already (another deploy, or by hand): what we wanted.
      if (!(err instanceof TencentCloudApiError && err.code.startsWith("ResourceNotFound"))) throw err;
      steps.push({ action: "absent", detail: `${who}${p.name} ${p.id}` });
    }
  };
  const mine = all.filter((p) => p.name === IDLE_POLICY_NAME);
  const keep = want && mine.find((p) => !policyDrift(p, want).length);
  for (const p of all) {
    if (p === keep) continue;
    const why = !want
      ? "AUTO_STOP_SOURCE is not alarms"
      : p.name !== IDLE_POLICY_NAME
        ? "an earlier version's policy (one per account now)"
        : keep
          ? "a duplicate"
          : `differs from the config (${policyDrift(p, want).join("; ")})`;
    await remove(p, why);
  }
  if (!want) return steps;
  if (keep) return [...steps, { action: "unchanged", detail: `${who}${keep.name} ${keep.id}` }];
  const what = describe(want);
  if (ctx.dryRun) return [...steps, { action: "would CreateAlarmPolicy", detail: `${who}${want.name}: ${what}` }];
  const made = await createPolicy(client, home, want);
  steps.push({
    action: "CreateAlarmPolicy",
    detail: `${who}${want.name} ${made.id}: ${what}`,
    requestId: made.requestIds.join(", "),
  });
  return steps;
}

const describe = (want: AlarmPolicySpec) => {
  const rules = want.rules
    .map((r) => `${r.MetricName} < ${r.Value} for ${r.ContinuePeriod}×${r.Period}s`)
    .join(" and ");
  const tags = want.tags.map((t) => `${t.key}=${t.value}`).join(want.tagOperation === "AND" ? " and " : " or ");
  return `${rules}; bound to tag ${tags}; in every region`;
};
