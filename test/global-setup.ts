/** Builds the CLI once before the suite, so every test that spawns `cvm-autopilot` runs today's code. */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export default function setup(): void {
  execFileSync(process.execPath, [fileURLToPath(new URL("../bin/build-cli.mjs", import.meta.url))], {
    stdio: "inherit",
  });
}
