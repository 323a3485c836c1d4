/**
 * Bundle bytes and cold load time: each function bundle vs an equivalent handler on the official
 * SDK, both built with the same esbuild settings. Cold load = a fresh `node` requiring the
 * bundle, median of 20, minus a bare `node -e 0` measured in the same run, interleaved.
 */
import { spawnSync } from "node:child_process";
import { build } from "esbuild";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { LAZY_MODULES, ROOT } from "../lib/deploy/build.ts";

export interface BundleRow {
  bundle: string;
  bytes: number;
  sizeVsSdk: number;
  addedLoadMs: number;
  loadVsSdk: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function loadMs(args: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: "ignore" });
  if (r.status !== 0) throw new Error(`node ${args.join(" ")} failed`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

export async function bundleBench(ours: Record<string, string>, outdir: string): Promise<BundleRow[]> {
  const sdkFile = join(outdir, "sdk-handler", "index.js");
  await build({
    entryPoints: [join(ROOT, "bench/sdk-handler.ts")],
    outfile: sdkFile,
    bundle: true,
    platform: "node",
    target: "node18",
    format: "cjs",
    minify: true,
    sourcemap: true,
    treeShaking: true,
    legalComments: "none",
    logLevel: "error",
  });
  const files: Record<string, string> = { ...ours, "sdk-handler (official SDK)": sdkFile };
  // A bundle's lazy modules (lib/deploy/build.ts) load only when its configuration asks: a row
  // of their own, loaded after the bundle, shows what such a run adds.
  const lazyRows: Record<string, string[]> = {};
  for (const [name, file] of Object.entries(ours))
    for (const chunk of Object.values(LAZY_MODULES))
      if (existsSync(join(dirname(file), chunk))) lazyRows[`${name} + ${chunk}`] = [file, join(dirname(file), chunk)];
  const samples: Record<string, number[]> = Object.fromEntries(
    [...Object.keys(files), ...Object.keys(lazyRows)].map((k) => [k, []]),
  );
  const bare: number[] = [];
  for (let i = 0; i < 20; i++) {
    bare.push(loadMs(["-e", "0"]));
    for (const [name, file] of Object.entries(files))
      samples[name]!.push(loadMs(["-e", `require(${JSON.stringify(file)})`]));
    for (const [name, both] of Object.entries(lazyRows))
      samples[name]!.push(loadMs(["-e", both.map((f) => `require(${JSON.stringify(f)});`).join("")]));
  }
  const base = median(bare);
  const added = (name: string) => Math.max(0, median(samples[name]!) - base);
  const sdkName = "sdk-handler (official SDK)";
  const sdkBytes = statSync(sdkFile).size;
  const bytes = (name: string) => (lazyRows[name] ?? [files[name]!]).reduce((n, f) => n + statSync(f).size, 0);
  return [...Object.keys(files), ...Object.keys(lazyRows)].map((name) => ({
    bundle: name,
    bytes: bytes(name),
    sizeVsSdk: +(bytes(name) / sdkBytes).toFixed(3),
    addedLoadMs: +added(name).toFixed(1),
    loadVsSdk: +(added(name) / Math.max(added(sdkName), 0.1)).toFixed(2),
  }));
}

/** `cvm-autopilot help`: wall time of a fresh start, median of 20, beside a bare `node -e 0` in the same run. */
export function cliStartBench(): Array<{ command: string; medianMs: number; addedMs: number }> {
  const bare: number[] = [];
  const help: number[] = [];
  for (let i = 0; i < 20; i++) {
    bare.push(loadMs(["-e", "0"]));
    help.push(loadMs([join(ROOT, "bin/cvm-autopilot.js"), "help"]));
  }
  return [
    { command: "node -e 0", medianMs: +median(bare).toFixed(1), addedMs: 0 },
    {
      command: "cvm-autopilot help",
      medianMs: +median(help).toFixed(1),
      addedMs: +(median(help) - median(bare)).toFixed(1),
    },
  ];
}
