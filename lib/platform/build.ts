/**
 * Builds one bundle per function with esbuild: tree-shaken, minified, source-mapped CommonJS
 * (SCF's Node runtimes load `index.main_handler` from CommonJS), and the schedule table in the
 * forms serverless.yml and SCF need. Dev dependencies never enter a bundle: the build fails if
 * the official SDK (a test-only peer) shows up among a bundle's inputs.
 */
import { build } from "esbuild";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Env } from "../config/config.ts";
import { FUNCTION_NAMES, loadSchedules, toAwsCron, toScfCron, type FunctionName } from "./schedules.ts";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const FORBIDDEN_IN_BUNDLE = /tencentcloud-sdk|node_modules\/(vitest|typescript|serverless|tsx)\//;

export interface BundleInfo {
  name: FunctionName;
  file: string;
  bytes: number;
  inputs: string[];
}

export async function buildBundles(outdir = join(ROOT, "dist"), env: Env = process.env): Promise<BundleInfo[]> {
  const out: BundleInfo[] = [];
  for (const name of FUNCTION_NAMES) {
    const file = join(outdir, name, "index.js");
    const res = await build({
      entryPoints: [join(ROOT, "functions", name, "handler.ts")],
      outfile: file,
      bundle: true,
      platform: "node",
      target: "node18",
      format: "cjs",
      minify: true,
      sourcemap: true,
      treeShaking: true,
      legalComments: "none",
      metafile: true,
      logLevel: "warning",
    });
    // The repository's package.json says "type": "module"; this marker keeps the bundle CommonJS
    // wherever it is loaded from (SCF and Lambda look for `index.main_handler` / `index.handler`).
    writeFileSync(join(outdir, name, "package.json"), '{ "type": "commonjs" }\n');
    const inputs = Object.keys(res.metafile.inputs);
    const bad = inputs.filter((i) => FORBIDDEN_IN_BUNDLE.test(i));
    if (bad.length) throw new Error(`bundle ${name} contains dev-only modules: ${bad.slice(0, 3).join(", ")}`);
    const output = res.metafile.outputs[Object.keys(res.metafile.outputs).find((k) => k.endsWith("index.js"))!]!;
    out.push({ name, file, bytes: output.bytes, inputs });
  }
  const schedules = loadSchedules(env);
  const table = Object.fromEntries(
    FUNCTION_NAMES.map((n) => [n, { cron: schedules[n], scf: toScfCron(schedules[n]), aws: toAwsCron(schedules[n]) }]),
  );
  mkdirSync(outdir, { recursive: true });
  writeFileSync(join(outdir, "schedules.json"), JSON.stringify(table, null, 2) + "\n");
  return out;
}
