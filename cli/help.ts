/**
 * Help text, from the command table (usage.ts) and the registry: wrapped at the terminal's
 * width (80 columns when piped, or COLUMNS), with an example per command; `run <function>
 * --help` lists that function's settings with their meanings and defaults.
 */
import { defaultWords, type Settings } from "../lib/config/settings.ts";
import { COMMANDS, commandDoc, EXIT_WORDS } from "./usage.ts";

type Fn = { name: string; description: string; settings?: Settings; schedule?: string };

/** The width to wrap at: the terminal's, else COLUMNS, else 80; never narrower than 40. */
export function helpWidth(stream: { isTTY?: boolean; columns?: number } = process.stdout, env = process.env): number {
  const cols = stream.isTTY && stream.columns ? stream.columns : Number(env.COLUMNS) || 80;
  return Math.max(40, cols);
}

/** `text` wrapped at `width`, its first line after `first`, the others indented by `indent` spaces. */
export function wrap(first: string, text: string, width: number, indent: number): string {
  const lines: string[] = [];
  let line = first;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const sep = line.length > (lines.length ? indent : first.length) ? " " : "";
    if (line.length + sep.length + word.length > width && line.trim().length) {
      lines.push(line.trimEnd());
      line = " ".repeat(indent) + word;
    } else line += sep + word;
  }
  lines.push(line.trimEnd());
  return lines.join("\n");
}

const exitLine = (codes: readonly number[], width: number) =>
  ["Exit codes:", ...codes.map((c) => wrap(`  ${c} `, `${EXIT_WORDS[c]}`, width, 4))].join("\n");

const functionList = (functions: readonly Fn[], width: number, indent: number) =>
  functions
    .map((f) => wrap(`${" ".repeat(indent)}${f.name.padEnd(16)} `, f.description, width, indent + 17))
    .join("\n");

/** Usage text; the functions and what they do come from the registry. */
export function usage(functions: readonly Fn[], width = helpWidth()): string {
  const commands = Object.values(COMMANDS).map((c) =>
    [
      wrap("  ", c.synopsis, width, 6),
      wrap("      ", `${c.summary}${c === COMMANDS.run ? ":" : ""}`, width, 6),
      ...(c === COMMANDS.run ? [functionList(functions, width, 8)] : []),
      wrap("      e.g. ", c.example, width, 11),
    ].join("\n"),
  );
  return [
    "Usage: cvm-autopilot <command> [--help]",
    "",
    ...commands,
    "  --version",
    "      print the version",
    "  --profile NAME",
    wrap(
      "      ",
      "(any command) credentials from the profile NAME: ~/.tencentcloud/credentials or ~/.tccli/NAME.credential",
      width,
      6,
    ),
    "",
    exitLine([0, 1, 2, 3], width),
    wrap("", "`cvm-autopilot <command> --help` (or `help <command>`) lists its options with their defaults.", width, 0),
    "",
  ].join("\n");
}

/** One command's usage: what it does, every option with its meaning and default, the environment it reads, an example, the exit codes it can return. */
export function commandUsage(name: string, functions: readonly Fn[], width = helpWidth()): string {
  const c = commandDoc(name)!;
  const opts = Object.entries(c.options).map(([o, d]) => {
    const flag = `--${o}${d.short ? `, -${d.short}` : ""}${d.arg ? ` ${d.arg}` : ""}`;
    return wrap(`  ${flag.padEnd(22)} `, `${d.meaning}${d.default ? ` (default: ${d.default})` : ""}`, width, 25);
  });
  return [
    wrap("Usage: cvm-autopilot ", c.synopsis, width, 6),
    "",
    wrap("", `${c.summary}${name === "run" ? ":" : ""}`, width, 0),
    ...(name === "run"
      ? [
          functionList(functions, width, 2),
          "",
          wrap("", "`run <function> --help` lists that function's settings.", width, 0),
        ]
      : []),
    "",
    ...(opts.length ? ["Options:", ...opts, ""] : []),
    wrap("Environment: ", c.env, width, 2),
    "",
    wrap("Example: ", c.example, width, 4),
    "",
    exitLine(c.exits, width),
    "",
  ].join("\n");
}

/** `run <function> --help`: what it does, when it runs, and every setting it reads with its meaning and default. */
export function functionUsage(f: Fn, width = helpWidth()): string {
  const settings = Object.values(f.settings ?? {}).map((d) => {
    const meaning = `${d.meaning.replace(/`/g, "")} (default: ${defaultWords(d).replace(/`/g, "")})`;
    return [`  ${d.env}`, wrap("      ", meaning, width, 6)].join("\n");
  });
  return [
    wrap(
      `Usage: cvm-autopilot run ${f.name} `,
      "[--dry-run [--at TIME]] [--region R[,R…]] [--output table|json|text] [--out DIR]",
      width,
      6,
    ),
    "",
    wrap("", `${f.description}.`, width, 0),
    ...(f.schedule
      ? [`Schedule: "${f.schedule}" (SCHEDULE_${f.name.toUpperCase().replace(/-/g, "_")} overrides it)`]
      : []),
    "",
    "Settings (besides the shared ones in docs/configuration.md):",
    ...settings,
    "",
    `Example: DRY_RUN=true cvm-autopilot run ${f.name} -o text`,
    "",
  ].join("\n");
}
