/** What every function run needs: a client built from config, a logger, a clock, a run id. */
import { isRegion } from "../config/fields.ts";
import { cvmRoleCredentials } from "../accounts/cvm-role.ts";
import { randomUUID } from "node:crypto";
import type { BaseConfig } from "../config/config.ts";
import { TencentCloudClient, type ApiResponse, type ClientOptions } from "../tencent/client.ts";
import { createLogger, type Logger } from "../log/logger.ts";
import type { RegionInfo } from "../tencent/types.ts";
import { checkedRows } from "../tencent/normalize.ts";
import { api } from "../tencent/services.ts";
import { CLIENT_CODES, TencentCloudApiError } from "../tencent/errors.ts";

export interface RunDeps {
  client: TencentCloudClient;
  /** How a shard's client is made for another account's credentials (tests keep their fast retries). */
  clientFor?: ((credentialSource: NonNullable<ClientOptions["credentialSource"]>, logger: Logger) => TencentCloudClient) | undefined;
  logger: Logger;
  now: () => Date;
  /** Waits, for steps that poll the cloud (asynchronous operations); tests pass a fast one. */
  sleep: (ms: number) => Promise<void>;
  runId: string;
  /** Told as each region's decisions are in (the CLI shows a line per region on a terminal). */
  progress?: ((p: RegionProgress) => void) | undefined;
}

export interface RegionProgress {
  region: string;
  scanned: number;
  /** Decisions by kind, in the report's words. */
  byKind: Record<string, number>;
  /** Decisions asking for a write. */
  acting: number;
  /** Set when the region could not be decided (the error is in the report). */
  error?: string | undefined;
}

export interface RuntimeOverrides {
  progress?: (p: RegionProgress) => void;
  logger?: Logger;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  runId?: string;
  /** The client's retry pacing and clock (tests make retries fast instead of reaching into the client). */
  client?: Pick<ClientOptions, "retry" | "clock">;
}

/** One CVM-role source per metadata address, shared by every client of the process (one fetch per expiry, not per client). */
const cvmRoleSources = new Map<string, ReturnType<typeof cvmRoleCredentials>>();
function cvmRoleSource(url: string) {
  let s = cvmRoleSources.get(url);
  if (!s) cvmRoleSources.set(url, (s = cvmRoleCredentials(url)));
  return s;
}

export const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A client configured from the shared settings. */
export function clientFromConfig(config: BaseConfig, logger: Logger, overrides: { timeoutMs?: number } & Pick<ClientOptions, "retry" | "clock" | "credentialSource"> = {}): TencentCloudClient {
  const credentialSource = overrides.credentialSource ?? (config.cvmRoleMetadataUrl ? cvmRoleSource(config.cvmRoleMetadataUrl) : undefined);
  return new TencentCloudClient({
    ...(credentialSource ? { credentialSource } : {}),
    ...(overrides.clock ? { clock: overrides.clock } : {}),
    credentials: config.credentials,
    endpoint: config.endpoint,
    site: config.site,
    signMethod: config.signMethod,
    timeoutMs: overrides.timeoutMs ?? config.timeoutMs,
    retry: { maxAttempts: config.maxAttempts, ...(overrides.retry ?? {}) },
    accountBudget: config.accountBudget,
    logger,
  });
}

export function createRunDeps(config: BaseConfig, o: RuntimeOverrides = {}): RunDeps {
  const runId = o.runId ?? randomUUID();
  const logger = (o.logger ?? createLogger({ level: config.logLevel })).child({ runId });
  return {
    client: clientFromConfig(config, logger, o.client ?? {}),
    clientFor: (credentialSource, l) => clientFromConfig(config, l, { ...(o.client ?? {}), credentialSource }),
    logger, now: o.now ?? (() => new Date()), sleep: o.sleep ?? realSleep, runId, progress: o.progress,
  };
}

/** REGIONS=all becomes every AVAILABLE region from DescribeRegions. */
export async function resolveRegions(config: Pick<BaseConfig, "regions" | "region">, client: TencentCloudClient): Promise<string[]> {
  if (config.regions !== "all") return config.regions;
  return availableRegions(client, config.region);
}

/**
 * Every AVAILABLE region the account can use for CVM, checked: the Region API's list
 * (DescribeRegions, Product=cvm), the current one, or, when that API refuses (a policy without
 * region:DescribeRegions, say), CVM's own DescribeRegions, which is no longer updated, with a warning.
 */
export async function availableRegions(client: TencentCloudClient, region: string): Promise<string[]> {
  let res: ApiResponse<Record<string, unknown>>;
  try {
    res = await client.call<Record<string, unknown>>("region", "DescribeRegions", { Product: "cvm" }, { region });
  } catch (err) {
    if (!(err instanceof TencentCloudApiError)) throw err;
    client.logger.warn("the Region API's DescribeRegions did not answer; REGIONS=all falls back to CVM's DescribeRegions, which is no longer updated (a region newer than it is missed)", { code: err.code, requestId: err.requestId });
    res = (await api(client).describeRegions(region, {})) as unknown as ApiResponse<Record<string, unknown>>;
  }
  const { rows } = checkedRows<RegionInfo>("DescribeRegions", region, "RegionSet", res as unknown as Record<string, unknown>);
  const out = rows.filter((r) => r.RegionState === "AVAILABLE" && typeof r.Region === "string").map((r) => r.Region);
  // A region name becomes a host name, a key and a file name: one that is not a region's shape
  // (`../../x`) is a broken or hostile reply, refused whole rather than skipped.
  const bad = out.filter((r) => !isRegion(r));
  if (bad.length) {
    throw new TencentCloudApiError({
      code: CLIENT_CODES.badResponse, message: `DescribeRegions listed ${bad.length} name(s) that are not region names (${bad.slice(0, 3).map((r) => JSON.stringify(r.slice(0, 40))).join(", ")}); set REGIONS to a list instead of all`, action: "DescribeRegions", region, service: "cvm", requestId: res.RequestId,
    });
  }
  // An account always has regions: an empty answer is a broken reply, never "nothing to do".
  if (!out.length) {
    throw new TencentCloudApiError({
      code: CLIENT_CODES.badResponse, message: "DescribeRegions listed no AVAILABLE region; set REGIONS to a list instead of all", action: "DescribeRegions", region, service: "cvm", requestId: res.RequestId,
    });
  }
  return out;
}

/** Runs per-region work concurrently; the client's per-region limiters keep each under its limits. */
export async function forEachRegion<T>(regions: string[], fn: (region: string) => Promise<T>): Promise<Array<{ region: string; value?: T; error?: unknown }>> {
  return Promise.all(
    regions.map(async (region) => {
      try {
        return { region, value: await fn(region) };
      } catch (error) {
        return { region, error };
      }
    }),
  );
}

