/** What every function run needs: a client built from config, a logger, a clock, a run id. */
import { cvmRoleCredentials } from "../accounts/cvm-role.ts";
import { randomUUID } from "node:crypto";
import type { BaseConfig } from "../config/config.ts";
import { TencentCloudClient, type ClientOptions } from "../tencent/client.ts";
import { createLogger, type Logger } from "../log/logger.ts";
import type { HistorySink } from "../history/recorder.ts";

export interface RunDeps {
  client: TencentCloudClient;
  /** How a shard's client is made for another account's credentials (tests keep their fast retries). */
  clientFor?:
    | ((credentialSource: NonNullable<ClientOptions["credentialSource"]>, logger: Logger) => TencentCloudClient)
    | undefined;
  logger: Logger;
  now: () => Date;
  /** Waits, for steps that poll the cloud (asynchronous operations); tests pass a fast one. */
  sleep: (ms: number) => Promise<void>;
  runId: string;
  /** Told as each region's decisions are in (the CLI shows a line per region on a terminal). */
  progress?: ((p: RegionProgress) => void) | undefined;
  /** Where each run's record and ledger events go (lib/history); undefined: none kept. */
  history?: HistorySink | undefined;
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
  history?: HistorySink | undefined;
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
export function clientFromConfig(
  config: BaseConfig,
  logger: Logger,
  overrides: { timeoutMs?: number } & Pick<ClientOptions, "retry" | "clock" | "credentialSource"> = {},
): TencentCloudClient {
  const credentialSource =
    overrides.credentialSource ?? (config.cvmRoleMetadataUrl ? cvmRoleSource(config.cvmRoleMetadataUrl) : undefined);
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
    logger,
    now: o.now ?? (() => new Date()),
    sleep: o.sleep ?? realSleep,
    runId,
    progress: o.progress,
    ...(o.history ? { history: o.history } : {}),
  };
}
