/** The CLI's commands, their usage and options: one table that `help`, `<command> --help` and option errors read. */

// UsageError is defined in lib/ so the emulator's own command can throw it without reaching into the CLI.
import { UsageError } from "../lib/usage-error.ts";
export { UsageError };

export interface CommandDoc {
  synopsis: string;
  summary: string;
  /** Long option names the command accepts (for "did you mean"). */
  options: string[];
}

type Fn = { name: string; description: string };

export const COMMANDS: Record<string, CommandDoc> = {
  call: { synopsis: "call <Action> --region R [--service cvm] [--version V] [--params JSON]", summary: "one signed API call, printed as JSON", options: ["region", "service", "version", "params"] },
  run: { synopsis: "run <function> [--dry-run [--at TIME]] [--region R[,R…]] [--output table|json|text] [--out DIR]", summary: "run one function once (--region narrows REGIONS, repeatable; --at decides as of another instant, e.g. 2027-01-01T09:05+08:00, in a dry run only; --output: table on a terminal, json when piped, text is the summary alone; --out keeps the report as DIR/<function>/<runId>.json and latest.json)", options: ["dry-run", "at", "region", "output", "out"] },
  serve: { synopsis: "serve", summary: "schedules + webhook server (the embedded emulator when no credentials are set); PORT sets the port", options: [] },
  emulator: {
    synopsis: "emulator [--port N] [--instances N] [--regions a,b] [--accounts N] [--fleet file.json] [--seed S] [--latency MS] [--no-rate-limits]",
    summary: "the local Tencent Cloud emulator (development only); --accounts N adds N member accounts (uin 200000000001…, role cvm-autopilot), each with its own --instances",
    options: ["port", "instances", "regions", "accounts", "fleet", "seed", "latency", "no-rate-limits"],
  },
  build: { synopsis: "build", summary: "esbuild bundles per function, schedules, serverless.yml's generated files, the CAM policy (dist/)", options: [] },
  deploy: { synopsis: "deploy [--region R] [--namespace NS] [--dry-run] [--recreate] [--remove]", summary: "deploy the functions to Tencent SCF, each with a timer and a function URL (printed); --recreate replaces a function whose runtime differs; --remove deletes our triggers and functions and schedules the SSM secret's deletion (disabled, 7 days to restore), nothing else", options: ["region", "namespace", "dry-run", "recreate", "remove"] },
};

const EXIT_CODES = "Exit codes: 0 done; 1 an API error or a run that reported errors; 2 usage or configuration; 3 the blast-radius guard tripped.";

const functionList = (functions: readonly Fn[]) => functions.map((f) => `                             ${f.name.padEnd(16)} ${f.description}`).join("\n");

/** Usage text; the functions and what they do come from the registry. */
export const usage = (functions: readonly Fn[]) => `Usage: cvm-autopilot <command> [--help]

${Object.values(COMMANDS).map((c) => `  ${c.synopsis}\n                           ${c.summary}${c === COMMANDS.run ? `:\n${functionList(functions)}` : ""}`).join("\n")}
  --version                print the version
  --profile NAME           (any command) credentials from the profile NAME: ~/.tencentcloud/credentials or ~/.tccli/NAME.credential

${EXIT_CODES}
`;

/** One command's usage. */
export function commandUsage(name: string, functions: readonly Fn[]): string {
  const c = COMMANDS[name]!;
  return `Usage: cvm-autopilot ${c.synopsis}\n\n${c.summary}${name === "run" ? `:\n${functionList(functions)}` : ""}\n\n${EXIT_CODES}\n`;
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)] as number[]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
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
  const m = /Unknown option '(-{1,2})([^']+)'/.exec(e.message);
  if (e.code !== "ERR_PARSE_ARGS_UNKNOWN_OPTION" || !m) return new UsageError(e.message.split(". ")[0]!);
  const guess = closest(m[2]!, COMMANDS[command]?.options ?? []);
  return new UsageError(`unknown option ${m[1]}${m[2]} for ${command}${guess ? `; did you mean --${guess}?` : COMMANDS[command]?.options.length ? `; options: ${COMMANDS[command]!.options.map((o) => `--${o}`).join(", ")}` : " (it takes none)"}`);
}
