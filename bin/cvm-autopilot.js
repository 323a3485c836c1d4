#!/usr/bin/env node
// The CLI, as JavaScript built by `npm ci` (bin/build-cli.mjs): no TypeScript loader at run time.
import { existsSync } from "node:fs";

const built = new URL("../dist/cli.mjs", import.meta.url);
if (!existsSync(built)) {
  process.stderr.write("cvm-autopilot: the CLI is not built; run `npm ci` (or `npm run build:cli`) first\n");
  process.exit(2);
}
await import(built.href);
