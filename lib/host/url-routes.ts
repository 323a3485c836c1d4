/**
 * The routes of a function's URL (SCF function URL, API gateway, Lambda HTTP API), one table in
 * the order they are tried: the dashboard, the snooze links, the alarm callback, the webhook run. Each says which
 * requests it takes and answers them through the core every host shares.
 */
import { createRunDeps } from "../runtime/run-deps.ts";
import type { ReplayCache } from "../webhook/verify.ts";
import type { FunctionEntry } from "../runtime/entry.ts";
import { answerWebhook, noSuchEndpoint } from "../webhook/webhook-core.ts";
import { answerAlarmCallback, type CallbackGate } from "./alarm-callback.ts";
import { handOff } from "./alarm-event.ts";
import type { HttpReply } from "./platform-events.ts";
import { answerSnooze, zoneOf } from "../snooze/snooze-links.ts";
import type { Container, InvokerFor } from "./container.ts";
import { dashboardReply, isDashboardPath, upcomingOf } from "./dashboard.ts";
import { historyStoreFromEnv } from "../history/from-env.ts";

/** One request to the function's URL, as its platform event gave it. */
export interface UrlRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  rawBody: string;
  requestId: string | undefined;
  query: string;
  invokerFor?: InvokerFor | undefined;
}

/** The container, with what its routes keep between requests. */
export interface UrlHost extends Container {
  replay: ReplayCache;
  gate: CallbackGate;
}

interface Route {
  /** What of the path the route takes (a match), or null when the request is not its. */
  match(fn: FunctionEntry, path: string): RegExpExecArray | null;
  answer(host: UrlHost, req: UrlRequest, m: RegExpExecArray): Promise<HttpReply>;
}

const json = (statusCode: number, body: unknown): HttpReply => ({
  statusCode,
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify(body),
  isBase64Encoded: false,
});

/** The snooze links' page (GET shows, POST acts), for a function that hands them out. */
const snooze: Route = {
  match: (fn, path) => (fn.snoozeLinks ? /\/snooze$/.exec(path) : null),
  async answer(host, req) {
    const acceptLanguage = Object.entries(req.headers).find(([k]) => k.toLowerCase() === "accept-language")?.[1];
    const a = await answerSnooze(
      { method: req.method, query: req.query, requestId: req.requestId, acceptLanguage },
      {
        name: host.name,
        secret: () => host.load().config.webhookSecret,
        zone: () => zoneOf(host.load().config),
        client: () => {
          const l = host.load();
          return { client: createRunDeps(l.config, { logger: host.logger }).client, dryRun: l.config.dryRun };
        },
        run: (t) => host.runWith(t),
      },
      { logger: host.logger, nowMs: host.nowMs },
    );
    return {
      statusCode: a.status,
      headers: { "Content-Type": "text/html; charset=utf-8" },
      body: a.html,
      isBase64Encoded: false,
    };
  },
};

/** Cloud Monitor's alarm callback, for a function that takes them: answered at once, verified asynchronously. */
const alarm: Route = {
  match: (fn, path) => (fn.alarmCallback ? /\/alarm\/([^/]*)$/.exec(path) : null),
  async answer(host, req, m) {
    const { name, logger } = host;
    const a = await answerAlarmCallback(
      { method: req.method, token: m[1]!, body: req.rawBody, requestId: req.requestId },
      {
        name,
        secret: () => host.load().config.webhookSecret,
        // Answered at once: the verification goes to an asynchronous invocation of this function.
        verify: handOff(
          name,
          () => {
            const c = host.load().config;
            return req.invokerFor?.(c, createRunDeps(c, { logger }).client);
          },
          (t) => host.runWith(t),
          logger,
        ),
      },
      { logger, gate: host.gate },
    );
    return json(a.status, a.body);
  },
};

/** The signed webhook run. A function URL belongs to this one function, so its root answers too; a gateway path must name it. */
const run: Route = {
  match: (fn, path) => (path.endsWith(`/run/${fn.name}`) || path === "/" || path === "" ? /.*/.exec(path) : null),
  async answer(host, req) {
    const a = await answerWebhook(
      { method: req.method, headers: req.headers, body: req.rawBody, requestId: req.requestId },
      { name: host.name, secret: () => host.load().config.webhookSecret, run: (t) => host.runWith(t) },
      { logger: host.logger, replay: host.replay, nowS: host.nowS },
    );
    return json(a.status, a.body);
  },
};

/** The signed dashboard (GET only, acts on nothing), on every function's URL. */
const dashboard: Route = {
  match: (_fn, path) => (isDashboardPath(path) ? /.*/.exec(path) : null),
  answer: (host, req) =>
    dashboardReply(
      { method: req.method, query: req.query, requestId: req.requestId },
      {
        secret: () => host.load().config.webhookSecret,
        store: () => historyStoreFromEnv(host.env(), { local: false }),
        upcoming: (now) => upcomingOf([host.load()], now),
      },
      { logger: host.logger, nowMs: host.nowMs },
    ),
};

const ROUTES: readonly Route[] = [dashboard, snooze, alarm, run];

/** The first route that takes the request answers it; a path none takes is the hosts' common 404. */
export async function answerUrl(host: UrlHost, req: UrlRequest): Promise<HttpReply> {
  for (const route of ROUTES) {
    const m = route.match(host.fn, req.path);
    if (m) return route.answer(host, req, m);
  }
  const a = noSuchEndpoint([host.name]);
  return json(a.status, a.body);
}
