/** The `cvm-autopilot` command line. Errors print as one clear message; exit codes: 0 ok, 1 API error or a run with errors, 2 usage/config, 3 blast-radius guard tripped. */
import { parseArgs } from "node:util";
import { ConfigError } from "../lib/config/config.ts";
import { callCommand } from "./call.ts";
import { usage, UsageError } from "./usage.ts";
import { importDev } from "./dev.ts";
import { REGISTRY } from "../functions/registry.ts";

const out = (s: string) => process.stdout.write(s + "\n");
const err = (s: string) => process.stderr.write(s + "\n");

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "call": {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { region: { type: "string" }, service: { type: "string", default: "cvm" }, version: { type: "string" }, params: { type: "string" } },
      });
      const action = positionals[0];
      if (!action) throw new UsageError("call needs an Action, e.g. cvm-autopilot call DescribeRegions");
      return callCommand({ action, region: values.region, service: values.service!, version: values.version, params: values.params }, process.env, out, err);
    }
    case "emulator": {
      const { values } = parseArgs({
        args: rest,
        options: {
          port: { type: "string" }, instances: { type: "string" }, regions: { type: "string" }, fleet: { type: "string" },
          seed: { type: "string" }, latency: { type: "string" }, "no-rate-limits": { type: "boolean", default: false },
        },
      });
      // Loaded on demand: the emulator is a development tool the published package does not ship.
      const { emulatorCommand } = await importDev<typeof import("../emulator/command.ts")>("../emulator/command.ts", import.meta.url);
      await emulatorCommand({ ...values, rateLimits: !values["no-rate-limits"] }, process.env, out);
      return 0;
    }
    case undefined:
    case "help":
    case "--help":
      out(usage(REGISTRY));
      return command ? 0 : 2;
    default: {
      const mod = await import("./commands.ts");
      return mod.runCommand(command, rest, process.env, out, err);
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof ConfigError || e instanceof UsageError || (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      err(`cvm-autopilot: ${(e as Error).message}`);
      if (e instanceof UsageError) err("Run `cvm-autopilot help` for usage.");
      process.exitCode = 2;
    } else {
      err(`cvm-autopilot: unexpected error: ${e instanceof Error ? e.message : String(e)}`);
      process.exitCode = 1;
    }
  },
);
