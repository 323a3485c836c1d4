/**
 * Fan-out on the platforms, as AWS Instance Scheduler's orchestrator does it: a
 * scheduled invocation with more than one shard (account × region; account alone for a function
 * whose plan spans regions) becomes a coordinator that invokes the same function once per shard,
 * asynchronously — SCF Invoke with `InvocationType: Event`, or Lambda's asynchronous invoke — and
 * each worker runs one shard and reports with the coordinator's run id. The platform is the
 * distributed engine: shards run in parallel containers, each within its own memory and time.
 */
import type { BaseConfig, Env } from "../config/config.ts";
import { accountLabel, type Account } from "../accounts/accounts.ts";
import { resolveAccounts } from "../accounts/resolve.ts";
import type { RunDeps } from "../runtime/run-deps.ts";
import { resolveRegions } from "../runtime/regions.ts";
import { accountClient } from "../runtime/shards.ts";
import { awsClientConfig } from "../deploy/aws-sdk.ts";
import { errorRecord } from "../tencent/errors.ts";
import type { TencentCloudClient } from "../tencent/client.ts";
import { api } from "../tencent/services.ts";
import type { Trigger } from "../report/trigger.ts";
import type { ErrorEntry, ReportBase } from "../report/report-head.ts";
import type { AlarmEvent } from "./platform-events.ts";

/** The key a worker's event carries; anything else is a timer, webhook or a coordinator's own run. */
export const SHARD_KEY = "cvm-autopilot-shard";

export interface Shard {
  account: Account;
  /** Undefined: every region of the account (a function whose plan spans regions). */
  region?: string | undefined;
  /** A batch: these regions of the account, one run over all of them (the coordinator's cap on invocations). */
  regions?: string[] | undefined;
}

export interface ShardEvent {
  [SHARD_KEY]: { function: string; runId: string; dryRun: boolean; shards: number; shard: Shard };
}

/** An event that claims to be a worker's (it carries the key); what it holds is checked by parseShardEvent. */
export const isShardEvent = (e: unknown): e is ShardEvent => !!e && typeof e === "object" && SHARD_KEY in e;

/** Sends one asynchronous invocation of this same function. */
export interface Invoker {
  platform: "scf" | "lambda";
  invoke(event: ShardEvent | AlarmEvent): Promise<{ requestId?: string | undefined }>;
}

export interface FanoutReport extends ReportBase {
  fanout: {
    shards: number;
    invoked: Array<{ account: string; region?: string | undefined; requestId?: string | undefined }>;
  };
}

/** SCF: Invoke (scf 2018-04-16) on itself, `Event`, the event as ClientContext (at most 128 KB asynchronously, per the model). */
export function scfInvoker(
  client: TencentCloudClient,
  target: { functionName: string; namespace: string; region: string },
): Invoker {
  return {
    platform: "scf",
    async invoke(event) {
      const r = await api(client).invoke(target.region, {
        FunctionName: target.functionName,
        Namespace: target.namespace,
        InvocationType: "Event",
        ClientContext: JSON.stringify(event),
      });
      return { requestId: r.Result?.FunctionRequestId ?? r.RequestId };
    },
  };
}

/**
 * Lambda: an asynchronous Invoke through the AWS SDK v3 the Node.js runtime provides (external
 * to the bundle, loaded only here). AWS_ENDPOINT_URL_LAMBDA points it elsewhere (tests).
 */
export function lambdaInvoker(functionName: string, env: Env): Invoker {
  return {
    platform: "lambda",
    async invoke(event) {
      const { LambdaClient, InvokeCommand } = await import("@aws-sdk/client-lambda");
      const client = new LambdaClient(awsClientConfig(env, "LAMBDA"));
      const r = await client.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: "Event",
          Payload: Buffer.from(JSON.stringify(event)),
        }),
      );
      return { requestId: r.$metadata.requestId };
    },
  };
}

/** The shards of a run: each account (the caller's own when ACCOUNTS is unset) × its regions. */
export async function listShards(
  config: BaseConfig,
  deps: RunDeps,
  trigger: Trigger,
  byRegion: boolean,
): Promise<{ shards: Shard[]; errors: ErrorEntry[] }> {
  const accounts: Account[] = config.accounts
    ? await resolveAccounts(config.accounts, deps.client, config.region)
    : [{ uin: "self" }];
  const shards: Shard[] = [];
  const errors: ErrorEntry[] = [];
  for (const account of accounts) {
    if (!byRegion) {
      shards.push({ account });
      continue;
    }
    try {
      // REGIONS=all is each account's own list: read with that account's credentials.
      const client =
        account.roleArn && config.regions === "all" ? accountClient(config, deps, account.roleArn).client : deps.client;
      const regions = (await resolveRegions(config, client)).filter(
        (r) => !trigger.regions || trigger.regions.includes(r),
      );
      for (const region of regions) shards.push({ account, region });
    } catch (err) {
      errors.push({ account: account.uin, ...errorRecord(err) });
    }
  }
  return { shards, errors };
}

/**
 * The shards of a run in invocations: one each while there are at most `maxInvocations`, else
 * batches of one account's regions (never two accounts in one), so a coordinator's time is
 * bounded by the cap, not by the shard count. Invoke allows 20 calls a second (scf's limits):
 * 10,000 shards one by one took 500 s of the 900 s SCF gives a function; the default cap of
 * 1,000 takes 50 s at any size.
 */
export function batchShards(shards: Shard[], maxInvocations: number): Shard[] {
  const size = Math.max(1, Math.ceil(shards.length / Math.max(1, maxInvocations)));
  if (size === 1) return shards;
  const byAccount = new Map<string, Shard[]>();
  for (const s of shards) {
    const list = byAccount.get(s.account.uin);
    if (list) list.push(s);
    else byAccount.set(s.account.uin, [s]);
  }
  const out: Shard[] = [];
  for (const list of byAccount.values()) {
    for (let i = 0; i < list.length; i += size) {
      const part = list.slice(i, i + size);
      const regions = part.flatMap((s) => (s.region ? [s.region] : []));
      out.push(regions.length > 1 ? { account: part[0]!.account, regions } : part[0]!);
    }
  }
  return out;
}

/** The regions a shard's worker runs (undefined: every region of the account). */
export const shardRegions = (s: Shard): string[] | undefined => s.regions ?? (s.region ? [s.region] : undefined);

/** The coordinator: one asynchronous invocation per shard, or per batch past the cap; a failed invocation fails only its shards. */
export async function coordinate(
  fn: { name: string },
  config: BaseConfig,
  trigger: Trigger,
  deps: RunDeps,
  shards: Shard[],
  listErrors: ErrorEntry[],
  invoker: Invoker,
): Promise<FanoutReport> {
  const startedAt = deps.now().toISOString();
  const dryRun = config.dryRun || trigger.dryRun === true;
  const errors = [...listErrors];
  const invoked: FanoutReport["fanout"]["invoked"] = [];
  // Invoke is limited to 20 per second per region (scf's limits); the client's limiter paces it.
  const invocations = batchShards(shards, config.fanoutMaxInvocations);
  await Promise.all(
    invocations.map(async (shard) => {
      const event: ShardEvent = {
        [SHARD_KEY]: { function: fn.name, runId: deps.runId, dryRun, shards: shards.length, shard },
      };
      const where = shard.regions ? shard.regions.join(",") : shard.region;
      try {
        const r = await invoker.invoke(event);
        invoked.push({ account: shard.account.uin, region: where, requestId: r.requestId });
      } catch (err) {
        errors.push({ account: shard.account.uin, region: where, action: "Invoke", ...errorRecord(err) });
      }
    }),
  );
  deps.logger.info(
    `${fn.name}: invoked ${invoked.length} of ${invocations.length === shards.length ? `${shards.length} shards` : `${invocations.length} batches of ${shards.length} shards`}`,
    {
      platform: invoker.platform,
      shards: shards.map((s) => `${accountLabel(s.account)}${s.region ? ` ${s.region}` : ""}`),
    },
  );
  return {
    function: fn.name,
    runId: deps.runId,
    trigger: trigger.source,
    dryRun,
    startedAt,
    finishedAt: deps.now().toISOString(),
    regions: [...new Set(shards.flatMap((s) => (s.region ? [s.region] : [])))],
    errors,
    fanout: { shards: shards.length, invoked },
  };
}
