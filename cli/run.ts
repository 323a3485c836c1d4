/** `run <function>`, `serve`, `build` and `deploy`. */
import type { Env } from "../lib/config/config.ts";
import { createLogger } from "../lib/log/logger.ts";
import { logFormat } from "./log-format.ts";
import { readSetting } from "../lib/config/settings.ts";
import { SERVE_SETTINGS } from "../lib/config/serve-settings.ts";
import { createRunDeps, type RegionProgress } from "../lib/runtime/run-deps.ts";
import { FUNCTIONS } from "../functions/registry.ts";
import { closest, parseCommand, UsageError } from "./usage.ts";
import { isRegion } from "../lib/config/config.ts";
import { DEMO, demoRunEnv, demoSeam, hasCredentials } from "./demo-seam.ts";
import { decideLive, howToGoLive, liveLine, liveMode } from "./going-live.ts";
import { demoSettingsLine } from "../lib/config/demo-settings.ts";
import { saveReport } from "../lib/host/report-dir.ts";
import { historyFromEnv } from "../lib/history/from-env.ts";
import { failureWords, guardHeldAll } from "../lib/report/report.ts";
import type { ReportBase } from "../lib/report/report-head.ts";
import type { LoadedFunction } from "../lib/runtime/entry.ts";
import { outputFormat, progressLine, renderTable, renderText, tableView } from "./report-view.ts";

export async function runCommand(
  command: string,
  args: string[],
  env: Env,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  // Commands without options still refuse unknown ones (a typo must not be silently ignored).
  if (command === "serve" || command === "build") parseCommand(command, args);
  if (command === "serve") return (await import("./serve.ts")).serveCommand(env, out);
  if (command === "deploy") return (await import("./deploy.ts")).deployCommand(args, env, out, err);
  if (command === "build") return (await import("./deploy.ts")).buildCommand(out);
  if (command !== "run") throw new UsageError(`unknown command "${command}"`);
  const { values, positionals } = parseCommand("run", args, { positionals: true });
  // --region may repeat or take a comma list; it narrows the configured REGIONS, never widens them.
  const regions = values.region
    ?.flatMap((r) => r.split(","))
    .map((r) => r.trim())
    .filter(Boolean);
  if (values.region && !regions?.length)
    throw new UsageError("--region needs a region name, e.g. --region ap-guangzhou");
  const name = positionals[0];
  const fn = name ? FUNCTIONS[name] : undefined;
  if (!fn)
    throw new UsageError(`run needs a function: ${Object.keys(FUNCTIONS).join(", ")}${name ? ` (got "${name}")` : ""}`);
  // Every option is checked before anything runs: a bad --output must not follow a real run.
  const format = outputFormat(values.output, process.stdout.isTTY === true);
  const limit = rowLimit(values.limit);
  const logAs = logFormat(env, process.stderr);
  // No credentials: the embedded emulator's demo fleet, as `serve` uses, said first (on stderr, so stdout stays the report).
  const demo = !hasCredentials(env);
  const seam = demo ? await demoSeam() : undefined;
  const emu = seam ? await seam.startDemoEmulator() : undefined;
  // With real credentials, DRY_RUN unset is a dry run (going-live.ts); --dry-run is one too, and says nothing more.
  const decided = values["dry-run"] ? { env, undecided: false } : decideLive(env, demo);
  try {
    if (emu) {
      err(
        `cvm-autopilot run: no credentials set, so using the embedded emulator at ${emu.url} with a seeded demo fleet (${emu.state.instances.size} instances in ap-guangzhou, ap-shanghai)`,
      );
      const injected = demoSettingsLine(env, DEMO);
      if (injected) err(injected);
    }
    const runEnv = emu && seam ? demoRunEnv(seam, emu, decided.env) : decided.env;
    return await runOne(fn, values, { format, limit, logAs }, regions, runEnv, out, err, {
      demo,
      undecided: decided.undecided,
    });
  } finally {
    await emu?.stop();
  }
}

async function runOne(
  fn: (typeof FUNCTIONS)[string] & object,
  values: { "dry-run": boolean; at?: string | undefined; out?: string | undefined; output?: string | undefined },
  {
    format,
    limit,
    logAs,
  }: { format: ReturnType<typeof outputFormat>; limit: number | undefined; logAs: "json" | "human" },
  regions: string[] | undefined,
  env: Env,
  out: (s: string) => void,
  err: (s: string) => void,
  decided: { demo: boolean; undecided: boolean },
): Promise<number> {
  const loaded = fn.load(env);
  const config = loaded.config;
  if (regions) checkNarrowing(regions, config.regions);
  // Before any write: whether this run may change anything, in one line (the account and scope when it will).
  if (!values["dry-run"]) await sayMode(fn.name, loaded, decided, err);
  const at = previewInstant(values.at, values["dry-run"] || config.dryRun);
  // Logs go to stderr so stdout carries only the report. A table or text lists every error and
  // notice itself, so a person reading one sees only error logs besides, unless LOG_LEVEL asks for more.
  const level = format !== "json" && !env.LOG_LEVEL?.trim() ? "error" : config.logLevel;
  // Progress, a line per region, only for a person at a terminal: nothing extra when piped.
  const progress =
    format !== "json" && process.stderr.isTTY === true ? (p: RegionProgress) => err(progressLine(p)) : undefined;
  const deps = createRunDeps(config, {
    logger: createLogger({ level, sink: err, format: logAs }),
    ...(progress ? { progress } : {}),
    ...(at ? { now: () => at } : {}),
    // History (local directory by default, HISTORY_BUCKET for a bucket); the demo's env turns it off.
    history: historyFromEnv(env, { local: true }),
  });
  const report = await loaded.run({ source: "cli", dryRun: values["dry-run"], regions }, deps);
  if (format === "json") out(JSON.stringify(report, null, 2));
  if (format === "table") out(await renderTable(report, { ...tableView(process.env, process.stdout), limit }));
  // --out (or REPORT_DIR): keep the full report for later comparison.
  const saved = await keepReport(values.out ?? readSetting(env, SERVE_SETTINGS.reportDir), report, err);
  // The summary closes every run for a person on stderr; with --output text it is the output itself, on stdout.
  if (format === "text") out(renderText(report, fn.summarize(report)));
  else err(fn.summarize(report));
  // 3: the blast-radius guard held the whole run back (nothing was done anywhere); 1: the run
  // reported errors, or the guard held back part of it while the rest acted.
  const r = report;
  if (guardHeldAll(r)) return 3;
  if (r.guard?.tripped) err(`cvm-autopilot: ${failureWords(r)}`);
  return r.errors.length || r.guard?.tripped || !saved ? 1 : 0;
}

/** Whether a run without --dry-run may change anything, said before it starts: how to go live, or the account and scope it acts on. */
async function sayMode(
  name: string,
  loaded: LoadedFunction,
  decided: { demo: boolean; undecided: boolean },
  err: (s: string) => void,
): Promise<void> {
  const mode = liveMode(decided.demo, decided.undecided, loaded.config);
  if (mode === "undecided")
    err(`${name}: dry run: credentials are set but DRY_RUN is not; ${howToGoLive(`cvm-autopilot run ${name}`)}`);
  if (mode === "live") err(await liveLine(loaded.config, name, loaded.scope()));
}

/** Writes the report into `dir` when one is given; false when it could not be (the run then exits 1). */
async function keepReport(dir: string | undefined, report: ReportBase, err: (s: string) => void): Promise<boolean> {
  if (!dir) return true;
  return saveReport(dir, report).then(
    (file) => {
      err(`report saved: ${file}`);
      return true;
    },
    (e: Error) => {
      err(`report not saved in ${dir}: ${e.message} (check --out / REPORT_DIR)`);
      return false;
    },
  );
}

/** --region narrows REGIONS: a region outside them is a typo or a mistake, refused before any call (exit 2). */
function checkNarrowing(asked: string[], configured: string[] | "all"): void {
  for (const r of asked) {
    if (!isRegion(r)) throw new UsageError(`--region: "${r}" is not a region name (e.g. ap-guangzhou)`);
    if (configured === "all" || configured.includes(r)) continue;
    const guess = closest(r, configured);
    throw new UsageError(
      `--region ${r} is not one of REGIONS (${configured.join(", ")})${guess ? `; did you mean ${guess}?` : ""}; --region narrows REGIONS, never widens them`,
    );
  }
}

/** `--limit N`: a whole number of rows, at least 1. */
function rowLimit(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9]\d{0,5}$/.test(value.trim()))
    throw new UsageError(`--limit needs a whole number of rows, at least 1, e.g. --limit 20 (got "${value}")`);
  return Number(value);
}

/**
 * `--at`: the instant a dry run decides as of (what office-hours would do on New Year's Day). An
 * instant needs its zone, so it means the same everywhere; a pretended time never writes.
 */
function previewInstant(value: string | undefined, dryRun: boolean): Date | undefined {
  if (value === undefined) return undefined;
  const at = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value)
    ? new Date(value)
    : undefined;
  if (!at || Number.isNaN(at.getTime()))
    throw new UsageError(
      `--at needs an instant with its zone, e.g. --at 2027-01-01T09:05+08:00 or --at 2027-01-01T01:05Z (got "${value}")`,
    );
  if (!dryRun)
    throw new UsageError(
      "--at decides as of another instant and needs --dry-run (or DRY_RUN=true): nothing is written at a pretended time",
    );
  return at;
}
