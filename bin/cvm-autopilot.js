#!/usr/bin/env node
// The CLI, as JavaScript built by `npm ci` (bin/build-cli.mjs): no TypeScript loader at run time.
// A bundle older than its sources (a function renamed or added since) is rebuilt first, and said
// so on stderr; if it cannot be rebuilt, the run goes on with a warning that it is the older code.
import { existsSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { newerSource } from "./cli-freshness.mjs";

const built = new URL("../dist/cli.mjs", import.meta.url);
const root = fileURLToPath(new URL("..", import.meta.url));
const stale = existsSync(built) ? newerSource(root, statSync(built).mtimeMs) : undefined;
if (stale) {
  process.stderr.write(`cvm-autopilot: ${stale} is newer than dist/cli.mjs; rebuilding the CLI\n`);
  try {
    await (await import("./build-cli.mjs")).buildCli();
  } catch (err) {
    const why = err instanceof Error ? err.message.split("\n")[0] : String(err);
    process.stderr.write(
      `cvm-autopilot: warning: the rebuild failed (${why}); running the older dist/cli.mjs, which does not have your changes (\`npm run build:cli\` shows the error)\n`,
    );
  }
}
if (!existsSync(built)) {
  process.stderr.write("cvm-autopilot: the CLI is not built; run `npm ci` (or `npm run build:cli`) first\n");
  process.exit(2);
}
await import(built.href);
