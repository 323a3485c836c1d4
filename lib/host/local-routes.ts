/**
 * The routes of `serve`'s webhook server, one table in the order they are tried: health, the
 * dashboard, the snooze and accept pages, the alarm callback, the webhook run. Each says which
 * requests it takes and answers them through the same cores as a function's URL (url-routes.ts);
 * here one server carries every enabled function, so a route finds the function that takes it.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../log/logger.ts";
import type { HistoryStore } from "../history/store.ts";
import type { Trigger } from "../report/trigger.ts";
import type { RunReport } from "../report/report.ts";
import type { FunctionEntry, LoadedFunction } from "../runtime/entry.ts";
import { createRunDeps } from "../runtime/run-deps.ts";
import { MAX_WEBHOOK_BODY, type ReplayCache } from "../webhook/verify.ts";
import { answerWebhook, noSuchEndpoint } from "../webhook/webhook-core.ts";
import { answerAlarmCallback, type CallbackGate } from "./alarm-callback.ts";
import { answerSnooze, zoneOf } from "../snooze/snooze-links.ts";
import { acceptTarget, answerAccept } from "./accept-page.ts";
import { answerDashboard, upcomingOf } from "./dashboard.ts";

/** What serve's routes read: the enabled functions with their configs, the one run path, what is kept between requests. */
export interface ServeHost {
  enabled: string[];
  byName: ReadonlyMap<string, FunctionEntry>;
  loaded: Readonly<Record<string, LoadedFunction>>;
  /** The functions with a run in flight. */
  inFlight: ReadonlySet<string>;
  replay: ReplayCache;
  gate: CallbackGate;
  store: HistoryStore | undefined;
  logger: Logger;
  /** The dashboard's clock. */
  nowMs: () => number;
  runOnce(name: string, trigger: Trigger): Promise<RunReport | "busy">;
}

/** One request, as the routes read it. */
interface ServeRequest {
  method: string;
  path: string;
  query: string;
  incoming: IncomingMessage;
}

interface Reply {
  status: number;
  headers: Record<string, string>;
  body?: string | undefined;
}

interface ServeRoute {
  /** What of the path the route takes (a match), or null when the request is not its. */
  match(host: ServeHost, req: ServeRequest): RegExpExecArray | null;
  answer(host: ServeHost, req: ServeRequest, m: RegExpExecArray): Promise<Reply>;
}

const json = (status: number, body: unknown): Reply => ({
  status,
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify(body),
});
const html = (status: number, body: string): Reply => ({
  status,
  headers: { "Content-Type": "text/html; charset=utf-8" },
  body,
});
const NONE = json(404, { error: "no such endpoint" });
const TOO_LARGE = json(413, { error: `body larger than ${MAX_WEBHOOK_BODY} bytes` });
const config = (host: ServeHost, name: string) => host.loaded[name]!.config;
/** The first enabled function that serves a kind of link. */
const servedBy = (host: ServeHost, what: "snoozeLinks" | "acceptLinks" | "alarmCallback") =>
  host.enabled.find((n) => host.byName.get(n)![what]);
const exactly = (method: string | undefined, path: string) => (req: ServeRequest) =>
  (method === undefined || req.method === method) && req.path === path ? /.*/.exec(path) : null;

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= MAX_WEBHOOK_BODY) chunks.push(c);
    });
    req.on("end", () => resolve(size > MAX_WEBHOOK_BODY ? null : Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
/** A POST's body (null past the limit); other methods have none. */
const bodyOf = (req: ServeRequest) => (req.method === "POST" ? readBody(req.incoming) : Promise.resolve(""));

const health: ServeRoute = {
  match: (_host, req) => exactly("GET", "/healthz")(req),
  answer: async (host) => json(200, { ok: true, functions: host.enabled, running: [...host.inFlight] }),
};

/** The signed dashboard (GET only, acts on nothing); a HEAD gets its headers alone. */
const dashboard: ServeRoute = {
  match: (_host, req) => exactly(undefined, "/dashboard")(req),
  async answer(host, req) {
    const a = await answerDashboard(
      { method: req.method, query: req.query },
      {
        // Every function reads the one shared WEBHOOK_SECRET.
        secret: () => host.loaded[host.enabled[0]!]?.config.webhookSecret,
        store: () => host.store,
        upcoming: (now) => upcomingOf(Object.values(host.loaded), now),
      },
      { logger: host.logger, nowMs: host.nowMs },
    );
    return { status: a.status, headers: a.headers, body: req.method === "HEAD" ? undefined : a.html };
  },
};

/** The snooze links' page (GET shows, POST acts), for the function that hands them out. */
const snooze: ServeRoute = {
  match: (_host, req) => exactly(undefined, "/snooze")(req),
  async answer(host, req) {
    const name = servedBy(host, "snoozeLinks");
    if (!name) return NONE;
    const a = await answerSnooze(
      { method: req.method, query: req.query, acceptLanguage: req.incoming.headers["accept-language"] },
      {
        name,
        secret: () => config(host, name).webhookSecret,
        zone: () => zoneOf(config(host, name)),
        client: () => ({
          client: createRunDeps(config(host, name), { logger: host.logger }).client,
          dryRun: config(host, name).dryRun,
        }),
        run: (t) => host.runOnce(name, t),
      },
      { logger: host.logger, nowMs: Date.now },
    );
    return html(a.status, a.html);
  },
};

/** schedule-advisor's accept links (GET shows, POST writes the tag), for the function that hands them out. */
const accept: ServeRoute = {
  match: (_host, req) => exactly(undefined, "/accept")(req),
  async answer(host, req) {
    const name = servedBy(host, "acceptLinks");
    if (!name) return NONE;
    const a = await answerAccept(
      { method: req.method, query: req.query },
      acceptTarget(name, () => config(host, name), host.logger),
      { logger: host.logger, nowMs: Date.now },
    );
    return html(a.status, a.html);
  },
};

/** Cloud Monitor's alarm callback: answered at once, the run started after the reply. */
const alarm: ServeRoute = {
  match: (_host, req) => /^\/alarm\/([^/]*)$/.exec(req.path),
  async answer(host, req, m) {
    // The function that takes callbacks checks the token itself (in constant time, as on the platforms).
    const name = servedBy(host, "alarmCallback");
    if (!name) return NONE;
    const body = await bodyOf(req);
    if (body === null) return TOO_LARGE;
    const a = await answerAlarmCallback(
      { method: req.method, token: m[1]!, body },
      {
        name,
        secret: () => config(host, name).webhookSecret,
        // Started, not awaited: the reply goes out at once and the run goes on after it.
        verify: async (t, undone) => {
          if (host.inFlight.has(name)) return "busy";
          host.runOnce(name, t).then(
            (r) => r === "busy" && undone(),
            () => undone(), // logged by runOnce; a retry may run it again
          );
          return { handed: "run started after the reply" };
        },
      },
      { logger: host.logger, gate: host.gate },
    );
    return json(a.status, a.body);
  },
};

/** The signed webhook run of an enabled function. */
const run: ServeRoute = {
  match: (host, req) => {
    const m = /^\/run\/([a-z-]+)$/.exec(req.path);
    return m && host.enabled.includes(m[1]!) ? m : null;
  },
  async answer(host, req, m) {
    const name = m[1]!;
    const body = await bodyOf(req);
    if (body === null) return TOO_LARGE;
    const a = await answerWebhook(
      { method: req.method, headers: req.incoming.headers, body },
      { name, secret: () => config(host, name).webhookSecret, run: (t) => host.runOnce(name, t) },
      { logger: host.logger, replay: host.replay, nowS: () => Math.floor(Date.now() / 1000) },
    );
    return json(a.status, a.body);
  },
};

const ROUTES: readonly ServeRoute[] = [health, dashboard, snooze, accept, alarm, run];

/** The reply of the first route that takes the request; a path none takes is the hosts' common 404. */
async function route(host: ServeHost, req: ServeRequest): Promise<Reply> {
  for (const r of ROUTES) {
    const m = r.match(host, req);
    if (m) return r.answer(host, req, m);
  }
  const a = noSuchEndpoint(host.enabled);
  return json(a.status, a.body);
}

/** Answers one request; whatever a route throws is logged and answered, and serve carries on. */
export async function answerServe(host: ServeHost, incoming: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const url = new URL(incoming.url ?? "/", "http://x");
    const method = incoming.method ?? "GET";
    const reply = await route(host, { method, path: url.pathname, query: url.search.slice(1), incoming });
    res.writeHead(reply.status, reply.headers);
    res.end(reply.body);
  } catch (err) {
    host.logger.error("request failed", { method: incoming.method, err });
    if (res.headersSent) return void res.end();
    const r = json(500, { error: "run failed: see the log" });
    res.writeHead(r.status, r.headers);
    res.end(r.body);
  }
}
