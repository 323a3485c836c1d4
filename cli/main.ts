/** The `cvm-autopilot` command line. Errors print as one clear message; exit codes: 0 ok, 1 API error or a run with errors, 2 usage/config, 3 blast-radius guard tripped. */
import { ConfigError } from "../lib/config/config.ts";
import { callCommand } from "./call.ts";
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { profileEnv } from "../lib/config/profiles.ts";
import { commandDoc, commandUsage, parseCommand, usage, UsageError } from "./usage.ts";
import { importDev } from "./dev.ts";
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
  // A named profile's credentials fill in what the environment lacks, before any command reads it.
  Object.assign(process.env, profileEnv(process.env, homedir()));
  const [command, ...rest] = argv;
  if (command === "--version" || command === "-v") {
    // package.json sits one level above both cli/ and the built dist/.
    out((JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version);
    return 0;
  }
  // `<command> --help` prints that command's usage and does nothing else.
  if (command && commandDoc(command) && (rest.includes("--help") || rest.includes("-h"))) {
    out(commandUsage(command, REGISTRY));
    return 0;
  }
  // Options are parsed by the command's line of the table (parseCommand), which names the closest to a typo.
  return dispatch(command, rest);
}

async function dispatch(command: string | undefined, rest: string[]): Promise<number> {
  switch (command) {
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
    } else if (
      e instanceof ConfigError ||
      e instanceof UsageError ||
      (e as Error).name === "DeployError" ||
      (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")
    ) {
      err(`cvm-autopilot: ${(e as Error).message}`);
      if (e instanceof UsageError) err("Run `cvm-autopilot help` for usage.");
      process.exitCode = 2;
    } else {
      err(`cvm-autopilot: unexpected error: ${e instanceof Error ? e.message : String(e)}`);
      process.exitCode = 1;
    }
  },
);
