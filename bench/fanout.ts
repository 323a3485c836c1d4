/**
 * Fan-out at scale: ACCOUNTS member accounts × 10 regions × N instances per shard in
 * one emulator (documented limits per account, 50 ms latency). The coordinator runs from the
 * auto-stop bundle on a timer event and invokes one worker per shard through the emulator's SCF
 * Invoke; the benchmark then does what SCF does with the queued events — runs every worker at
 * once, each in its own process with a 128 MB-function heap — and compares the wall time with
 * the slowest shard's bound (shards run in parallel, so the run is bounded by its slowest one,
 * not their sum).
 *
 * With `atOnce` below the shard count it replays the platform instead, for fleets this machine
 * cannot run all at once: workers run `atOnce` at a time, each measured on its own, and the
 * run's wall time is the coordinator's plus the slowest worker's, as it is when the platform runs
 * every worker in its own container. That holds because shards share nothing that paces them:
 * the limits are per account, action and region, and each shard is its own account × region.
 */
import { availableParallelism } from "node:os";
import { DEMO_CREDENTIALS } from "../emulator/server.ts";
import type { AutoStopReport } from "../functions/auto-stop-idle/index.ts";
import type { FanoutReport, ShardEvent } from "../lib/host/fanout.ts";
import { mapLimit } from "../lib/runtime/map-limit.ts";
import { autoStopBound } from "./bounds.ts";
import {
  BENCH_REGIONS,
  cpuSeconds,
  emulatorCalls,
  invoke,
  LATENCY_MS,
  startEmulator,
  type RunFigures,
} from "./fleet.ts";

/** boundMs: the coordinator's own run (listing shards, invoking) plus the slowest worker's bound. */
export interface FanoutRow extends RunFigures {
  accounts: number;
  regions: number;
  instances: number;
  shards: number;
  /** Workers that did not finish (the run's report would name their shards). */
  failedWorkers: number;
  /** Which actions were throttled. */
  throttledBy: string;
  maxWorkerRssMb: number;
  emulatorBusy: number;
  /** All the run's CPU (emulator, coordinator, workers) over wall time × cores. */
  machineBusy: number;
  meaningful: "yes" | "no: emulator-bound" | "no: machine-bound";
  /** "all": every worker at once; else how many at a time in a replay (the wall time is then the coordinator's plus the slowest worker's). */
  workersAtOnce: string;
  /** The slowest worker's wall time over its own shard's bound. */
  worstWorkerRatio: number;
}

const FN = "cvm-autopilot-auto-stop-idle";

export async function fanoutBench(
  accounts: number,
  perShard: number,
  bundle: string,
  log: (s: string) => void,
  atOnce = Infinity,
): Promise<FanoutRow> {
  const emu = await startEmulator(perShard * BENCH_REGIONS.length, accounts);
  try {
    await fetch(`${emu.url}/_emulator/functions`, { method: "POST", body: JSON.stringify({ name: FN }) });
    const uins = Array.from({ length: accounts }, (_, i) => String(200000000001 + i));
    const env = {
      TENCENTCLOUD_SECRET_ID: DEMO_CREDENTIALS.secretId,
      TENCENTCLOUD_SECRET_KEY: DEMO_CREDENTIALS.secretKey,
      TENCENTCLOUD_REGION: BENCH_REGIONS[0]!,
      REGIONS: BENCH_REGIONS.join(","),
      ACCOUNTS: uins.map((u) => `qcs::cam::uin/${u}:roleName/cvm-autopilot`).join(","),
      CVM_AUTOPILOT_ENDPOINT: emu.url,
      LOG_LEVEL: "warn",
      // The bench measures acting runs: unset, DRY_RUN is a dry run.
      DRY_RUN: "false",
    };
    await emulatorCalls(emu.url);
    log(`  fan-out: ${accounts} accounts × ${BENCH_REGIONS.length} regions × ${perShard} instances: coordinator ...`);
    const cpu0 = cpuSeconds(emu.pid);
    const t0 = performance.now();
    const coord = await invoke(
      bundle,
      env,
      { Type: "Timer", TriggerName: "bench", Time: new Date().toISOString() },
      { request_id: "bench-coordinator", function_name: FN, namespace: "default" },
    );
    const fan = coord.report as FanoutReport;
    const events = (await (await fetch(`${emu.url}/_emulator/invocations`, { method: "DELETE" })).json()) as Array<{
      event: ShardEvent;
    }>;
    const replay = atOnce < events.length;
    log(`  fan-out: ${events.length} workers, ${replay ? `${atOnce} at a time (a replay)` : "all at once"} ...`);
    // What the platform does with the queued events: every worker at once, each its own container.
    // A worker that fails (a timeout when the machine cannot keep up) is counted, not fatal to the row.
    const settled = await mapLimit(
      events.map((e, i) => ({ event: e.event, i })),
      replay ? atOnce : events.length,
      ({ event, i }) => {
        if (replay && i % 10 === 0) log(`    worker ${i + 1} of ${events.length} ...`);
        return invoke(bundle, env, event, { request_id: `bench-worker-${i}`, function_name: FN }).then(
          (value): PromiseSettledResult<Awaited<ReturnType<typeof invoke>>> => ({ status: "fulfilled", value }),
          (reason: unknown): PromiseSettledResult<Awaited<ReturnType<typeof invoke>>> => ({
            status: "rejected",
            reason,
          }),
        );
      },
    );
    const workers = settled.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    const elapsedMs = performance.now() - t0;
    const wallMs = replay ? coord.wallMs + Math.max(...workers.map((w) => w.wallMs)) : elapsedMs;
    const emulatorCpuS = cpuSeconds(emu.pid) - cpu0;
    const busy = emulatorCpuS / (elapsedMs / 1000);
    // The whole machine: the emulator's CPU plus every worker's and the coordinator's, over the
    // wall time and the cores. Near 1, the row measures this machine, not the fan-out.
    const cpuS = emulatorCpuS + [coord, ...workers].reduce((n, w) => n + w.cpuMs / 1000, 0);
    const machineBusy = cpuS / (elapsedMs / 1000) / availableParallelism();
    const calls = await emulatorCalls(emu.url);
    const bounds = workers.map((w) => autoStopBound(w.report as AutoStopReport, LATENCY_MS));
    // Besides each shard's own work: one AssumeRole per worker and one Invoke per shard.
    const minCalls = bounds.reduce((n, b) => n + b.minCalls, 0) + 2 * fan.fanout.shards;
    const boundMs = coord.wallMs + Math.max(...bounds.map((b) => b.boundMs));
    return {
      accounts,
      regions: BENCH_REGIONS.length,
      instances: accounts * BENCH_REGIONS.length * perShard,
      shards: fan.fanout.shards,
      failedWorkers: settled.length - workers.length,
      wallMs: Math.round(wallMs),
      boundMs: Math.round(boundMs),
      ratio: +(wallMs / boundMs).toFixed(2),
      calls: calls.length,
      minCalls,
      callRatio: +(calls.length / minCalls).toFixed(3),
      throttled: calls.filter((c) => c.code === "RequestLimitExceeded").length,
      throttledBy:
        [...new Set(calls.filter((c) => c.code === "RequestLimitExceeded").map((c) => c.action))].join(" ") || "-",
      maxWorkerRssMb: Math.round(Math.max(...workers.map((w) => w.maxRssKb)) / 1024),
      emulatorBusy: +busy.toFixed(2),
      machineBusy: +machineBusy.toFixed(2),
      // On a 2-core machine the emulator and every worker share two CPUs; the platform gives each worker its own.
      meaningful: busy > 0.5 ? "no: emulator-bound" : machineBusy > 0.5 ? "no: machine-bound" : "yes",
      workersAtOnce: replay ? String(atOnce) : "all",
      worstWorkerRatio: +Math.max(...workers.map((w, i) => w.wallMs / bounds[i]!.boundMs)).toFixed(2),
    };
  } finally {
    emu.stop();
  }
}
