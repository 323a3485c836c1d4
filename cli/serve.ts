/**
 * `cvm-autopilot serve` (what `npm start` runs): schedules + webhook server. With no
 * credentials in env it starts the embedded emulator with a demo fleet, says so first, and
 * runs each function once so the demo shows its work straight away.
 */
import { appendFileSync } from "node:fs";
import type { Env } from "../lib/config/config.ts";
import { createLogger, type Level } from "../lib/log/logger.ts";
import { redactText } from "../lib/log/redact.ts";
import { type LocalServer, startLocalServer } from "../lib/platform/local-server.ts";
import { loadSchedules, scheduleZone } from "../lib/platform/schedules.ts";
import { UsageError } from "./usage.ts";
import { demoSeam, hasCredentials } from "./demo-seam.ts";
import { alarmPath } from "../lib/platform/alarm-callback.ts";
import { REGISTRY } from "../functions/registry.ts";

export async function serveCommand(env: Env, out: (s: string) => void): Promise<number> {
  const port = Number(env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`PORT must be a port number, got "${env.PORT}"`);
  const demo = !hasCredentials(env);
  const seam = demo ? await demoSeam() : undefined;
  const emu = seam ? await seam.startDemoEmulator() : undefined;
  if (emu)
    out(
      `cvm-autopilot serve: no credentials set, so using the embedded emulator at ${emu.url} with a seeded demo fleet (${emu.state.instances.size} instances in ap-guangzhou, ap-shanghai)`,
    );
  else
    out(
      "cvm-autopilot serve: using the credentials in env against Tencent Cloud" +
        (env.CVM_AUTOPILOT_ENDPOINT ? ` via ${redactText(env.CVM_AUTOPILOT_ENDPOINT)}` : ""),
    );
  const runEnv = emu && seam ? seam.demoEnv(emu, env) : env;
  // JSON logs: to LOG_FILE when set ("-" for stdout); otherwise only warnings and errors, on stderr.
  const file = env.LOG_FILE;
  const logger = file
    ? createLogger({
        level: (env.LOG_LEVEL as Level | undefined) ?? "info",
        sink: file === "-" ? (l) => out(l) : (l) => appendFileSync(file, `${l}\n`),
      })
    : createLogger({ level: "warn", sink: (l) => process.stderr.write(`${l}\n`) });
  // The last guard of a long-running process: a rejection nothing handled (a bug) is logged and
  // serve keeps its schedules, instead of Node ending the process and every run after it.
  const unhandled = (reason: unknown) =>
    logger.error("unhandled promise rejection (a bug: please report it); serve keeps running", { err: reason });
  process.on("unhandledRejection", unhandled);
  let server: LocalServer;
  try {
    server = await startLocalServer({ functions: REGISTRY, env: runEnv, port, logger, say: out });
  } catch (err) {
    process.off("unhandledRejection", unhandled);
    await emu?.stop();
    throw err;
  }
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
  const schedules = loadSchedules(REGISTRY, runEnv);
  out(`schedules (${scheduleZone(runEnv)}): ${server.enabled.map((n) => `${n} "${schedules[n]}"`).join(", ")}`);
  const runOnStart = (env.SERVE_RUN_ON_START ?? (demo ? "true" : "false")) === "true";
  if (runOnStart) {
    for (const name of server.enabled) await server.runOnce(name, { source: "cli" }).catch(() => undefined);
    out("demo run complete: every function ran once; now on schedule. Ctrl-C to stop.");
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
