/**
 * One function in a warm platform container (SCF or Lambda): its config parsed once, the secrets
 * the platform keeps overlaid on the environment at cold start, and every run logged with its
 * invocation's keys. What the adapters' routes and workers share.
 */
import type { RunReport } from "../report/report.ts";
import { ConfigError, envCredentials, type BaseConfig, type Env } from "../config/config.ts";
import { createLogger, type Logger } from "../log/logger.ts";
import { createRunDeps } from "../runtime/run-deps.ts";
import { historyFromEnv } from "../history/from-env.ts";
import type { Trigger } from "../report/trigger.ts";
import type { ReportBase } from "../report/report-head.ts";
import { failureWords, type OutcomeCounts } from "../report/report.ts";
import type { Guard } from "../runtime/spec.ts";
import type { FunctionEntry, LoadedFunction } from "../runtime/entry.ts";
import type { Invoker, scfInvoker } from "./fanout.ts";

export interface AdapterOptions {
  env?: Env;
  logger?: Logger;
  nowS?: () => number;
}

/** How a platform invokes this same function asynchronously, once the config and a client are at hand. */
export type InvokerFor = (c: BaseConfig, client: Parameters<typeof scfInvoker>[0]) => Invoker;

/**
 * A run that reported errors or was held back by its blast-radius guard. Thrown from a timer
 * invocation so the platform counts it as failed (Lambda's Errors metric, SCF's failure count and
 * alarms see it); the report was logged first and travels with the error.
 */
export class RunFailedError extends Error {
  constructor(readonly report: ReportBase & { guard?: Guard | undefined; outcomes?: OutcomeCounts }) {
    super(`${report.function}: ${failureWords(report)} (run ${report.runId}; the report is in the log)`);
    this.name = "RunFailedError";
  }
}

/** Whether a run should count as failed on its platform. */
export const runFailed = (r: ReportBase & { guard?: { tripped: boolean } }) =>
  r.errors.length > 0 || r.guard?.tripped === true;

/** One function in its container, as its routes and workers see it. */
export interface Container {
  fn: FunctionEntry;
  name: string;
  logger: Logger;
  /** The environment with the platform's secrets overlaid. */
  env(): Env;
  /** The function loaded (config parsed once), with the role's current credentials. */
  load(): LoadedFunction;
  nowS(): number;
  nowMs(): number;
  /** A run with the invocation's keys on every log line; its report logged, a failure logged and re-raised. */
  runWith(trigger: Trigger): Promise<RunReport>;
  /** Reads the platform's secrets once per container (again after a failed read). */
  readSecrets(read: (env: Env, logger: Logger) => Promise<Env>): Promise<void>;
}

export function openContainer(fn: FunctionEntry, opts: AdapterOptions = {}): Container {
  const logger = opts.logger ?? createLogger();
  let loaded: LoadedFunction | undefined;
  // Secrets read at cold start (Lambda: AWS Secrets Manager) overlay the environment.
  let secrets: Env = {};
  // Parsed once per warm container; the role's credentials (SCF's execution role, STS) rotate
  // while a container stays warm, so they are re-read on every invocation.
  const env = (): Env => ({ ...(opts.env ?? process.env), ...secrets });
  const load = (): LoadedFunction => {
    loaded ??= fn.load(env());
    const credentials = envCredentials(env());
    return credentials ? loaded.with({ credentials }) : loaded;
  };
  /**
   * Cold start: the secrets a platform keeps for the function (SCF: an SSM secret; Lambda: AWS
   * Secrets Manager) are read once per container and overlay the environment before the first
   * config parse. A failed read is logged and tried again on the next invocation.
   */
  let secretsRead: Promise<void> | undefined;
  const readSecrets = (read: (env: Env, logger: Logger) => Promise<Env>): Promise<void> =>
    (secretsRead ??= read(opts.env ?? process.env, logger).then(
      (s) => {
        secrets = s;
        loaded = undefined;
      },
      (err: unknown) => {
        secretsRead = undefined;
        logger.error("secret not read", { err, secret: (opts.env ?? process.env).CVM_AUTOPILOT_SECRET_NAME });
        throw err;
      },
    ));
  const nowS = opts.nowS ?? (() => Math.floor(Date.now() / 1000));
  const nowMs = opts.nowS ? () => opts.nowS!() * 1000 : Date.now;
  const c: Container = {
    fn,
    name: fn.name,
    logger,
    env,
    load,
    nowS,
    nowMs,
    readSecrets,
    runWith: (t) => runWith(c, t),
  };
  return c;
}

async function runWith(c: Container, trigger: Trigger): Promise<RunReport> {
  const { logger, fn } = c;
  logger.appendKeys({ function: fn.name, invocationId: trigger.requestId, trigger: trigger.source });
  try {
    const l = c.load();
    const deps = createRunDeps(l.config, { logger, history: historyFromEnv(c.env(), { local: false }) });
    const report = await l.run(trigger, deps);
    logger.info(fn.summarize(report));
    if (runFailed(report)) logger.warn("run report", { report });
    return report;
  } catch (err) {
    logger.error(err instanceof ConfigError ? "configuration invalid" : "run failed", {
      err,
      issues: (err as ConfigError).issues,
    });
    throw err;
  } finally {
    logger.resetKeys();
  }
}
