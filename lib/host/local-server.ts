/**
 * `cvm-autopilot serve`: the registry's functions on their schedules (node-cron) plus the webhook
 * server on localhost. One run per function at a time: a schedule firing while a webhook run
 * of the same function is in flight is skipped, not stacked. Functions that change the same
 * thing (FunctionSpec.touches) run one after the other, never at the same instant.
 */
import type { RunReport } from "../report/report.ts";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import cron, { type ScheduledTask } from "node-cron";
import { ConfigError, csv, type Env } from "../config/config.ts";
import type { Logger } from "../log/logger.ts";
import { createRunDeps } from "../runtime/run-deps.ts";
import { historyStoreFromEnv } from "../history/from-env.ts";
import { historySink } from "../history/recorder.ts";
import type { Trigger } from "../report/trigger.ts";
import type { ReportBase } from "../report/report-head.ts";
import { ReplayCache, MAX_WEBHOOK_BODY } from "../webhook/verify.ts";
import { answerWebhook, noSuchEndpoint } from "../webhook/webhook-core.ts";
import { answerAlarmCallback, CallbackGate } from "./alarm-callback.ts";
import { answerSnooze, zoneOf } from "../snooze/snooze-links.ts";
import type { FunctionEntry } from "../runtime/entry.ts";
import { loadSchedules, scheduleZone } from "../deploy/schedules.ts";
import { saveReport } from "./report-dir.ts";
import { answerDashboard, upcomingOf } from "./dashboard.ts";
import { monthlyDigest, withDigest } from "./monthly-digest.ts";
import { RunLocks } from "./run-locks.ts";

export interface LocalServerOptions {
  /** The functions to serve (the registry); SERVE_FUNCTIONS may narrow them. */
  functions: readonly FunctionEntry[];
  env: Env;
  port: number;
  host?: string;
  logger: Logger;
  /** Human summaries, one line per run. */
  say: (line: string) => void;
  schedules?: boolean;
  /** The clock of the dashboard and the monthly digest (tests move it to the 1st); the runs keep their own. */
  nowMs?: () => number;
}

export interface LocalServer {
  url: string;
  enabled: string[];
  runOnce(name: string, trigger: Trigger): Promise<ReportBase | "busy">;
  stop(): Promise<void>;
}

/** SERVE_FUNCTIONS: which functions to serve (comma list), default all. */
export function enabledFunctions(functions: readonly { name: string }[], env: Env): string[] {
  const names = functions.map((f) => f.name);
  const list = csv(env.SERVE_FUNCTIONS);
  if (!list.length) return names;
  const bad = list.filter((n) => !names.includes(n));
  if (bad.length)
    throw new ConfigError([
      `SERVE_FUNCTIONS: unknown function(s) ${bad.join(", ")}; expected some of ${names.join(", ")}`,
    ]);
  return list;
}

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

export async function startLocalServer(opts: LocalServerOptions): Promise<LocalServer> {
  const byName = new Map(opts.functions.map((f) => [f.name, f]));
  const schedules = loadSchedules(opts.functions, opts.env);
  const enabled = enabledFunctions(opts.functions, opts.env);
  // Parse every enabled function's config up front: a bad setting stops start-up, all issues listed.
  const loaded = Object.fromEntries(enabled.map((n) => [n, byName.get(n)!.load(opts.env)]));
  const configs = Object.fromEntries(enabled.map((n) => [n, loaded[n]!.config]));
  const inFlight = new Set<string>();
  const replay = new ReplayCache();
  const gate = new CallbackGate();
  const locks = new RunLocks();

  // History in the XDG state directory (or REPORT_DIR, or HISTORY_BUCKET) with no setting.
  const store = historyStoreFromEnv(opts.env, { local: true });
  const history = store ? historySink(store) : undefined;
  let url = "";
  const nowMs = opts.nowMs ?? Date.now;

  async function runOnce(name: string, trigger: Trigger): Promise<RunReport | "busy"> {
    if (inFlight.has(name)) {
      opts.logger.warn("run skipped: already running", { function: name, trigger: trigger.source });
      opts.say(`${name}: skipped (${trigger.source}): a run is already in flight`);
      return "busy";
    }
    inFlight.add(name);
    const logger = opts.logger.child({ function: name, trigger: trigger.source });
    try {
      const fn = byName.get(name)!;
      // A function that changes what another changes waits for it (run-locks.ts): they never race on the same machines.
      const ran = await locks.hold(fn.touches, () =>
        loaded[name]!.run(trigger, createRunDeps(configs[name]!, { logger, history })),
      );
      // After a scheduled run on the 1st: last month's digest, once (monthly-digest.ts).
      const config = { ...configs[name]!, dashboardUrl: configs[name]!.dashboardUrl ?? url };
      const digest = trigger.source === "timer" ? await monthlyDigest({ config, store, logger, nowMs }) : undefined;
      const report = withDigest(ran, digest);
      opts.say(fn.summarize(report));
      if (digest) opts.say(`monthly digest for ${digest.month}: ${digest.status}`);
      // REPORT_DIR: keep every run's report; a failed write is logged, never fails the run.
      const dir = opts.env.REPORT_DIR?.trim();
      if (dir) await saveReport(dir, report).catch((e: unknown) => logger.error("report not saved", { dir, err: e }));
      return report;
    } catch (err) {
      logger.error("run failed", { err });
      opts.say(`${name}: failed: ${(err as Error).message}`);
      throw err;
    } finally {
      inFlight.delete(name);
    }
  }

  const server: Server = createServer(async (req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(JSON.stringify(body));
    };
    try {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      if (req.method === "GET" && path === "/healthz")
        return reply(200, { ok: true, functions: enabled, running: [...inFlight] });
      if (path === "/dashboard") {
        const a = await answerDashboard(
          { method: req.method ?? "GET", query: new URL(req.url ?? "/", "http://x").search.slice(1) },
          {
            // Every function reads the one shared WEBHOOK_SECRET.
            secret: () => configs[enabled[0]!]?.webhookSecret,
            store: () => store,
            upcoming: (now) => upcomingOf(Object.values(loaded), now),
          },
          { logger: opts.logger, nowMs },
        );
        res.writeHead(a.status, a.headers);
        return res.end(req.method === "HEAD" ? undefined : a.html);
      }
      if (path === "/snooze") {
        const name = enabled.find((n) => byName.get(n)!.snoozeLinks);
        if (!name) return reply(404, { error: "no such endpoint" });
        const a = await answerSnooze(
          {
            method: req.method ?? "GET",
            query: new URL(req.url ?? "/", "http://x").search.slice(1),
            acceptLanguage: req.headers["accept-language"],
          },
          {
            name,
            secret: () => configs[name]!.webhookSecret,
            zone: () => zoneOf(configs[name]!),
            client: () => ({
              client: createRunDeps(configs[name]!, { logger: opts.logger }).client,
              dryRun: configs[name]!.dryRun,
            }),
            run: (t) => runOnce(name, t),
          },
          { logger: opts.logger, nowMs: Date.now },
        );
        res.writeHead(a.status, { "Content-Type": "text/html; charset=utf-8" });
        return res.end(a.html);
      }
      const alarm = /^\/alarm\/([^/]*)$/.exec(path);
      if (alarm) {
        // The function that takes callbacks checks the token itself (in constant time, as on the platforms).
        const name = enabled.find((n) => byName.get(n)!.alarmCallback);
        if (!name) return reply(404, { error: "no such endpoint" });
        const body = req.method === "POST" ? await readBody(req) : "";
        if (body === null) return reply(413, { error: `body larger than ${MAX_WEBHOOK_BODY} bytes` });
        const a = await answerAlarmCallback(
          { method: req.method ?? "GET", token: alarm[1]!, body },
          {
            name,
            secret: () => configs[name]!.webhookSecret,
            // Started, not awaited: the reply goes out at once and the run goes on after it.
            verify: async (t, undone) => {
              if (inFlight.has(name)) return "busy";
              runOnce(name, t).then(
                (r) => r === "busy" && undone(),
                () => undone(), // logged by runOnce; a retry may run it again
              );
              return { handed: "run started after the reply" };
            },
          },
          { logger: opts.logger, gate },
        );
        return reply(a.status, a.body);
      }
      const m = /^\/run\/([a-z-]+)$/.exec(path);
      if (!m || !(enabled as string[]).includes(m[1]!)) {
        const a = noSuchEndpoint(enabled);
        return reply(a.status, a.body);
      }
      const name = m[1]!;
      const body = req.method === "POST" ? await readBody(req) : "";
      if (body === null) return reply(413, { error: `body larger than ${MAX_WEBHOOK_BODY} bytes` });
      const a = await answerWebhook(
        { method: req.method ?? "GET", headers: req.headers, body },
        { name, secret: () => configs[name]!.webhookSecret, run: (t) => runOnce(name, t) },
        { logger: opts.logger, replay, nowS: () => Math.floor(Date.now() / 1000) },
      );
      return reply(a.status, a.body);
    } catch (err) {
      // The guard of every request: whatever a handler throws is logged and answered, and serve carries on.
      opts.logger.error("request failed", { method: req.method, err });
      if (res.headersSent) return res.end();
      return reply(500, { error: "run failed: see the log" });
    }
  });
  // A busy port rejects (EADDRINUSE) instead of crashing the process from an unhandled event.
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  url = `http://${opts.host ?? "127.0.0.1"}:${(server.address() as AddressInfo).port}`;

  const tasks: ScheduledTask[] = [];
  if (opts.schedules !== false) {
    const timezone = scheduleZone(opts.env);
    for (const name of enabled) {
      tasks.push(
        // runOnce logs and says every failure itself; the catch is the schedule's guard, so one
        // failed run never takes the schedules down with it.
        cron.schedule(schedules[name]!, () => runOnce(name, { source: "timer" }).catch(() => undefined), {
          name,
          timezone,
          noOverlap: true,
        }),
      );
    }
  }
  return {
    url,
    enabled,
    runOnce,
    stop: async () => {
      for (const t of tasks) await t.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
