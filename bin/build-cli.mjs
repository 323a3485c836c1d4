#!/usr/bin/env node
// Builds the CLI into dist/cli.mjs with the esbuild the project already depends on; `npm ci` runs
// it (the `prepare` script), so the CLI starts as plain JavaScript with no TypeScript loader.
// The emulator, a development tool the published package does not ship, stays outside the bundle
// and is loaded through tsx on demand. bin/cvm-autopilot.js calls buildCli() again when a source
// is newer than the bundle (bin/cli-freshness.mjs).
import { build } from "esbuild";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Builds dist/cli.mjs and its map; each file is written whole and renamed into place, so a CLI starting meanwhile never loads half a bundle. */
export async function buildCli() {
  const res = await build({
    entryPoints: [join(root, "cli/main.ts")],
    outfile: join(root, "dist/cli.mjs"),
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    // Bundled and tree-shaken like the function bundles (zod/mini alone costs ~60 ms to load from
    // node_modules); esbuild (a native binary) and tsx (development only) stay outside.
    // date-holidays (every country's calendar, ~1.5 MB) too: loaded from node_modules only by a run that names a country calendar.
    // cli-table3 is loaded only for `--output table`.
    external: ["esbuild", "tsx", "tsx/*", "date-holidays", "cli-table3", "../emulator/*"],
    minify: true,
    // Keep class names (ConfigError, UsageError) readable in messages and stack traces.
    keepNames: true,
    sourcemap: true,
    logLevel: "warning",
    write: false,
  });
  for (const f of res.outputFiles) {
    mkdirSync(dirname(f.path), { recursive: true });
    const tmp = `${f.path}.${process.pid}.tmp`;
    writeFileSync(tmp, f.contents);
    renameSync(tmp, f.path);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await buildCli();
