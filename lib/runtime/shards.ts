/**
 * A run over many accounts: each account is a shard with its own client — its own
 * assumed-role credentials and its own rate limiters, since Tencent Cloud's limits are per
 * account — run by the one runner with its own blast-radius guard. Shards run concurrently, at
 * most SHARD_CONCURRENCY at once; a role that cannot be assumed fails only its own shard.
 */
import type { BaseConfig } from "../config/config.ts";
import { accountLabel, type Account } from "../accounts/accounts.ts";
import { assumedRole } from "../accounts/assume-role.ts";
import { resolveAccounts } from "../accounts/resolve.ts";
import { errorRecord } from "../tencent/errors.ts";
import { mergeShardReports, type ShardResult } from "./merge.ts";
import type { RunReport } from "../report/report.ts";
import { runSpec } from "./runner.ts";
import { clientFromConfig, type RunDeps } from "./run-deps.ts";
import type { CredentialSource, TencentCloudClient } from "../tencent/client.ts";
import type { FunctionSpec } from "./spec.ts";
import type { Trigger } from "../report/trigger.ts";
import { mapLimit } from "./map-limit.ts";

/**
 * A client acting in another account: its role's credentials (assumed through the caller's own
 * client) and limiters of its own. The source is returned too, so a caller may assume up front.
 */
export function accountClient(
  config: BaseConfig,
  deps: RunDeps,
  roleArn: string,
  logger = deps.logger,
): { client: TencentCloudClient; source: CredentialSource } {
  const source = assumedRole(deps.client, roleArn, { region: config.region, runId: deps.runId });
  return {
    source,
    client: deps.clientFor
      ? deps.clientFor(source, logger)
      : clientFromConfig(config, logger, { credentialSource: source }),
  };
}

/** One account's shard: assume its role (when it has one), then the runner over its regions. */
export async function runShard<C extends BaseConfig, K extends string, P>(
  spec: FunctionSpec<C, K, P>,
  config: C,
  trigger: Trigger,
  deps: RunDeps,
  account: Account,
): Promise<ShardResult> {
  const logger = deps.logger.child({ account: account.uin, ...(account.name ? { accountName: account.name } : {}) });
  let client = deps.client;
  if (account.roleArn) {
    const assumed = accountClient(config, deps, account.roleArn, logger);
    // Assumed up front: a role that cannot be assumed is one error for the account, not one per region.
    try {
      await assumed.source.get();
    } catch (err) {
      const e = errorRecord(err);
      logger.warn("role could not be assumed; this account is skipped", { roleArn: account.roleArn, ...e });
      return { account, error: { ...e, action: "AssumeRole" } };
    }
    client = assumed.client;
  }
  const progress = deps.progress;
  const report = await runSpec(spec, config, trigger, {
    ...deps,
    client,
    logger,
    ...(progress ? { progress: (p) => progress({ ...p, region: `${accountLabel(account)} ${p.region}` }) } : {}),
  });
  return { account, report };
}

/** The whole run: one shard per account, merged into one report that names the account everywhere. */
export async function runAccounts<C extends BaseConfig, K extends string, P>(
  spec: FunctionSpec<C, K, P>,
  config: C,
  trigger: Trigger,
  deps: RunDeps,
): Promise<RunReport> {
  const startedAt = deps.now();
  const head = () => ({
    function: spec.name,
    runId: deps.runId,
    trigger: trigger.source,
    dryRun: config.dryRun || trigger.dryRun === true,
    startedAt: startedAt.toISOString(),
    finishedAt: deps.now().toISOString(),
  });
  if (trigger.shard) {
    // A fanned-out worker: one account (and the region the trigger narrows to), with its share of the run's count limits.
    // A batch of `size` shards takes `size` shares: floor(limit × size / count), so all batches together never exceed the limit.
    const shared = spec.shareLimits
      ? spec.shareLimits(config, trigger.shard.count / (trigger.shard.size ?? 1))
      : config;
    if (!trigger.shard.account.roleArn) return runSpec(spec, shared, trigger, deps);
    return mergeShardReports([await runShard(spec, shared, trigger, deps, trigger.shard.account)], head());
  }
  if (!config.accounts) return runSpec(spec, config, trigger, deps);
  const accounts = await resolveAccounts(config.accounts, deps.client, config.region);
  deps.logger.info("accounts resolved", { accounts: accounts.map(accountLabel) });
  // A run-wide count limit is divided across the shards up front (docs/operating.md, "Many accounts").
  const shared = spec.shareLimits ? spec.shareLimits(config, Math.max(1, accounts.length)) : config;
  const results = await mapLimit(accounts, config.shardConcurrency, (a) => runShard(spec, shared, trigger, deps, a));
  return mergeShardReports(results, head());
}
