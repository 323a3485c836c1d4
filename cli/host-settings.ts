/**
 * The settings of the hosts around the functions, declared once (lib/config/settings.ts): deploy's
 * (parsed by `deploy`), serve's and the schedules' (lib/config/serve-settings.ts: read where they are
 * used, below the CLI), and one SCHEDULE_<FUNCTION> per function of the registry, so a new function
 * has its row with no edit here.
 */
import { declareSettings, type Setting, type Settings } from "../lib/config/settings.ts";
import { int, optionalString, pattern } from "../lib/config/fields.ts";
import { SERVE_SETTINGS } from "../lib/config/serve-settings.ts";
import { scheduleVar, scheduleDeclaration, type Scheduled } from "../lib/deploy/schedules.ts";
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

/** What `serverless package` reads. */
export const PACKAGE_SETTINGS = declareSettings({
  awsRegion: {
    env: "AWS_REGION",
    parse: optionalString(),
    meaning: "region for `serverless package`",
    default: "`us-east-1`",
  },
});

/** A function's SCHEDULE_<NAME>: its declaration (lib/deploy/schedules.ts, the one cron rule), with its default in words. */
export function scheduleSetting(f: Scheduled): Setting<string> {
  return {
    ...scheduleDeclaration(f),
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
