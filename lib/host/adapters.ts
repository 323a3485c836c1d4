/**
 * Thin platform adapters: Tencent SCF (`main_handler(event, context)`) and AWS Lambda
 * (`handler`), for the events in platform-events.ts plus our own asynchronous events (a fan-out
 * shard, an alarm callback's verification). Each turns its event into a platform-neutral Trigger,
 * runs the function, and shapes the answer. Config is parsed once per warm container; an
 * unexpected error is logged with context and re-raised.
 */
import { historyStoreFromEnv } from "../history/from-env.ts";
import { monthlyDigest, thenDigest } from "./monthly-digest.ts";
import type { Env } from "../config/config.ts";
import { readAwsSecret } from "../deploy/aws-secret.ts";
import { readScfSecret } from "../deploy/scf-secret.ts";
import type { ReportBase } from "../report/report-head.ts";
import { ReplayCache } from "../webhook/verify.ts";
import { CallbackGate } from "./alarm-callback.ts";
import { isAlarmEvent } from "./alarm-event.ts";
import {
  decode,
  headersOf,
  queryOf,
  text,
  isEventBridge,
  isHttpApiV2,
  isScfApiGateway,
  isScfTimer,
  type HttpReply,
  type LambdaContext,
  type ScfContext,
} from "./platform-events.ts";
import type { FunctionEntry } from "../runtime/entry.ts";
import { isShardEvent, lambdaInvoker, scfInvoker } from "./fanout.ts";
import { openContainer, type AdapterOptions, type InvokerFor } from "./container.ts";
import { answerUrl } from "./url-routes.ts";
import { alarmRun, shardWorker, timerRun } from "./container-runs.ts";

export { RunFailedError, runFailed, type AdapterOptions } from "./container.ts";

/** The webhook and timer core shared by both platforms: one container, its URL's routes and its runs. */
export function makeCore(fn: FunctionEntry, opts: AdapterOptions = {}) {
  const container = openContainer(fn, opts);
  const host = { ...container, replay: new ReplayCache(), gate: new CallbackGate(container.nowMs) };
  return {
    runWith: container.runWith,
    webhook: (
      method: string,
      path: string,
      headers: Record<string, string>,
      rawBody: string,
      requestId: string | undefined,
      query = "",
      invokerFor?: InvokerFor,
    ): Promise<HttpReply> => answerUrl(host, { method, path, headers, rawBody, requestId, query, invokerFor }),
    // A timer run on the 1st also sends last month's digest, once (monthly-digest.ts).
    timer: (requestId: string | undefined, invokerFor?: InvokerFor) =>
      thenDigest(
        () => timerRun(container, requestId, invokerFor),
        () =>
          monthlyDigest({
            config: container.load().config,
            store: historyStoreFromEnv(container.env(), { local: false }),
            logger: container.logger,
            nowMs: container.nowMs,
          }),
      ),
    worker: shardWorker(container),
    alarmWorker: (event: Parameters<typeof alarmRun>[1], requestId: string | undefined) =>
      alarmRun(container, event, requestId),
    readSecrets: container.readSecrets,
  };
}

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
