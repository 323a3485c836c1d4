/**
 * `cvm-autopilot serve`: the registry's functions on their schedules (node-cron) plus the webhook
 * server on localhost. One run per function at a time: a schedule firing while a webhook run
 * of the same function is in flight is skipped, not stacked. Functions that change the same
 * thing (FunctionSpec.touches) run one after the other, never at the same instant.
 */
import type { RunReport } from "../report/report.ts";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import cron, { type ScheduledTask } from "node-cron";
import { ConfigError, type Env } from "../config/config.ts";
import { readSetting } from "../config/settings.ts";
import { SERVE_SETTINGS } from "../config/serve-settings.ts";
import type { Logger } from "../log/logger.ts";
import { createRunDeps } from "../runtime/run-deps.ts";
import { historyStoreFromEnv } from "../history/from-env.ts";
import { historySink, type HistorySink } from "../history/recorder.ts";
import type { Trigger } from "../report/trigger.ts";
import type { ReportBase } from "../report/report-head.ts";
import { ReplayCache } from "../webhook/verify.ts";
import { CallbackGate } from "./alarm-callback.ts";
import type { FunctionEntry } from "../runtime/entry.ts";
import { loadSchedules, scheduleZone } from "../deploy/schedules.ts";
import { saveReport } from "./report-dir.ts";
import { monthlyDigest, withDigest } from "./monthly-digest.ts";
import { RunLocks } from "./run-locks.ts";
import { answerServe, type ServeHost } from "./local-routes.ts";

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
  const list = readSetting(env, SERVE_SETTINGS.functions);
  if (!list.length) return names;
  const bad = list.filter((n) => !names.includes(n));
  if (bad.length)
    throw new ConfigError([
      `SERVE_FUNCTIONS: unknown function(s) ${bad.join(", ")}; expected some of ${names.join(", ")}`,
    ]);
  return list;
}

/** What one serve keeps: the enabled functions' configs, the runs in flight, the history store. */
interface ServeState extends Omit<ServeHost, "runOnce"> {
  locks: RunLocks;
  history: HistorySink | undefined;
  inFlight: Set<string>;
  /** REPORT_DIR: where every run's report is kept, if anywhere. */
  reportDir: string | undefined;
  /** serve's own address, once it listens (the digest's links point there when DASHBOARD_URL is unset). */
  url: string;
}

function serveState(opts: LocalServerOptions): ServeState {
  const byName = new Map(opts.functions.map((f) => [f.name, f]));
  const enabled = enabledFunctions(opts.functions, opts.env);
  // Parse every enabled function's config up front: a bad setting stops start-up, all issues listed.
  const loaded = Object.fromEntries(enabled.map((n) => [n, byName.get(n)!.load(opts.env)]));
  // History in the XDG state directory (or REPORT_DIR, or HISTORY_BUCKET) with no setting.
  const store = historyStoreFromEnv(opts.env, { local: true });
  return {
    enabled,
    byName,
    loaded,
    inFlight: new Set<string>(),
    replay: new ReplayCache(),
    gate: new CallbackGate(),
    locks: new RunLocks(),
    store,
    history: store ? historySink(store) : undefined,
    logger: opts.logger,
    nowMs: opts.nowMs ?? Date.now,
    reportDir: readSetting(opts.env, SERVE_SETTINGS.reportDir),
    url: "",
  };
}

/** One run of a function: skipped when one is in flight, after any run that changes the same thing, then its digest and report. */
async function runOnce(
  s: ServeState,
  opts: LocalServerOptions,
  name: string,
  trigger: Trigger,
): Promise<RunReport | "busy"> {
  if (s.inFlight.has(name)) {
    opts.logger.warn("run skipped: already running", { function: name, trigger: trigger.source });
    opts.say(`${name}: skipped (${trigger.source}): a run is already in flight`);
    return "busy";
  }
  s.inFlight.add(name);
  const logger = opts.logger.child({ function: name, trigger: trigger.source });
  try {
    const fn = s.byName.get(name)!;
    const configured = s.loaded[name]!;
    // A function that changes what another changes waits for it (run-locks.ts): they never race on the same machines.
    const ran = await s.locks.hold(fn.touches, () =>
      configured.run(trigger, createRunDeps(configured.config, { logger, history: s.history })),
    );
    // After a scheduled run on the 1st: last month's digest, once (monthly-digest.ts).
    const config = { ...configured.config, dashboardUrl: configured.config.dashboardUrl ?? s.url };
    const digest =
      trigger.source === "timer" ? await monthlyDigest({ config, store: s.store, logger, nowMs: s.nowMs }) : undefined;
    const report = withDigest(ran, digest);
    opts.say(fn.summarize(report));
    if (digest) opts.say(`monthly digest for ${digest.month}: ${digest.status}`);
    // REPORT_DIR: keep every run's report; a failed write is logged, never fails the run.
    const dir = s.reportDir;
    if (dir) await saveReport(dir, report).catch((e: unknown) => logger.error("report not saved", { dir, err: e }));
    return report;
  } catch (err) {
    logger.error("run failed", { err });
    opts.say(`${name}: failed: ${(err as Error).message}`);
    throw err;
  } finally {
    s.inFlight.delete(name);
  }
}

/** Listens on the port; a busy port rejects (EADDRINUSE) instead of crashing the process from an unhandled event. */
async function listen(server: Server, port: number, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return `http://${host}:${(server.address() as AddressInfo).port}`;
}

/** Each enabled function on its schedule, in the schedules' zone. */
function scheduleRuns(
  enabled: readonly string[],
  schedules: Record<string, string>,
  timezone: string,
  run: (name: string, trigger: Trigger) => Promise<unknown>,
): ScheduledTask[] {
  // run logs and says every failure itself; the catch is the schedule's guard, so one
  // failed run never takes the schedules down with it.
  return enabled.map((name) =>
    cron.schedule(schedules[name]!, () => run(name, { source: "timer" }).catch(() => undefined), {
      name,
      timezone,
      noOverlap: true,
    }),
  );
}

export async function startLocalServer(opts: LocalServerOptions): Promise<LocalServer> {
  const schedules = loadSchedules(opts.functions, opts.env);
  const s = serveState(opts);
  const run = (name: string, trigger: Trigger) => runOnce(s, opts, name, trigger);
  const host: ServeHost = { ...s, runOnce: run };
  const server: Server = createServer((req, res) => answerServe(host, req, res));
  s.url = await listen(server, opts.port, opts.host ?? "127.0.0.1");
  const tasks = opts.schedules !== false ? scheduleRuns(s.enabled, schedules, scheduleZone(opts.env), run) : [];
  return {
    url: s.url,
    enabled: s.enabled,
    runOnce: run,
    stop: async () => {
      for (const t of tasks) await t.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
