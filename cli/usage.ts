/** The CLI's commands, their usage and options: one table that parsing, `help`, `<command> --help` and option errors read. */
import { parseArgs } from "node:util";

// UsageError is defined in lib/ so the emulator's own command can throw it without reaching into the CLI.
import { UsageError } from "../lib/usage-error.ts";
import { closest } from "../lib/config/closest.ts";
export { UsageError, closest };

/** One option: what it does, and its default when it has one. */
interface OptionDoc {
  /** The value's placeholder, for an option that takes one (`N`, `DIR`); without one the option is a flag. */
  arg?: string;
  /** May be given more than once (each value is kept). */
  multiple?: true;
  /** A one-letter alias (`-o`). */
  short?: string;
  meaning: string;
  default?: string;
}

export interface CommandDoc {
  synopsis: string;
  summary: string;
  /** Every long option the command accepts: `--help` lists them, and an unknown one is matched against them. */
  options: Record<string, OptionDoc>;
  /** The environment the command reads, in a line. */
  env: string;
  /** The exit codes this command can return. */
  exits: number[];
  /** One command line a person can copy, for `--help`. */
  example: string;
}

const CREDENTIALS =
  "TENCENTCLOUD_SECRET_ID and _SECRET_KEY (or --profile NAME, or CVM_AUTOPILOT_USE_CVM_ROLE=true on a CVM)";
const HISTORY_ENV =
  "HISTORY_BUCKET (cos://NAME or s3://NAME) and its credentials, else the local directory (REPORT_DIR/history, or $XDG_STATE_HOME or ~/.local/state /cvm-autopilot/history)";
export const EXIT_WORDS: Record<number, string> = {
  0: "done",
  1: "an API error, or a run that reported errors (or whose guard held back part of it)",
  2: "usage or configuration",
  3: "the blast-radius guard held the whole run back: nothing was done",
};

export const COMMANDS = {
  call: {
    synopsis: "call <Action> --region R [--service cvm] [--version V] [--params JSON]",
    summary: "one signed API call, printed as JSON",
    options: {
      region: {
        arg: "R",
        meaning: "the region to call in (global services such as sts take none)",
        default: "TENCENTCLOUD_REGION",
      },
      service: { arg: "S", meaning: "the service the action belongs to", default: "cvm" },
      version: { arg: "V", meaning: "the API version", default: "the service's current one" },
      params: { arg: "JSON", meaning: "the request, as a JSON object", default: "{}" },
    },
    env: `${CREDENTIALS}; CVM_AUTOPILOT_ENDPOINT to call the emulator`,
    exits: [0, 1, 2],
    example: `cvm-autopilot call DescribeInstances --region ap-guangzhou --params '{"Limit":5}'`,
  },
  run: {
    synopsis:
      "run <function> [--dry-run [--at TIME]] [--region R[,R…]] [--output table|json|text] [--limit N] [--out DIR]",
    summary: "run one function once; with no credentials, on the embedded emulator's demo fleet",
    options: {
      "dry-run": { meaning: "decide and report, change nothing (as DRY_RUN=true)" },
      at: {
        arg: "TIME",
        meaning: "decide as of another instant with its zone, e.g. 2027-01-01T09:05+08:00; dry run only",
      },
      region: {
        arg: "R",
        multiple: true,
        meaning: "narrow REGIONS to these (repeatable, or a comma list); never widens them",
        default: "REGIONS",
      },
      output: {
        arg: "FORMAT",
        short: "o",
        meaning: "table, json, or text (the summary and errors)",
        default: "table on a terminal, json when piped",
      },
      limit: {
        arg: "N",
        meaning: "the table shows the first N rows (by region, then name) and counts the rest",
        default: "every row the report lists",
      },
      out: {
        arg: "DIR",
        meaning: "keep the report as DIR/<function>/<runId>.json and latest.json",
        default: "REPORT_DIR",
      },
    },
    env: `${CREDENTIALS}; TENCENTCLOUD_REGION or REGIONS; DRY_RUN (unset with credentials: a dry run; false: act); the function's own settings (\`run <function> --help\`)`,
    exits: [0, 1, 2, 3],
    example: "cvm-autopilot run auto-stop-idle --dry-run --region ap-guangzhou",
  },
  serve: {
    synopsis: "serve",
    summary: "schedules + webhook server (the embedded emulator when no credentials are set)",
    options: {},
    env: `${CREDENTIALS} (none: the demo emulator); DRY_RUN (unset with credentials: a dry run; false: act); PORT (8080), WEBHOOK_SECRET, SERVE_FUNCTIONS, SCHEDULE_<FUNCTION>, LOG_FILE, LOG_FORMAT`,
    exits: [0, 2],
    example: "DRY_RUN=false SERVE_FUNCTIONS=office-hours cvm-autopilot serve",
  },
  emulator: {
    synopsis:
      "emulator [--port N] [--instances N] [--regions a,b] [--accounts N] [--fleet file.json] [--seed S] [--latency MS] [--reply-log FILE] [--no-rate-limits]",
    summary: "the local Tencent Cloud emulator (development only)",
    options: {
      port: { arg: "N", meaning: "the port to listen on (0: any free one)", default: "9000" },
      instances: { arg: "N", meaning: "a synthetic fleet of N instances (per account with --accounts)", default: "0" },
      regions: { arg: "a,b", meaning: "the regions the fleet is spread over", default: "ap-guangzhou,ap-shanghai" },
      accounts: {
        arg: "N",
        meaning: "N member accounts (uin 200000000001…, role cvm-autopilot), each with its own --instances",
        default: "0",
      },
      fleet: { arg: "FILE", meaning: "instances from a JSON file instead of a synthetic fleet" },
      seed: { arg: "S", meaning: "the seed of the synthetic fleet and of the emulator's ids", default: "1" },
      latency: { arg: "MS", meaning: "added to every reply", default: "0" },
      "reply-log": {
        arg: "FILE",
        meaning: "append every API reply's body to FILE, one a line (the benchmark's floor)",
      },
      "no-rate-limits": { meaning: "do not enforce the documented per-action rate limits" },
    },
    env: "none",
    exits: [0, 2],
    example: "cvm-autopilot emulator --port 9000 --instances 200",
  },
  build: {
    synopsis: "build",
    summary: "esbuild bundles per function, schedules, serverless.yml's generated files, the CAM policy (dist/)",
    options: {},
    env: "SCHEDULE_TIMEZONE, SCHEDULE_<FUNCTION>",
    exits: [0, 2],
    example: "SCHEDULE_TIMEZONE=Asia/Shanghai cvm-autopilot build",
  },
  deploy: {
    synopsis: "deploy [--region R] [--namespace NS] [--dry-run] [--recreate] [--remove]",
    summary:
      "deploy the functions to Tencent SCF, each with a timer and a function URL (printed); with AUTO_STOP_SOURCE=alarms, one idle alarm policy per region",
    options: {
      region: { arg: "R", meaning: "the region the functions live in", default: "TENCENTCLOUD_REGION" },
      namespace: {
        arg: "NS",
        meaning: "the SCF namespace (created when missing)",
        default: "SCF_NAMESPACE, else default",
      },
      "dry-run": { meaning: "list the writes a deploy would make, make none" },
      recreate: { meaning: "delete and recreate a function whose runtime differs (its function URL changes)" },
      remove: {
        meaning:
          "delete our triggers, functions and idle alarm policies, and schedule the SSM secret's deletion (disabled, 7 days to restore); nothing else",
      },
    },
    env: `${CREDENTIALS} (the deployer's); SCF_ROLE, SCF_RUNTIME, SCF_MEMORY_SIZE, SCF_TIMEOUT; DRY_RUN (unset: the functions are deployed with DRY_RUN=true); the functions' settings, copied into their environments`,
    exits: [0, 1, 2],
    example: "cvm-autopilot deploy --region ap-guangzhou --dry-run",
  },
  validate: {
    synopsis: "validate",
    summary:
      "check the whole configuration offline (no call is made): every problem, misspelt settings, and each function's effective settings and scope",
    options: {},
    env: "everything the functions, serve and deploy read; .env in the working directory fills in what env lacks",
    exits: [0, 2],
    example: "AUTO_STOP_CPU_THRESHOLD=3 cvm-autopilot validate",
  },
  schedule: {
    synopsis: "schedule [--next N]",
    summary:
      "each office-hours machine's next starts and stops, with the kind of day that decides each (working day, holiday, make-up workday); reads only",
    options: {
      next: { arg: "N", meaning: "how many starts and stops to list per machine (1-50)", default: "4" },
    },
    env: `${CREDENTIALS} (none: the demo fleet); REGIONS; OFFICE_HOURS_SCHEDULES, OFFICE_HOURS_TAG`,
    exits: [0, 1, 2],
    example: "cvm-autopilot schedule --next 6",
  },
  history: {
    synopsis: "history [--function F] [--instance ID] [--since DATE] [-o table|json]",
    summary: "past runs and what each did, from the history store",
    example: "cvm-autopilot history --function auto-stop-idle --since 2026-12-01",
    options: {
      function: { arg: "F", meaning: "only this function's runs" },
      instance: { arg: "ID", meaning: "only runs that acted on or saw this instance, and only its lines" },
      since: {
        arg: "DATE",
        meaning: "runs started on or after this day (YYYY-MM-DD, UTC) or instant",
        default: "7 days ago",
      },
      output: { arg: "FORMAT", short: "o", meaning: "table or json", default: "table on a terminal, json when piped" },
    },
    env: HISTORY_ENV,
    exits: [0, 1, 2],
  },
  savings: {
    synopsis: "savings [--month YYYY-MM] [--by owner|project|function|account|region|day|tag:KEY] [-o table|json|csv]",
    summary:
      "realised savings of a month in CNY: machine-hours not billed because we stopped them, at each hour's step price",
    example: "cvm-autopilot savings --month 2026-11 --by owner -o csv",
    options: {
      month: { arg: "YYYY-MM", meaning: "the month (UTC)", default: "this month" },
      by: {
        arg: "GROUP",
        meaning: "group by owner (tag autopilot:owner), project, function, account, region, day, or tag:KEY",
        default: "function",
      },
      output: {
        arg: "FORMAT",
        short: "o",
        meaning: "table, json (the whole ledger of the month), or csv (the groups)",
        default: "table on a terminal, json when piped",
      },
    },
    env: HISTORY_ENV,
    exits: [0, 1, 2],
  },
  dashboard: {
    synopsis: "dashboard --url [--days N]",
    summary:
      "print the dashboard's signed link (GET /dashboard on serve or any function URL: savings, runs, next office-hours actions)",
    example: "DASHBOARD_URL=https://1250000000-abc.ap-guangzhou.tencentscf.com cvm-autopilot dashboard --url",
    options: {
      url: {
        meaning: "print the link (its key is derived from WEBHOOK_SECRET; it only lets its holder read the page)",
      },
      days: { arg: "N", meaning: "how long the link stays valid, 1-366 days", default: "30" },
    },
    env: "WEBHOOK_SECRET (the same as where the page is served); DASHBOARD_URL, else serve's http://127.0.0.1:PORT",
    exits: [0, 2],
  },
} as const satisfies Record<string, CommandDoc>;

export type CommandName = keyof typeof COMMANDS;
/** A command's line of the table by name, or undefined for a word that is no command. */
export const commandDoc = (name: string): CommandDoc | undefined =>
  Object.hasOwn(COMMANDS, name) ? (COMMANDS as Record<string, CommandDoc>)[name] : undefined;
/** What node:util's parseArgs is told of one option, from its line in the table. */
type ParseOption<D> = D extends { arg: string }
  ? D extends { multiple: true }
    ? { type: "string"; multiple: true }
    : { type: "string" }
  : { type: "boolean"; default: boolean };
type ParseOptions<C extends CommandName> = {
  -readonly [K in keyof (typeof COMMANDS)[C]["options"]]: ParseOption<(typeof COMMANDS)[C]["options"][K]>;
};

/**
 * A command's arguments, parsed by the options its table lists and no others: an option with an
 * `arg` takes a value, one without is a flag. An unknown option is an error naming the closest.
 */
export function parseCommand<C extends CommandName>(command: C, args: string[], opts: { positionals?: boolean } = {}) {
  const table: Record<string, OptionDoc> = COMMANDS[command].options;
  const built: Record<string, { type: "string" | "boolean"; multiple?: boolean; short?: string; default?: boolean }> =
    {};
  for (const [name, d] of Object.entries(table))
    built[name] = d.arg
      ? { type: "string", ...(d.multiple ? { multiple: true } : {}), ...(d.short ? { short: d.short } : {}) }
      : { type: "boolean", default: false };
  try {
    // The table's types and the built options say the same thing, line by line (ParseOption).
    return parseArgs({ args, allowPositionals: opts.positionals === true, options: built as ParseOptions<C> });
  } catch (e) {
    throw optionError(command, e as { code?: string; message: string });
  }
}

/** node:util parseArgs' unknown-option error as one line naming the closest valid option. */
export function optionError(command: string, e: { code?: string; message: string }): UsageError {
  const stray = /Unexpected argument '([^']*)'/.exec(e.message);
  if (e.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL" && stray)
    return new UsageError(`${command} takes no arguments besides its options; got "${stray[1]!.slice(0, 40)}"`);
  const m = /Unknown option '(-{1,2})([^']+)'/.exec(e.message);
  if (e.code !== "ERR_PARSE_ARGS_UNKNOWN_OPTION" || !m) return new UsageError(e.message.split(". ")[0]!);
  const names = Object.keys(commandDoc(command)?.options ?? {});
  const guess = closest(m[2]!, names);
  return new UsageError(
    `unknown option ${m[1]}${m[2]} for ${command}${guess ? `; did you mean --${guess}?` : names.length ? `; options: ${names.map((o) => `--${o}`).join(", ")}` : " (it takes none)"}`,
  );
}
