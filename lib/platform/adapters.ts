/**
 * Thin platform adapters: Tencent SCF (`main_handler(event, context)`) and AWS Lambda
 * (`handler`), for the events in platform-events.ts plus our own asynchronous events (a fan-out
 * shard, an alarm callback's verification). Each turns its event into a platform-neutral Trigger,
 * runs the function, and shapes the answer. Config is parsed once per warm container; an
 * unexpected error is logged with context and re-raised.
 */
import type { RunReport } from "../runtime/report.ts";
import { ConfigError, envCredentials, type BaseConfig, type Env } from "../config/config.ts";
import { readAwsSecret } from "./aws-secret.ts";
import { readScfSecret } from "./scf-secret.ts";
import { createLogger, type Logger } from "../log/logger.ts";
import { createRunDeps } from "../runtime/run-deps.ts";
import { historyFromEnv } from "../history/from-env.ts";
import type { Trigger } from "../runtime/trigger.ts";
import type { ReportBase } from "../runtime/report-head.ts";
import { failureWords, type OutcomeCounts } from "../runtime/report.ts";
import type { Guard } from "../runtime/spec.ts";
import { ReplayCache } from "../webhook/verify.ts";
import { answerWebhook, noSuchEndpoint } from "./webhook-core.ts";
import { answerAlarmCallback, CallbackGate } from "./alarm-callback.ts";
import { handOff, isAlarmEvent, parseAlarmEvent, type AlarmEvent } from "./alarm-event.ts";
import {
  isEventBridge,
  isHttpApiV2,
  isScfApiGateway,
  isScfTimer,
  type HttpReply,
  type LambdaContext,
  type ScfContext,
} from "./platform-events.ts";
import { answerSnooze, zoneOf } from "./snooze-links.ts";
import { acceptTarget, answerAccept } from "./accept-page.ts";

const HTML = "text/html; charset=utf-8";
import type { FunctionEntry, LoadedFunction } from "../runtime/entry.ts";
import {
  coordinate,
  isShardEvent,
  lambdaInvoker,
  listShards,
  scfInvoker,
  shardRegions,
  type Invoker,
  type ShardEvent,
} from "./fanout.ts";
import { parseShardEvent, verifyShard } from "./shard-event.ts";

export interface AdapterOptions {
  env?: Env;
  logger?: Logger;
  nowS?: () => number;
}

const json = (statusCode: number, body: unknown): HttpReply => ({
  statusCode,
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify(body),
  isBase64Encoded: false,
});

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

/** The webhook and timer core shared by both platforms. */
export function makeCore(fn: FunctionEntry, opts: AdapterOptions = {}) {
  const { name } = fn;
  const logger = opts.logger ?? createLogger();
  const replay = new ReplayCache();
  let loaded: LoadedFunction | undefined;
  // Secrets read at cold start (Lambda: AWS Secrets Manager) overlay the environment.
  let secrets: Env = {};
  // Parsed once per warm container; the role's credentials (SCF's execution role, STS) rotate
  // while a container stays warm, so they are re-read on every invocation.
  const env = (): Env => ({ ...(opts.env ?? process.env), ...secrets });
  const loadOnce = (): LoadedFunction => {
    loaded ??= fn.load(env());
    const credentials = envCredentials(env());
    return credentials ? loaded.with({ credentials }) : loaded;
  };
  const nowS = opts.nowS ?? (() => Math.floor(Date.now() / 1000));

  async function runWith(trigger: Trigger): Promise<RunReport> {
    logger.appendKeys({ function: name, invocationId: trigger.requestId, trigger: trigger.source });
    try {
      const l = loadOnce();
      const deps = createRunDeps(l.config, { logger, history: historyFromEnv(env(), { local: false }) });
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

  const gate = new CallbackGate(opts.nowS ? () => opts.nowS!() * 1000 : Date.now);
  async function webhook(
    method: string,
    path: string,
    headers: Record<string, string>,
    rawBody: string,
    requestId: string | undefined,
    query = "",
    invokerFor?: InvokerFor,
  ): Promise<HttpReply> {
    if (fn.snoozeLinks && /\/snooze$/.test(path)) {
      const a = await answerSnooze(
        {
          method,
          query,
          requestId,
          acceptLanguage: Object.entries(headers).find(([k]) => k.toLowerCase() === "accept-language")?.[1],
        },
        {
          name,
          secret: () => loadOnce().config.webhookSecret,
          zone: () => zoneOf(loadOnce().config),
          client: () => {
            const l = loadOnce();
            return { client: createRunDeps(l.config, { logger }).client, dryRun: l.config.dryRun };
          },
          run: (t) => runWith(t),
        },
        { logger, nowMs: opts.nowS ? () => opts.nowS!() * 1000 : Date.now },
      );
      return {
        statusCode: a.status,
        headers: { "Content-Type": "text/html; charset=utf-8" },
        body: a.html,
        isBase64Encoded: false,
      };
    }
    const nowMs = () => (opts.nowS ? opts.nowS() * 1000 : Date.now());
    if (fn.acceptLinks && /\/accept$/.test(path)) {
      const target = acceptTarget(name, () => loadOnce().config, logger);
      const a = await answerAccept({ method, query, requestId }, target, { logger, nowMs: () => nowMs() });
      return { statusCode: a.status, headers: { "Content-Type": HTML }, body: a.html, isBase64Encoded: false };
    }
    const alarm = fn.alarmCallback ? /\/alarm\/([^/]*)$/.exec(path) : null;
    if (alarm) {
      const a = await answerAlarmCallback(
        { method, token: alarm[1]!, body: rawBody, requestId },
        {
          name,
          secret: () => loadOnce().config.webhookSecret,
          // Answered at once: the verification goes to an asynchronous invocation of this function.
          verify: handOff(
            name,
            () => {
              const c = loadOnce().config;
              return invokerFor?.(c, createRunDeps(c, { logger }).client);
            },
            (t) => runWith(t),
            logger,
          ),
        },
        { logger, gate },
      );
      return json(a.status, a.body);
    }
    // A function URL belongs to this one function, so its root answers too; a gateway path must name it.
    if (!path.endsWith(`/run/${name}`) && path !== "/" && path !== "") {
      const a = noSuchEndpoint([name]);
      return json(a.status, a.body);
    }
    const a = await answerWebhook(
      { method, headers, body: rawBody, requestId },
      { name, secret: () => loadOnce().config.webhookSecret, run: (t) => runWith(t) },
      { logger, replay, nowS },
    );
    return json(a.status, a.body);
  }
  /**
   * A scheduled run: its report, or RunFailedError (after the report is logged) when it failed.
   * With FANOUT=auto and more than one shard it coordinates instead: one asynchronous invocation
   * of this function per shard.
   */
  async function timer(requestId: string | undefined, invokerFor?: InvokerFor): Promise<ReportBase> {
    const c = invokerFor ? loadOnce().config : undefined;
    if (c && invokerFor && c.fanout === "auto") {
      logger.appendKeys({ function: name, invocationId: requestId, trigger: "timer" });
      try {
        const deps = createRunDeps(c, { logger });
        const trigger: Trigger = { source: "timer", requestId };
        const { shards, errors } = await listShards(c, deps, trigger, fn.shardBy === "region");
        if (shards.length > 1 || errors.length) {
          const report = await coordinate(fn, c, trigger, deps, shards, errors, invokerFor(c, deps.client));
          if (report.errors.length) throw new RunFailedError(report);
          return report;
        }
      } finally {
        logger.resetKeys();
      }
    }
    const report = await runWith({ source: "timer", requestId });
    if (runFailed(report)) throw new RunFailedError(report);
    return report;
  }

  /** An alarm callback's verification, delivered asynchronously: a run that verifies the one machine it names. */
  async function alarmWorker(event: AlarmEvent, requestId: string | undefined): Promise<ReportBase> {
    const parsed = parseAlarmEvent(event, name);
    if ("problem" in parsed) {
      logger.error("alarm verification refused", { function: name, problem: parsed.problem, invocationId: requestId });
      throw new TypeError(`${name}: alarm verification refused: ${parsed.problem}`);
    }
    // Not thrown when the run reports errors: the platform's retries would repeat a run that is already logged.
    return runWith({ source: "webhook", requestId, alarmed: [parsed.instance] });
  }

  /** Shards of runs this container has run (run id, account, region), the oldest forgotten past 10,000. */
  const shardsRun = new Set<string>();
  /** A fanned-out worker: the one shard its coordinator gave it, under the coordinator's run id. */
  async function worker(event: ShardEvent, requestId: string | undefined): Promise<ReportBase> {
    const parsed = parseShardEvent(event);
    if (!parsed.ok) {
      logger.error("shard refused", { function: name, problem: parsed.problem, invocationId: requestId });
      throw new TypeError(`${name}: shard refused: ${parsed.problem}`);
    }
    const e = parsed.value;
    if (e.function !== name)
      throw new TypeError(`${name}: a shard event for ${String(e.function)} reached this function`);
    const l = loadOnce();
    const c = l.config;
    // One client for the check and the run: they share the account's call budget.
    const deps = createRunDeps(c, { logger, runId: e.runId, history: historyFromEnv(env(), { local: false }) });
    const problem = await verifyShard(c, e, deps.client, fn.shardBy === "region");
    if (problem) {
      logger.error("shard refused", { function: name, problem, invocationId: requestId });
      throw new TypeError(`${name}: shard refused: ${problem}`);
    }
    // A duplicate delivery (a platform may deliver an asynchronous event more than once) runs nothing.
    const regions = shardRegions(e.shard);
    const once = `${e.runId}/${e.shard.account.uin}/${(regions ?? []).join(",")}`;
    if (shardsRun.has(once)) {
      logger.warn("duplicate delivery: this shard of this run already ran here; nothing done", {
        function: name,
        runId: e.runId,
        account: e.shard.account.uin,
        regions,
        invocationId: requestId,
      });
      return {
        function: name,
        runId: e.runId,
        trigger: "shard",
        dryRun: e.dryRun,
        startedAt: new Date().toISOString(),
        finishedAt: new Date().toISOString(),
        regions: regions ?? [],
        errors: [],
        duplicate: true,
      } as ReportBase;
    }
    shardsRun.add(once);
    if (shardsRun.size > 10_000) shardsRun.delete(shardsRun.values().next().value!);
    const trigger: Trigger = {
      source: "shard",
      requestId,
      dryRun: e.dryRun,
      ...(regions ? { regions } : {}),
      shard: { account: e.shard.account, count: e.shards, size: regions?.length ?? 1 },
    };
    logger.appendKeys({ function: name, invocationId: requestId, trigger: "shard", account: e.shard.account.uin });
    try {
      const report = await l.run(trigger, deps);
      logger.info(fn.summarize(report));
      if (runFailed(report)) {
        logger.warn("run report", { report });
        throw new RunFailedError(report);
      }
      return report;
    } finally {
      logger.resetKeys();
    }
  }
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
  return { runWith, webhook, timer, worker, alarmWorker, readSecrets };
}

const decode = (body: unknown, b64: unknown) =>
  typeof body === "string" && body ? (b64 === true ? Buffer.from(body, "base64").toString("utf8") : body) : "";
const text = (v: unknown) => (typeof v === "string" ? v : "");
/** SCF hands the query as a map (its function URL and API gateway events): back to a query string, string values only. */
const queryOf = (v: unknown) =>
  v && typeof v === "object"
    ? new URLSearchParams(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === "string")).toString()
    : "";
/** Header maps from events are trusted for nothing: only string values are kept. */
const headersOf = (v: unknown): Record<string, string> =>
  v && typeof v === "object"
    ? Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === "string"))
    : {};

/** How a platform invokes this same function asynchronously, once the config and a client are at hand. */
type InvokerFor = (c: BaseConfig, client: Parameters<typeof scfInvoker>[0]) => Invoker;

/** SCF: the function invokes itself by the name and namespace SCF gives it, in its own region. */
const scfSelf = (context: ScfContext): InvokerFor | undefined => {
  const self = text(context?.function_name);
  return self
    ? (c, client) =>
        scfInvoker(client, { functionName: self, namespace: text(context?.namespace) || "default", region: c.region })
    : undefined;
};
/** Lambda: by the ARN (or name) the context gives, through the runtime's AWS SDK. */
const lambdaSelf = (context: LambdaContext, env: Env): InvokerFor | undefined => {
  const self = text(context?.invokedFunctionArn) || text(context?.functionName);
  return self ? () => lambdaInvoker(self, env) : undefined;
};

/** `main_handler` for Tencent SCF and `handler` for AWS Lambda, for one function. */
export function makeHandlers(fn: FunctionEntry, opts: AdapterOptions = {}) {
  const { name } = fn;
  const core = makeCore(fn, opts);
  return {
    async main_handler(event: unknown, context: ScfContext = {}): Promise<ReportBase | HttpReply> {
      // WEBHOOK_SECRET and NOTIFY_* come from the SSM secret deploy wrote, read with the role.
      await core.readSecrets(readScfSecret);
      const requestId = text(context?.request_id) || undefined;
      if (isShardEvent(event)) return core.worker(event, requestId);
      if (isAlarmEvent(event)) return core.alarmWorker(event, requestId);
      if (isScfApiGateway(event)) {
        return core.webhook(
          text(event.httpMethod),
          text(event.path),
          headersOf(event.headers),
          decode(event.body, event.isBase64Encoded),
          requestId || text(event.requestContext?.requestId) || undefined,
          queryOf(event.queryString),
          scfSelf(context),
        );
      }
      if (isScfTimer(event)) return core.timer(requestId, scfSelf(context));
      throw new TypeError(`${name}: unrecognised SCF event (expected a timer or API gateway event)`);
    },
    async handler(event: unknown, context: LambdaContext = {}): Promise<ReportBase | HttpReply> {
      // The Tencent key and the webhook secrets come from AWS Secrets Manager.
      await core.readSecrets(readAwsSecret);
      const requestId = text(context?.awsRequestId) || undefined;
      if (isShardEvent(event)) return core.worker(event, requestId);
      if (isAlarmEvent(event)) return core.alarmWorker(event, requestId);
      if (isHttpApiV2(event)) {
        return core.webhook(
          text(event.requestContext.http.method),
          text(event.rawPath),
          headersOf(event.headers),
          decode(event.body, event.isBase64Encoded),
          requestId || text(event.requestContext.requestId) || undefined,
          text(event.rawQueryString),
          lambdaSelf(context, opts.env ?? process.env),
        );
      }
      if (isEventBridge(event))
        return core.timer(requestId || text(event.id) || undefined, lambdaSelf(context, opts.env ?? process.env));
      throw new TypeError(`${name}: unrecognised Lambda event (expected an EventBridge schedule or HTTP API v2 event)`);
    },
  };
}

export * from "./platform-events.ts";
