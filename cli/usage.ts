/** The CLI's commands, their usage and options: one table that parsing, `help`, `<command> --help` and option errors read. */
import { parseArgs } from "node:util";

// UsageError is defined in lib/ so the emulator's own command can throw it without reaching into the CLI.
import { UsageError } from "../lib/usage-error.ts";
export { UsageError };

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
}

type Fn = { name: string; description: string };

const CREDENTIALS =
  "TENCENTCLOUD_SECRET_ID and _SECRET_KEY (or --profile NAME, or CVM_AUTOPILOT_USE_CVM_ROLE=true on a CVM)";
const HISTORY_ENV =
  "HISTORY_BUCKET (cos://NAME or s3://NAME) and its credentials, else the local directory (REPORT_DIR/history, or $XDG_STATE_HOME or ~/.local/state /cvm-autopilot/history)";
const EXIT_WORDS: Record<number, string> = {
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
    env: `${CREDENTIALS}; TENCENTCLOUD_REGION or REGIONS; the function's own settings (docs/configuration.md)`,
    exits: [0, 1, 2, 3],
  },
  serve: {
    synopsis: "serve",
    summary: "schedules + webhook server (the embedded emulator when no credentials are set)",
    options: {},
    env: `${CREDENTIALS} (none: the demo emulator); PORT (8080), WEBHOOK_SECRET, SERVE_FUNCTIONS, SCHEDULE_<FUNCTION>, LOG_FILE`,
    exits: [0, 2],
  },
  emulator: {
    synopsis:
      "emulator [--port N] [--instances N] [--regions a,b] [--accounts N] [--fleet file.json] [--seed S] [--latency MS] [--no-rate-limits]",
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
      "no-rate-limits": { meaning: "do not enforce the documented per-action rate limits" },
    },
    env: "none",
    exits: [0, 2],
  },
  build: {
    synopsis: "build",
    summary: "esbuild bundles per function, schedules, serverless.yml's generated files, the CAM policy (dist/)",
    options: {},
    env: "SCHEDULE_TIMEZONE, SCHEDULE_<FUNCTION>",
    exits: [0, 2],
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
    env: `${CREDENTIALS} (the deployer's); SCF_ROLE, SCF_RUNTIME, SCF_MEMORY_SIZE, SCF_TIMEOUT; the functions' settings, copied into their environments`,
    exits: [0, 1, 2],
  },
  history: {
    synopsis: "history [--function F] [--instance ID] [--since DATE] [-o table|json]",
    summary: "past runs and what each did, from the history store",
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

const exitLine = (codes: readonly number[]) => `Exit codes: ${codes.map((c) => `${c} ${EXIT_WORDS[c]}`).join("; ")}.`;

const functionList = (functions: readonly Fn[]) =>
  functions.map((f) => `                             ${f.name.padEnd(16)} ${f.description}`).join("\n");

/** Usage text; the functions and what they do come from the registry. */
export const usage = (functions: readonly Fn[]) => `Usage: cvm-autopilot <command> [--help]

${Object.values(COMMANDS)
  .map(
    (c) =>
      `  ${c.synopsis}\n                           ${c.summary}${c === COMMANDS.run ? `:\n${functionList(functions)}` : ""}`,
  )
  .join("\n")}
  --version                print the version
  --profile NAME           (any command) credentials from the profile NAME: ~/.tencentcloud/credentials or ~/.tccli/NAME.credential

${exitLine([0, 1, 2, 3])}
Each command's --help lists its options with their defaults.
`;

/** One command's usage: what it does, every option with its meaning and default, the environment it reads, the exit codes it can return. */
export function commandUsage(name: string, functions: readonly Fn[]): string {
  const c = commandDoc(name)!;
  const opts = Object.entries(c.options).map(([o, d]) => {
    const flag = `--${o}${d.short ? `, -${d.short}` : ""}${d.arg ? ` ${d.arg}` : ""}`;
    return `  ${flag.padEnd(22)} ${d.meaning}${d.default ? ` (default: ${d.default})` : ""}`;
  });
  return [
    `Usage: cvm-autopilot ${c.synopsis}`,
    "",
    `${c.summary}${name === "run" ? `:\n${functionList(functions)}` : ""}`,
    "",
    ...(opts.length ? ["Options:", ...opts, ""] : []),
    `Environment: ${c.env}`,
    "",
    exitLine(c.exits),
    "",
  ].join("\n");
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)] as number[]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++)
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  }
  return d[a.length]![b.length]!;
}

/** The closest of `candidates` to `word`, if close enough to be a likely typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let score = Infinity;
  for (const c of candidates) {
    const s = distance(word, c);
    if (s < score) [best, score] = [c, s];
  }
  return best !== undefined && score <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
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
