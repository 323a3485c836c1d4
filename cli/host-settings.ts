/**
 * The settings of the hosts around the functions, declared once (lib/config/settings.ts): deploy's
 * (parsed by `deploy`), serve's and the schedules' (read where they are used), and one
 * SCHEDULE_<FUNCTION> per function of the registry, so a new function has its row with no edit here.
 */
import { declareSettings, type Setting, type Settings } from "../lib/config/settings.ts";
import { field, int, optionalString, pattern } from "../lib/config/fields.ts";
import { cronProblem, scheduleVar, type Scheduled } from "../lib/deploy/schedules.ts";
import { scheduleWords } from "./deploy-words.ts";

/** What `deploy` reads beyond the shared settings. */
export const DEPLOY_SETTINGS = declareSettings({
  namespace: {
    env: "SCF_NAMESPACE",
    parse: pattern(/^[A-Za-z0-9_-]{1,30}$/, "a namespace name such as default", "default"),
    meaning: "SCF namespace for `deploy`",
  },
  runtime: {
    env: "SCF_RUNTIME",
    parse: pattern(/^Nodejs\d+\.\d+$/, "an SCF Node.js runtime such as Nodejs18.15", "Nodejs18.15"),
    meaning: "SCF Node.js runtime",
  },
  memorySize: {
    env: "SCF_MEMORY_SIZE",
    parse: int(128, 64, 3072),
    meaning: "each function's memory in MB: 64, or 128–3072 in steps of 128",
  },
  // The CAM roles the functions run as, `<SCF_ROLE>-<function>` (docs/deploy.md: the roles and their
  // policies); CAM role names are at most 128 characters, so the prefix leaves room for the function's name.
  role: {
    env: "SCF_ROLE",
    parse: pattern(
      /^[A-Za-z0-9+=,.@_-]{1,100}$/,
      "a CAM role name such as cvm-autopilot-runner",
      "cvm-autopilot-runner",
    ),
    meaning:
      "the CAM roles the functions run as: each function its own, `<SCF_ROLE>-<function>`, with that function's policy from `dist/cam-policy.json` (SCF gives a function credentials only through its role)",
  },
  timeout: { env: "SCF_TIMEOUT", parse: int(900, 1, 900), meaning: "each function's timeout in seconds, 1–900" },
  // The zone SCF's timers evaluate cron in (Beijing time); an override, should an account differ.
  timerZone: {
    env: "SCF_TIMER_ZONE",
    parse: pattern(/^[A-Za-z_]+(\/[A-Za-z_+-]+)*$/, "an IANA time zone such as Asia/Shanghai", "Asia/Shanghai"),
    meaning:
      "the zone SCF evaluates timer cron in, which `deploy` converts schedules to (deployers' guides give Beijing time; Tencent's pages at hand do not say, so it can be overridden)",
  },
});

/** What `serve` and the schedules read, where they use it (cli/serve.ts, lib/deploy/schedules.ts). */
export const SERVE_SETTINGS = declareSettings({
  port: {
    env: "PORT",
    parse: int(8080, 0, 65535),
    meaning: "webhook server port (`0`: any free port)",
  },
  logFile: {
    env: "LOG_FILE",
    parse: optionalString(),
    meaning: "JSON logs to this file (`-`: stdout); unset: warnings and errors on stderr",
  },
  scheduleTimezone: {
    env: "SCHEDULE_TIMEZONE",
    parse: optionalString(),
    meaning:
      "the IANA zone every schedule is written in; each platform gets an expression that fires at the same instants (SCF evaluates timers in Beijing time, EventBridge in UTC); a zone with daylight saving, or whose offset from those is not whole hours, is refused",
    default: "`UTC`",
  },
  reportDir: {
    env: "REPORT_DIR",
    parse: optionalString(),
    meaning:
      "keep each run's full report as `<dir>/<function>/<runId>.json` plus `latest.json` (for `serve` and `run`; `run --out DIR` wins)",
  },
  runOnStart: {
    env: "SERVE_RUN_ON_START",
    parse: optionalString(),
    meaning: "run each function once at start",
    default: "`true` with the demo emulator",
  },
  functions: {
    env: "SERVE_FUNCTIONS",
    parse: optionalString(),
    meaning: "which functions to serve, comma list",
    default: "all",
  },
});

/** What `serverless package` reads. */
export const PACKAGE_SETTINGS = declareSettings({
  awsRegion: {
    env: "AWS_REGION",
    parse: optionalString(),
    meaning: "region for `serverless package`",
    default: "`us-east-1`",
  },
});

/** A function's SCHEDULE_<NAME>: its declared schedule unless the variable sets another. */
export function scheduleSetting(f: Scheduled): Setting<string> {
  return {
    env: scheduleVar(f.name),
    parse: field((v, fail) => {
      const problem = v === undefined ? undefined : cronProblem(v);
      if (problem) fail(problem);
      return v ?? f.schedule;
    }),
    meaning: `when ${f.name} runs: a 5-field cron in SCHEDULE_TIMEZONE (\`cvm-autopilot validate\` says it in words)`,
    // In words only when asked (the reference, `--help`): the typo check needs the name alone.
    get default() {
      return `\`${f.schedule}\` (${scheduleWords(f.schedule)})`;
    },
  };
}

/** Every function's schedule row, keyed by its variable. */
export const scheduleSettings = (functions: readonly Scheduled[]): Settings =>
  Object.fromEntries(functions.map((f) => [scheduleVar(f.name), scheduleSetting(f)]));

/** The host section of the reference, in its order: deploy, serve and the schedules, one row per function, packaging. */
export const hostSettings = (functions: readonly Scheduled[]): Settings => ({
  ...DEPLOY_SETTINGS,
  ...SERVE_SETTINGS,
  ...scheduleSettings(functions),
  ...PACKAGE_SETTINGS,
});
