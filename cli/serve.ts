/**
 * `cvm-autopilot serve` (what `npm start` runs): schedules + webhook server. With no
 * credentials in env it starts the embedded emulator with a demo fleet, says so first, and
 * runs each function once so the demo shows its work straight away. With credentials it acts
 * only when DRY_RUN=false says so (going-live.ts), and then names the account first.
 */
import { appendFileSync } from "node:fs";
import { loadBaseConfig, type Env } from "../lib/config/config.ts";
import { cliLogFormat, createLogger, type Level, type Logger } from "../lib/log/logger.ts";
import { redactText } from "../lib/log/redact.ts";
import { type LocalServer, startLocalServer } from "../lib/host/local-server.ts";
import { loadSchedules, scheduleZone } from "../lib/deploy/schedules.ts";
import { sharedTouches } from "../lib/host/run-locks.ts";
import { readSetting, readSettings } from "../lib/config/settings.ts";
import { SERVE_SETTINGS } from "../lib/config/serve-settings.ts";
import { declaredLogFormat } from "./log-format.ts";
import { DEMO, demoRunEnv, demoSeam, hasCredentials } from "./demo-seam.ts";
import { alarmPath } from "../lib/host/alarm-callback.ts";
import { dashboardLink } from "../lib/host/dashboard-link.ts";
import { FUNCTIONS, REGISTRY } from "../functions/registry.ts";
import { decideLive, dryRunLine, liveBanner, liveMode } from "./going-live.ts";
import { demoSettingsLine } from "../lib/config/demo-settings.ts";
import { helpWidth, wrap } from "./help.ts";

export async function serveCommand(env: Env, print: (s: string) => void): Promise<number> {
  // On a terminal, long lines wrap at its width with a hanging indent; piped, one line each.
  const width = process.stdout.isTTY ? helpWidth() : 0;
  const out = (s: string) => {
    const lead = /^ */.exec(s)![0];
    print(width ? wrap(lead, s.slice(lead.length), width, lead.length + 2) : s);
  };
  // serve's own settings and LOG_FORMAT, by their declarations: a bad one stops serve before anything starts.
  const settings = { ...readSettings(env, SERVE_SETTINGS), logFormat: declaredLogFormat(env) };
  const demo = !hasCredentials(env);
  const seam = demo ? await demoSeam() : undefined;
  const emu = seam ? await seam.startDemoEmulator() : undefined;
  const decided = decideLive(env, demo);
  const runEnv = emu && seam ? demoRunEnv(seam, emu, decided.env) : decided.env;
  const logger = serveLogger(env, settings, print);
  // The last guard of a long-running process: a rejection nothing handled (a bug) is logged and
  // serve keeps its schedules, instead of Node ending the process and every run after it.
  const unhandled = (reason: unknown) =>
    logger.error("unhandled promise rejection (a bug: please report it); serve keeps running", { err: reason });
  process.on("unhandledRejection", unhandled);
  let server: LocalServer;
  try {
    await firstLines(runEnv, env, demo, decided.undecided, out, emu?.url, emu?.state.instances.size);
    server = await startLocalServer({ functions: REGISTRY, env: runEnv, port: settings.port, logger, say: out });
  } catch (err) {
    process.off("unhandledRejection", unhandled);
    await emu?.stop();
    throw err;
  }
  sayEndpoints(server, env, out);
  if (settings.runOnStart ?? demo) {
    for (const name of server.enabled) await server.runOnce(name, { source: "cli" }).catch(() => undefined);
    out(
      demo
        ? "demo run complete: every function ran once; now on schedule. Ctrl-C to stop."
        : "every function ran once (SERVE_RUN_ON_START=true); now on schedule. Ctrl-C to stop.",
    );
  }
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await server.stop();
  await emu?.stop();
  process.off("unhandledRejection", unhandled);
  out("stopped cleanly");
  return 0;
}

/** What a person must know before anything runs: which cloud, and whether anything will be changed (the live banner). */
async function firstLines(
  runEnv: Env,
  env: Env,
  demo: boolean,
  undecided: boolean,
  out: (s: string) => void,
  emuUrl?: string,
  instances?: number,
): Promise<void> {
  if (demo) {
    out(
      `cvm-autopilot serve: no credentials set, so using the embedded emulator at ${emuUrl} with a seeded demo fleet (${instances} instances in ap-guangzhou, ap-shanghai)`,
    );
    const injected = demoSettingsLine(env, DEMO);
    if (injected) out(injected);
    return;
  }
  const base = loadBaseConfig(runEnv);
  const mode = liveMode(demo, undecided, base);
  const via = env.CVM_AUTOPILOT_ENDPOINT ? ` via ${redactText(env.CVM_AUTOPILOT_ENDPOINT)}` : "";
  const line = dryRunLine(mode);
  if (line) {
    out(line);
    out(`cvm-autopilot serve: using the credentials in env against Tencent Cloud${via}`);
    return;
  }
  const enabled = REGISTRY.filter((f) => serveList(env).includes(f.name));
  const schedules = loadSchedules(REGISTRY, runEnv);
  const zone = scheduleZone(runEnv);
  const fns = enabled.map((f) => ({
    name: f.name,
    scope: FUNCTIONS[f.name]!.load(runEnv).scope(),
    schedule: schedules[f.name]!,
  }));
  for (const l of await liveBanner(base, fns, zone, new Date())) out(l);
  out(`cvm-autopilot serve: using the credentials in env against Tencent Cloud${via}`);
}

/** SERVE_FUNCTIONS, or every function (startLocalServer checks the names). */
const serveList = (env: Env) => {
  const list = readSetting(env, SERVE_SETTINGS.functions);
  return list.length ? list : REGISTRY.map((f) => f.name);
};

/**
 * The log: to LOG_FILE when set ("-" for stdout); otherwise only warnings and errors, on stderr.
 * Human lines at a terminal, JSON when piped or to a file (LOG_FORMAT overrides).
 */
function serveLogger(
  env: Env,
  { logFile: file, logFormat }: { logFile: string | undefined; logFormat: "human" | "json" | undefined },
  out: (s: string) => void,
): Logger {
  if (!file)
    return createLogger({
      level: "warn",
      sink: (l) => process.stderr.write(`${l}\n`),
      format: cliLogFormat(logFormat, process.stderr),
    });
  const level = (env.LOG_LEVEL as Level | undefined) ?? "info";
  if (file === "-")
    return createLogger({ level, sink: (l) => out(l), format: cliLogFormat(logFormat, process.stdout) });
  return createLogger({ level, sink: (l) => appendFileSync(file, `${l}\n`), format: logFormat ?? "json" });
}

function sayEndpoints(server: LocalServer, env: Env, out: (s: string) => void): void {
  out(
    `webhooks: POST ${server.url}/run/<function>${env.WEBHOOK_SECRET?.trim() ? "" : " (disabled: set WEBHOOK_SECRET)"}; health: GET ${server.url}/healthz`,
  );
  const secret = env.WEBHOOK_SECRET?.trim();
  for (const f of REGISTRY.filter((x) => x.alarmCallback && server.enabled.includes(x.name))) {
    if (secret)
      out(
        `alarm callback (Cloud Monitor notice template, unsigned: it only asks for a check): POST ${server.url}${alarmPath(secret, f.name)}`,
      );
  }
  if (secret && REGISTRY.some((x) => x.snoozeLinks && server.enabled.includes(x.name))) {
    out(
      `snooze links: ${server.url}/snooze?…${env.AUTO_STOP_LINK_URL?.trim() ? "" : ` (warnings carry them when AUTO_STOP_LINK_URL=${server.url} and AUTO_STOP_WARN_MINUTES are set)`}`,
    );
  }
  out(
    secret
      ? `dashboard (signed link, valid 30 days): ${dashboardLink(env.DASHBOARD_URL?.trim() || server.url, secret, Date.now(), 30)}`
      : "dashboard: off (set WEBHOOK_SECRET to turn it on)",
  );
  const enabled = REGISTRY.filter((f) => server.enabled.includes(f.name));
  const runEnv = { ...env };
  const schedules = loadSchedules(REGISTRY, runEnv);
  out(`schedules (${scheduleZone(runEnv)}): ${server.enabled.map((n) => `${n} "${schedules[n]}"`).join(", ")}`);
  const pairs = sharedTouches(enabled);
  for (const p of pairs) out(`run one after the other, never at the same instant (they change the same thing): ${p}`);
}
