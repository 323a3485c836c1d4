/**
 * The accounts deploy provisions in: each account of ACCOUNTS through the role a run assumes
 * there (STS AssumeRole), so what a function keeps beside its code (auto-stop's alarm policy) is
 * written in every account the functions act in. A role that cannot be assumed is that account's
 * problem, named in deploy's output, not the end of the deploy.
 */
import type { BaseConfig } from "../config/config.ts";
import { accountLabel } from "../accounts/accounts.ts";
import { assumedRole } from "../accounts/assume-role.ts";
import { resolveAccounts } from "../accounts/resolve.ts";
import { clientFromConfig } from "../runtime/run-deps.ts";
import type { ProvisionAccount } from "../runtime/spec.ts";
import { errorRecord } from "../tencent/errors.ts";
import type { TencentCloudClient } from "../tencent/client.ts";

/** Undefined without ACCOUNTS (the deployer's own account alone). */
export async function provisionAccounts(
  config: BaseConfig,
  client: TencentCloudClient,
  runId: string,
): Promise<ProvisionAccount[] | undefined> {
  if (!config.accounts) return undefined;
  const out: ProvisionAccount[] = [];
  for (const a of await resolveAccounts(config.accounts, client, config.region)) {
    const label = accountLabel(a);
    if (!a.roleArn) {
      out.push({ label, client });
      continue;
    }
    const source = assumedRole(client, a.roleArn, { region: config.region, runId });
    try {
      // Assumed up front: one clear line for an account whose role is missing, not one per call.
      await source.get();
      out.push({ label, client: clientFromConfig(config, client.logger, { credentialSource: source }) });
    } catch (err) {
      const e = errorRecord(err);
      out.push({ label, problem: `AssumeRole ${a.roleArn}: ${e.code}: ${e.message.replace(/\.$/, "")}` });
    }
  }
  return out;
}
