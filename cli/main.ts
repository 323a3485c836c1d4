/** The `cvm-autopilot` command line. Errors print as one clear message; exit codes: 0 ok, 1 API error or a run with errors, 2 usage/config, 3 blast-radius guard tripped. */
import { ConfigError } from "../lib/config/config.ts";
import { withDemoNote } from "../lib/config/demo-settings.ts";
import { dotEnv } from "../lib/config/dotenv.ts";
import { unknownVariableWarnings } from "./settings-catalog.ts";
import { callCommand } from "./call.ts";
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { profileEnv } from "../lib/config/profiles.ts";
import { COMMANDS, commandDoc, parseCommand, UsageError } from "./usage.ts";
import { commandUsage, functionUsage, usage } from "./help.ts";
import { importDev } from "./dev.ts";
import { DEMO } from "./demo-seam.ts";
import { REGISTRY } from "../functions/registry.ts";

const out = (s: string) => process.stdout.write(`${s}\n`);
const err = (s: string) => process.stderr.write(`${s}\n`);

/** `--profile NAME` anywhere: the credentials profile, as TENCENTCLOUD_PROFILE (lib/config/profiles.ts). */
function takeProfile(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--profile" || a.startsWith("--profile=")) {
      const name = a === "--profile" ? argv[++i] : a.slice("--profile=".length);
      if (!name || name.startsWith("-")) throw new UsageError("--profile needs a profile name, e.g. --profile default");
      process.env.TENCENTCLOUD_PROFILE = name;
    } else out.push(a);
  }
  return out;
}

async function main(argv0: string[]): Promise<number> {
  const argv = takeProfile(argv0);
  // .env in the working directory fills in what the environment lacks (the environment wins).
  const fromFile = dotEnv(process.env, process.cwd()).added;
  Object.assign(process.env, fromFile);
  // A named profile's credentials fill in what the environment lacks, before any command reads it.
  Object.assign(process.env, profileEnv(process.env, homedir()));
  const [command, ...rest] = argv;
  if (command === "--version" || command === "-v") {
    // package.json sits one level above both cli/ and the built dist/.
    out((JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version);
    return 0;
  }
  // `<command> --help` (or `help <command>`) prints that command's usage and does nothing else;
  // `run <function> --help` that function's settings.
  const asked =
    command === "help"
      ? rest
      : command && (rest.includes("--help") || rest.includes("-h"))
        ? [command, ...rest.filter((a) => !a.startsWith("-"))]
        : [];
  const [topic, sub] = asked;
  if (topic && commandDoc(topic)) {
    const fn = topic === "run" && sub ? REGISTRY.find((f) => f.name === sub) : undefined;
    out(fn ? functionUsage(fn) : commandUsage(topic, REGISTRY));
    return 0;
  }
  if (command === "help" && rest[0])
    throw new UsageError(`no command "${rest[0]}"; commands: ${Object.keys(COMMANDS).join(", ")}`);
  // Options are parsed by the command's line of the table (parseCommand), which names the closest to a typo.
  return dispatch(command, rest, new Set(Object.keys(fromFile)));
}

async function dispatch(command: string | undefined, rest: string[], fromFile: ReadonlySet<string>): Promise<number> {
  switch (command) {
    case "validate": {
      parseCommand("validate", rest);
      return (await import("./validate.ts")).validateCommand(process.env, out, fromFile);
    }
    case "schedule": {
      const { values } = parseCommand("schedule", rest);
      for (const w of unknownVariableWarnings(process.env)) err(`cvm-autopilot: warning: ${w}`);
      return (await import("./schedule-command.ts")).scheduleCommand(values.next, process.env, out, err);
    }
    case "call": {
      const { values, positionals } = parseCommand("call", rest, { positionals: true });
      const action = positionals[0];
      if (!action) throw new UsageError("call needs an Action, e.g. cvm-autopilot call DescribeRegions");
      return callCommand(
        {
          action,
          region: values.region,
          service: values.service ?? "cvm",
          version: values.version,
          params: values.params,
        },
        process.env,
        out,
        err,
      );
    }
    case "emulator": {
      const { values } = parseCommand("emulator", rest);
      // Loaded on demand: the emulator is a development tool the published package does not ship.
      const { emulatorCommand } = await importDev<typeof import("../emulator/command.ts")>(
        "../emulator/command.ts",
        import.meta.url,
      );
      await emulatorCommand({ ...values, rateLimits: !values["no-rate-limits"] }, process.env, out);
      return 0;
    }
    case "dashboard":
      return (await import("./dashboard.ts")).dashboardCommand(rest, process.env, out, err);
    case "history":
    case "savings":
      return (await import("./history.ts")).historyCommand(command, rest, process.env, out, err);
    case undefined:
    case "help":
    case "--help":
    case "-h":
      out(usage(REGISTRY));
      return command ? 0 : 2;
    default: {
      // A misspelt setting would be silently ignored: said first, with the likely name.
      for (const w of unknownVariableWarnings(process.env)) err(`cvm-autopilot: warning: ${w}`);
      const mod = await import("./run.ts");
      return mod.runCommand(command, rest, process.env, out, err);
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if ((e as { code?: string }).code === "EADDRINUSE") {
      // A busy port: one line naming it and how to choose another, not a stack trace.
      const port = (e as { port?: number }).port;
      err(
        `cvm-autopilot: port ${port ?? ""} is already in use: set PORT (serve) or --port (emulator) to another port, or 0 for any free one`,
      );
      process.exitCode = 2;
    } else if (e instanceof ConfigError) {
      // Said before any call: a setting the demo chose for itself is one a real run must choose.
      err(`cvm-autopilot: ${new ConfigError(e.issues.map((i) => withDemoNote(i, DEMO))).message}`);
      process.exitCode = 2;
    } else if (
      e instanceof UsageError ||
      // The emulator's command is loaded apart from the built CLI, with its own copy of the class.
      (e as Error).name === "UsageError" ||
      (e as Error).name === "DeployError" ||
      (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")
    ) {
      err(`cvm-autopilot: ${(e as Error).message}`);
      if ((e as Error).name === "UsageError") err("Run `cvm-autopilot help` for usage.");
      process.exitCode = 2;
    } else {
      err(`cvm-autopilot: unexpected error: ${e instanceof Error ? e.message : String(e)}`);
      process.exitCode = 1;
    }
  },
);
