/**
 * Fleet scale: the emulator (documented rate limits on, 50 ms added latency) in its own process
 * with N instances over 10 regions; each function runs from its production bundle in another
 * process, so its peak RSS is the function's own.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../lib/deploy/build.ts";
import { DEMO_CREDENTIALS } from "../emulator/server.ts";
import type { AutoStopReport } from "../functions/auto-stop-idle/index.ts";
import type { RenewReport } from "../functions/renew-flag/index.ts";
import { autoStopBound, renewBound } from "./bounds.ts";
import { measureFloor } from "./floor.ts";
import { buildReference, measureReference, type Reference } from "./reference-run.ts";

export const BENCH_REGIONS = [
  "ap-guangzhou",
  "ap-shanghai",
  "ap-beijing",
  "ap-chengdu",
  "ap-chongqing",
  "ap-hongkong",
  "ap-singapore",
  "ap-seoul",
  "ap-tokyo",
  "eu-frankfurt",
];
export const LATENCY_MS = 50;

/** What every timed row reports: its time beside its bound, and its calls beside the minimum. */
export interface RunFigures {
  wallMs: number;
  boundMs: number;
  ratio: number;
  calls: number;
  minCalls: number;
  callRatio: number;
  throttled: number;
}

export interface FleetRow extends RunFigures, Reference {
  instances: number;
  function: string;
  /** Starting Node with the bundle plus JSON.parse of every reply the run received (bench/floor.ts); `ratio` is wallMs over max(boundMs, floorMs). */
  floorMs: number;
  startMs: number;
  parseMs: number;
  replyMb: number;
  /** wallMs over boundMs alone, as tables before the floor gave it. */
  vsBound: number;
  /** The reference (bench/reference.ts: the same calls, nothing else) over the bound: what this machine, client and emulator allow. */
  refVsBound: number;
  /** wallMs over the reference's: what the function adds to the least an implementation on our client does. */
  vsRef: number;
  maxRssMb: number;
  /** Share of the run's wall time the emulator process spent on CPU: above 0.5 the row measures the emulator, not us. */
  emulatorBusy: number;
  /** CPU the function's own process used (from its start) over the run's wall time: near 1, our own CPU sets the pace. */
  functionBusy: number;
  meaningful: "yes" | "no: emulator-bound";
  /** GetMonitorData calls this run made, and a month of them at the default 15-minute schedule (free tier: 1,000,000 a month per account). */
  metricCalls: number;
  metricCallsPerMonth: number;
}

/** Runs a month at the default auto-stop schedule (every 15 minutes). */
const RUNS_PER_MONTH = 4 * 24 * 30;

/** CPU seconds a process has used so far (Linux /proc; user + system, in clock ticks of 10 ms). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8")
    .replace(/^.*\) /, "")
    .split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The emulator in its own process; `accounts` member accounts each get the `instances` fleet (and a heap to hold them all). */
export function startEmulator(
  instances: number,
  accounts = 0,
  replyLog?: string,
): Promise<{ url: string; pid: number; stop: () => void }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        ...(accounts ? ["--max-old-space-size=8192"] : []),
        join(ROOT, "bin/cvm-autopilot.js"),
        "emulator",
        "--port",
        "0",
        "--instances",
        String(instances),
        "--regions",
        BENCH_REGIONS.join(","),
        "--latency",
        String(LATENCY_MS),
        "--seed",
        "42",
        ...(accounts ? ["--accounts", String(accounts)] : []),
        ...(replyLog ? ["--reply-log", replyLog] : []),
      ],
      { stdio: ["ignore", "pipe", "inherit"], env: { PATH: process.env.PATH } },
    );
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve({ url: m[1]!, pid: child.pid!, stop: () => child.kill("SIGINT") });
    });
    child.on("exit", (code) => reject(new Error(`emulator exited ${code}`)));
  });
}

/**
 * The V8 heap a 128 MB function gets. AWS Lambda's Node bootstrap (/var/runtime/bootstrap) sizes
 * it from AWS_LAMBDA_FUNCTION_MEMORY_SIZE: new space = memory / 10, semi-space = half of that,
 * old space = memory - new space; for 128 MB that is 6 and 116. Node's own default semi-space
 * (16 MB at this heap size, three of them in the young generation) would let garbage alone add
 * ~30 MB of RSS that no 128 MB function is given room for.
 */
export const FUNCTION_HEAP_FLAGS = ["--max-semi-space-size=6", "--max-old-space-size=116"];

export function invoke(
  bundle: string,
  env: Record<string, string>,
  event?: unknown,
  context?: unknown,
  nodeFlags: readonly string[] = [],
): Promise<{ wallMs: number; maxRssKb: number; cpuMs: number; report: unknown }> {
  return new Promise((resolve, reject) => {
    const args = event === undefined ? [] : [JSON.stringify(event), JSON.stringify(context ?? { request_id: "bench" })];
    const child = spawn(
      process.execPath,
      [...FUNCTION_HEAP_FLAGS, ...nodeFlags, join(ROOT, "bench/invoke-bundle.cjs"), bundle, ...args],
      { env: { PATH: process.env.PATH, ...env }, stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("close", (code) => {
      const last = out.trim().split("\n").at(-1) ?? "";
      if (code !== 0) return reject(new Error(`bundle run failed (${code})`));
      resolve(JSON.parse(last));
    });
  });
}

/**
 * A request to the emulator's admin routes, retried once: a request on a kept-alive socket can
 * meet the server closing it ("other side closed", seen at 10,000 instances on a loaded machine).
 * Both routes are safe to repeat.
 */
async function admin(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch {
    return fetch(url, init);
  }
}

export async function emulatorCalls(url: string): Promise<Array<{ action: string; code?: string }>> {
  const calls = (await (await admin(`${url}/_emulator/calls`)).json()) as Array<{ action: string; code?: string }>;
  await admin(`${url}/_emulator/calls`, { method: "DELETE" });
  return calls;
}

/** Peak RSS of every other function on the same fleet (their work does not scale with the fleet's size the same way, so no bound). */
export interface MemoryRow {
  instances: number;
  function: string;
  wallMs: number;
  maxRssMb: number;
}

/**
 * A dry run of each first warms the emulator's code (the cloud's servers are warm; a fresh
 * emulator spends the first small row compiling itself). It changes nothing; at 100,000 the
 * measured run outlasts any warm-up, so it is skipped there.
 */
async function warmUp(instances: number, bundles: string[], env: Record<string, string>): Promise<void> {
  if (instances > 10_000) return;
  for (const b of bundles) await invoke(b, { ...env, DRY_RUN: "true" });
  // The server counts the last second's calls; a measured run's fresh client does not know
  // the warm-up's, so it starts once they have left the window (else its first burst is throttled).
  await new Promise((r) => setTimeout(r, 1100));
}

export async function fleetBench(
  sizes: number[],
  bundles: Record<string, string>,
  log: (s: string) => void,
  /** A folder for a CPU profile of each measured auto-stop-idle and renew-flag run (`--cpu-prof`). */
  profileDir?: string,
  /** Only these functions' rows (`--functions`); every one when undefined. */
  only?: readonly string[],
): Promise<{ rows: FleetRow[]; memory: MemoryRow[] }> {
  const wanted = (fn: string) => !only || only.includes(fn);
  const rows: FleetRow[] = [];
  const memory: MemoryRow[] = [];
  const reference = await buildReference(mkdtempSync(join(tmpdir(), "cvm-autopilot-reference-")));
  for (const instances of sizes) {
    const replyLog = join(tmpdir(), `cvm-autopilot-bench-replies-${process.pid}.jsonl`);
    writeFileSync(replyLog, "");
    const emu = await startEmulator(instances, 0, replyLog);
    try {
      const env = {
        TENCENTCLOUD_SECRET_ID: DEMO_CREDENTIALS.secretId,
        TENCENTCLOUD_SECRET_KEY: DEMO_CREDENTIALS.secretKey,
        TENCENTCLOUD_REGION: BENCH_REGIONS[0]!,
        REGIONS: BENCH_REGIONS.join(","),
        CVM_AUTOPILOT_ENDPOINT: emu.url,
        LOG_LEVEL: "warn",
        // The bench measures acting runs: unset, DRY_RUN is a dry run.
        DRY_RUN: "false",
        RENEW_RULES: "env=prod:NOTIFY_AND_AUTO_RENEW,env=dev:NOTIFY_AND_MANUAL_RENEW,env=test:NOTIFY_AND_MANUAL_RENEW",
        RENEW_DEFAULT_FLAG: "NOTIFY_AND_MANUAL_RENEW",
      };
      await warmUp(
        instances,
        ["auto-stop-idle", "renew-flag"].filter(wanted).map((fn) => bundles[fn]!),
        env,
      );
      for (const fn of (["auto-stop-idle", "renew-flag"] as const).filter(wanted)) {
        await emulatorCalls(emu.url);
        truncateSync(replyLog, 0);
        log(`  ${instances} instances: ${fn} ...`);
        const cpu0 = cpuSeconds(emu.pid);
        const profile = profileDir
          ? ["--cpu-prof", "--cpu-prof-dir", profileDir, "--cpu-prof-name", `${fn}-${instances}.cpuprofile`]
          : [];
        const r = await invoke(bundles[fn]!, env, undefined, undefined, profile);
        const busy = (cpuSeconds(emu.pid) - cpu0) / (r.wallMs / 1000);
        const calls = await emulatorCalls(emu.url);
        const b =
          fn === "auto-stop-idle"
            ? autoStopBound(r.report as AutoStopReport, LATENCY_MS)
            : renewBound(r.report as RenewReport, LATENCY_MS);
        // Measured after the run, so it weighs nothing on it; the machine is the same.
        const floor = measureFloor(bundles[fn]!, replyLog, FUNCTION_HEAP_FLAGS);
        const ref = await measureReference(reference, fn, {
          env,
          heapFlags: FUNCTION_HEAP_FLAGS,
          emulator: () => startEmulator(instances),
          warm: (e) => warmUp(instances, [bundles[fn]!], e),
        });
        rows.push({
          instances,
          function: fn,
          wallMs: Math.round(r.wallMs),
          boundMs: Math.round(b.boundMs),
          floorMs: floor.floorMs,
          startMs: floor.startMs,
          parseMs: floor.parseMs,
          replyMb: floor.replyMb,
          ratio: +(r.wallMs / Math.max(b.boundMs, floor.floorMs)).toFixed(2),
          vsBound: +(r.wallMs / b.boundMs).toFixed(2),
          ...ref,
          refVsBound: +(ref.refMs / b.boundMs).toFixed(2),
          vsRef: +(r.wallMs / ref.refMs).toFixed(2),
          calls: calls.length,
          minCalls: b.minCalls,
          callRatio: +(calls.length / b.minCalls).toFixed(3),
          throttled: calls.filter((c) => c.code === "RequestLimitExceeded").length,
          maxRssMb: Math.round(r.maxRssKb / 1024),
          emulatorBusy: +busy.toFixed(2),
          functionBusy: +(r.cpuMs / r.wallMs).toFixed(2),
          meaningful: busy > 0.5 ? "no: emulator-bound" : "yes",
          metricCalls: b.metricCalls,
          metricCallsPerMonth: b.metricCalls * RUNS_PER_MONTH,
        });
      }
      for (const fn of Object.keys(bundles).filter((n) => n !== "auto-stop-idle" && n !== "renew-flag" && wanted(n))) {
        log(`  ${instances} instances: ${fn} (memory) ...`);
        const r = await invoke(bundles[fn]!, { ...env, IMAGE_SYNC_SOURCE_REGION: BENCH_REGIONS[0]! });
        memory.push({ instances, function: fn, wallMs: Math.round(r.wallMs), maxRssMb: Math.round(r.maxRssKb / 1024) });
      }
    } finally {
      emu.stop();
      rmSync(replyLog, { force: true });
    }
  }
  return { rows, memory };
}
