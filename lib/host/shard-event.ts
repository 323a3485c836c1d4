/**
 * A fanned-out worker's event, parsed as untrusted input: whoever may invoke the function can send
 * anything, so every field is checked by one schema before anything reads it, and the shard is
 * then checked against the worker's own config and the organization. A forged `shards` of "x" or
 * {} once made each shard's share of the guard's count NaN, which no comparison trips.
 */
import * as z from "zod/mini";
import type { BaseConfig } from "../config/config.ts";
import { isRegion } from "../config/fields.ts";
import { roleArnOf } from "../accounts/accounts.ts";
import { callerAccount, organizationMember, resolveAccounts } from "../accounts/resolve.ts";
import type { TencentCloudClient } from "../tencent/client.ts";
import type { ShardEvent } from "./fanout.ts";
import { SHARD_KEY, shardRegions } from "./fanout.ts";

/** More shards than this is no run of ours (100,000 accounts × regions); the count only ever divides limits. */
export const MAX_SHARDS = 100_000;

const schema = z.object({
  function: z.string(),
  runId: z.string().check(z.regex(/^[A-Za-z0-9-]{1,64}$/, "a run id of up to 64 letters, digits and -")),
  dryRun: z.boolean(),
  shards: z.int().check(z.gte(1, "at least 1"), z.lte(MAX_SHARDS, `at most ${MAX_SHARDS}`)),
  shard: z.object({
    account: z.object({
      uin: z.string().check(z.regex(/^(\d{5,20}|self)$/, "an account uin, or self")),
      name: z.optional(z.string().check(z.maxLength(256))),
      roleArn: z.optional(z.string().check(z.maxLength(300))),
    }),
    region: z.optional(z.string().check(z.refine(isRegion, "a region name such as ap-guangzhou"))),
    regions: z.optional(
      z
        .array(z.string().check(z.refine(isRegion, "a region name such as ap-guangzhou")))
        .check(z.minLength(2), z.maxLength(200)),
    ),
  }),
});

/** The event's shard, or every problem with it by path (`shards: expected int, received string`). */
export function parseShardEvent(
  event: unknown,
): { ok: true; value: ShardEvent[typeof SHARD_KEY] } | { ok: false; problem: string } {
  const r = schema.safeParse((event as Record<string, unknown> | undefined)?.[SHARD_KEY]);
  if (r.success) return { ok: true, value: r.data };
  return { ok: false, problem: r.error.issues.map((i) => `${i.path.join(".") || "event"}: ${i.message}`).join("; ") };
}

/**
 * Whether a parsed shard is one this function's own config would have listed, by the same rule
 * the coordinator used: an account ACCOUNTS lists (a role ARN, `self`, or a member of the
 * organization, looked up by uin), a region in REGIONS, and a shard count no smaller than the
 * config implies (a smaller one would give this shard a larger share of the run's count limits).
 * Where the config fixes the count (listed roles and regions), it must be exactly that.
 */
export async function verifyShard(
  config: BaseConfig,
  e: ShardEvent[typeof SHARD_KEY],
  client: TencentCloudClient,
  byRegion: boolean,
): Promise<string | undefined> {
  const { account } = e.shard;
  const a = config.accounts;
  if (e.shard.region && e.shard.regions) return "a shard names one region or a batch of regions, not both";
  const regions = shardRegions(e.shard) ?? [];
  for (const region of regions)
    if (config.regions !== "all" && !config.regions.includes(region)) return `region ${region} is not in REGIONS`;
  if (new Set(regions).size !== regions.length) return "a batch names a region twice";
  if (byRegion && !regions.length) return "a shard of this function names its region";
  if (!byRegion && regions.length) return "a shard of this function covers every region of its account, and names none";
  if (regions.length > e.shards)
    return `a batch of ${regions.length} regions is more than the ${e.shards} shards the event counts`;
  const regionCount = !byRegion ? 1 : config.regions === "all" ? undefined : config.regions.length;
  let accountCount: number | undefined;
  if (!a) {
    if (account.roleArn || account.uin !== "self") return "ACCOUNTS is not set: a shard may only be this account's own";
    accountCount = 1;
  } else if (a.kind === "list") {
    const listed = await resolveAccounts(a, client, config.region);
    if (!listed.some((x) => x.uin === account.uin && x.roleArn === account.roleArn)) {
      return account.roleArn
        ? `role ${account.roleArn} is not one ACCOUNTS lists`
        : "the caller's own account is not in ACCOUNTS (add self)";
    }
    accountCount = listed.length;
  } else if (account.roleArn === undefined) {
    if (!a.self) return "the caller's own account is not in ACCOUNTS (add self)";
    if ((await callerAccount(client, config.region)).uin !== account.uin)
      return `account ${account.uin} is not the caller's own`;
  } else {
    if (account.roleArn !== roleArnOf(account.uin, a.roleName))
      return `role ${account.roleArn} is not organization:${a.roleName} in account ${account.uin}`;
    // Membership by the organization's own word, looked up by uin: a role that trusts us in an account outside it is not enough.
    if (!(await organizationMember(client, config.region, account.uin)))
      return `account ${account.uin} is not a member of the organization`;
  }
  if (accountCount !== undefined && regionCount !== undefined) {
    if (e.shards !== accountCount * regionCount)
      return `the event counts ${e.shards} shards, but this config yields ${accountCount * regionCount}`;
  } else if (e.shards < (accountCount ?? 1) * (regionCount ?? 1)) {
    return `the event counts ${e.shards} shards, fewer than this config yields (at least ${(accountCount ?? 1) * (regionCount ?? 1)})`;
  }
  return undefined;
}
