/**
 * Metric cost: GetMonitorData calls (the billed ones: free for 1,000,000 a month per root
 * account) that auto-stop-idle makes on the same seeded fleet, three ways side by side:
 *   - polling at 10 instances a call, all three metrics for every candidate (the code before
 *     alarm mode; computed from this run's own candidate counts, per region: 3 × ⌈candidates / 10⌉),
 *     and the same at 50 a call, to show what CPU first saves;
 *   - polling at 50 a call with CPU first (measured: traffic only for machines whose CPU is idle);
 *   - polling with memory (measured: the same, with a history store, so a machine seen busy is not
 *     queried again until its busy point has left the look-back window);
 *   - alarm-driven (measured: only what the idle alarm policy reports, under the default budget of
 *     340 calls a run), run every 15 minutes until nothing is left deferred.
 * Each way runs twice or more on its own copy of the fleet (an emulator per way, same seed): the
 * first run finds the fleet's idle machines, the next shows the steady state, and a month is the
 * first run plus 2,879 of the steady one (with memory, the mean of the last hour's runs: a busy
 * machine is queried once an hour). Every real mode must stop the same set of ids as polling.
 * In process, no latency and no rate limits: this counts calls, it times nothing.
 */
import { startEmulator, type Emulator } from "../emulator/server.ts";
import type { AutoStopReport } from "../functions/auto-stop-idle/index.ts";
import { KINDS, SCREENED_IN } from "../functions/auto-stop-idle/plan.ts";
import { FUNCTIONS } from "../functions/registry.ts";
import { memoryLogger } from "../lib/log/logger.ts";
import { createRunDeps } from "../lib/runtime/run-deps.ts";
import { TencentCloudClient } from "../lib/tencent/client.ts";
import { BENCH_REGIONS } from "./fleet.ts";
import { localStore } from "../lib/history/local-store.ts";
import { historySink, type HistorySink } from "../lib/history/recorder.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const RUNS_PER_MONTH = 4 * 24 * 30;
const SLOT_MS = 15 * 60_000;
const QUIET_RUNS = 3;
/** Runs in the default 60-minute look-back window: with memory, a busy machine is queried at one run in this many. */
const MEMORY_CYCLE = 4;

export interface MetricCostRow {
  instances: number;
  mode: string;
  firstRunCalls: number;
  /** The most calls any one run made (alarm mode drains its backlog over several runs). */
  maxCallsPerRun: number;
  runsToSettle: number;
  steadyCallsPerRun: number;
  callsPerMonth: number;
  stopped: number;
  sameStopsAsPolling: string;
  /** With memory: the calls a month it saved against polling without it. */
  savedByMemory: string;
}

/** A frozen clock (moved only by the runs' waits and the 15 minutes between runs), so each run of the bench counts the same. */
const FROZEN = Date.parse("2026-12-01T02:02:00Z");

async function fleet(instances: number): Promise<Emulator> {
  return startEmulator({
    now: () => FROZEN,
    instances,
    fleetRegions: BENCH_REGIONS,
    regions: BENCH_REGIONS,
    seed: 42,
    rateLimits: false,
    timings: { stopMs: 0, startMs: 0, syncMs: 0, bindMs: 0, functionMs: 0 },
  });
}

function envFor(emu: Emulator, extra: Record<string, string>): Record<string, string> {
  return {
    TENCENTCLOUD_SECRET_ID: emu.credentials.secretId,
    TENCENTCLOUD_SECRET_KEY: emu.credentials.secretKey,
    TENCENTCLOUD_REGION: BENCH_REGIONS[0]!,
    CVM_AUTOPILOT_ENDPOINT: emu.url,
    REGIONS: BENCH_REGIONS.join(","),
    LOG_LEVEL: "warn",
    // The bench measures acting runs: unset, DRY_RUN is a dry run.
    DRY_RUN: "false",
    // Every machine of the seeded fleet has one of these: the whole fleet in scope, and a tag to bind the alarm policy by.
    AUTO_STOP_INCLUDE_TAGS: "team=web,team=data,team=ml,team=ops",
    AUTO_STOP_PRICES: "S5.MEDIUM4=0.3",
    // Long to wait: on a busy machine a GetMonitorData that timed out and was sent again would be
    // counted twice (the emulator answered the first).
    CVM_AUTOPILOT_TIMEOUT_MS: "120000",
    ...extra,
  };
}

const fn = () => FUNCTIONS["auto-stop-idle"]!;
const clockOf = (emu: Emulator) => ({ now: () => emu.state.now(), sleep: async (ms: number) => emu.advance(ms) });

async function run(
  emu: Emulator,
  env: Record<string, string>,
  history?: HistorySink,
): Promise<{ report: AutoStopReport; calls: number }> {
  const loaded = fn().load(env);
  const config = loaded.config;
  const before = emu.callsFor("GetMonitorData").length;
  const deps = createRunDeps(config, {
    logger: memoryLogger(),
    sleep: async (ms) => emu.advance(ms),
    client: { clock: clockOf(emu) },
    now: () => new Date(emu.state.now()),
    ...(history ? { history } : {}),
  });
  const report = (await loaded.run({ source: "cli" }, deps)) as AutoStopReport;
  if (report.errors.length) throw new Error(`metric-cost run failed: ${JSON.stringify(report.errors.slice(0, 3))}`);
  return { report, calls: emu.callsFor("GetMonitorData").length - before };
}

/** Every machine the runs stopped, from the emulator (a report lists a capped number of results). */
function stoppedIn(emu: Emulator, running: Set<string>): Set<string> {
  return new Set(
    [...emu.state.instances.values()]
      .filter((i) => running.has(i.InstanceId) && emu.state.settle(i).InstanceState !== "RUNNING")
      .map((i) => i.InstanceId),
  );
}
const runningIn = (emu: Emulator) =>
  new Set([...emu.state.instances.values()].filter((i) => i.InstanceState === "RUNNING").map((i) => i.InstanceId));

/** A way without CPU first, computed from a run's candidates: every screened-in machine's CPU, LAN and WAN, `per` machines a call. */
function allMetrics(r: AutoStopReport, per: number): number {
  let calls = 0;
  for (const st of Object.values(r.byRegion)) {
    const candidates = [...SCREENED_IN].reduce((n, k) => n + (st.byKind[KINDS[k]] ?? 0), 0);
    calls += 3 * Math.ceil(candidates / per);
  }
  return calls;
}

/**
 * Polling with memory on its own copy of the fleet, `count` runs 15 minutes apart, its history in
 * a temporary directory. Its steady state is a cycle, not one run: a busy machine is queried at
 * one run an hour, so a steady run is the mean of the last hour's.
 */
async function pollingWithMemory(instances: number, count: number) {
  const emu = await fleet(instances);
  const dir = mkdtempSync(join(tmpdir(), "metric-cost-history-"));
  try {
    const env = envFor(emu, {});
    const history = historySink(localStore(dir));
    const running = runningIn(emu);
    const runs: number[] = [];
    for (let i = 0; i < count; i++) {
      runs.push((await run(emu, env, history)).calls);
      emu.advance(SLOT_MS);
    }
    const settle = runs.length - MEMORY_CYCLE;
    const steady = runs.slice(settle).reduce((x, y) => x + y, 0) / MEMORY_CYCLE;
    const month = Math.round(runs.slice(0, settle).reduce((x, y) => x + y, 0) + steady * (RUNS_PER_MONTH - settle));
    return { runs, settle, steady, month, stops: stoppedIn(emu, running) };
  } finally {
    await emu.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function metricCostBench(sizes: number[], log: (s: string) => void): Promise<MetricCostRow[]> {
  const rows: MetricCostRow[] = [];
  for (const instances of sizes) {
    // Alarm-driven: deploy's policies, then a run every 15 minutes until nothing waits and nothing is stopped.
    const b = await fleet(instances);
    let alarmStops = new Set<string>();
    const perRun: number[] = [];
    let alarmSteady = 0;
    try {
      log(`  ${instances} instances: alarms ...`);
      const env = envFor(b, { AUTO_STOP_SOURCE: "alarms" });
      const client = new TencentCloudClient({
        credentials: b.credentials,
        endpoint: b.url,
        logger: memoryLogger(),
        clock: clockOf(b),
      });
      await fn().provision!(env, {
        client,
        logger: client.logger,
        regions: BENCH_REGIONS,
        dryRun: false,
        remove: false,
      });
      const running = runningIn(b);
      // Settled: three runs in a row with nothing deferred and nothing stopped. A machine whose
      // series miss points alarms only when every period of the window has one, so it may be
      // found a few runs later than polling finds it; three quiet runs let that show.
      let quiet = 0;
      for (let i = 0; i < 60 && quiet < QUIET_RUNS; i++) {
        const r = await run(b, env);
        b.advance(SLOT_MS);
        const settled = !(r.report.byKind[KINDS.deferred] ?? 0) && !r.report.outcomes.done;
        quiet = settled ? quiet + 1 : 0;
        perRun.push(r.calls);
        alarmSteady = r.calls;
      }
      // The quiet runs are the steady state, not the settling.
      perRun.splice(perRun.length - quiet);
      alarmStops = stoppedIn(b, running);
    } finally {
      await b.stop();
    }
    // Polling on a fresh copy of the same fleet, over as many runs (a machine whose series has
    // gaps may be judged idle at one run and not at another, in either mode), then the steady state.
    const a = await fleet(instances);
    try {
      log(`  ${instances} instances: polling ...`);
      const env = envFor(a, {});
      const running = runningIn(a);
      const runs: Array<{ report: AutoStopReport; calls: number }> = [];
      // As many runs as alarm mode took, then a whole hour of steady ones (memory's cycle).
      for (let i = 0; i < Math.max(1, perRun.length) + MEMORY_CYCLE; i++) {
        runs.push(await run(a, env));
        a.advance(SLOT_MS);
      }
      const pollStops = stoppedIn(a, running);
      const first = runs[0]!;
      const steady = runs.at(-1)!;
      const month = (firstCalls: number, steadyCalls: number) => firstCalls + steadyCalls * (RUNS_PER_MONTH - 1);
      const before = allMetrics(first.report, 10);
      const beforeSteady = allMetrics(steady.report, 10);
      const fifty = allMetrics(first.report, 50);
      const fiftySteady = allMetrics(steady.report, 50);
      // The runs alarm mode took to settle; the rest are the steady state.
      const settle = Math.max(1, perRun.length);
      const polledMonth =
        runs.slice(0, settle).reduce((n, r) => n + r.calls, 0) + steady.calls * (RUNS_PER_MONTH - settle);
      log(`  ${instances} instances: polling with memory ...`);
      const memory = await pollingWithMemory(instances, runs.length);
      const sameAsPolling = (ids: Set<string>) =>
        ids.size === pollStops.size && [...ids].every((id) => pollStops.has(id))
          ? "yes: equal sets of ids"
          : `NO: ${ids.size} vs ${pollStops.size}`;
      rows.push({
        instances,
        mode: "polling, 10 a call, all metrics (before)",
        firstRunCalls: before,
        maxCallsPerRun: before,
        runsToSettle: 1,
        steadyCallsPerRun: beforeSteady,
        callsPerMonth: month(before, beforeSteady),
        stopped: first.report.outcomes.done,
        sameStopsAsPolling: "(its first run)",
        savedByMemory: "",
      });
      rows.push({
        instances,
        mode: "polling, 50 a call, all metrics (computed)",
        firstRunCalls: fifty,
        maxCallsPerRun: fifty,
        runsToSettle: 1,
        steadyCallsPerRun: fiftySteady,
        callsPerMonth: month(fifty, fiftySteady),
        stopped: first.report.outcomes.done,
        sameStopsAsPolling: "(its first run)",
        savedByMemory: "",
      });
      rows.push({
        instances,
        mode: "polling, 50 a call, CPU first",
        firstRunCalls: first.calls,
        maxCallsPerRun: Math.max(...runs.map((r) => r.calls)),
        runsToSettle: settle,
        steadyCallsPerRun: steady.calls,
        callsPerMonth: polledMonth,
        stopped: pollStops.size,
        sameStopsAsPolling: "—",
        savedByMemory: "",
      });
      const saved = polledMonth - memory.month;
      rows.push({
        instances,
        mode: "polling with memory, 50 a call, CPU first",
        firstRunCalls: memory.runs[0]!,
        maxCallsPerRun: Math.max(...memory.runs),
        runsToSettle: memory.settle,
        steadyCallsPerRun: memory.steady,
        callsPerMonth: memory.month,
        stopped: memory.stops.size,
        sameStopsAsPolling: sameAsPolling(memory.stops),
        savedByMemory: `${saved} a month (${Math.round((100 * saved) / polledMonth)}%)`,
      });
      rows.push({
        instances,
        mode: "alarm-driven (budget 340 a run)",
        firstRunCalls: perRun[0] ?? alarmSteady,
        maxCallsPerRun: Math.max(alarmSteady, ...perRun),
        runsToSettle: perRun.length,
        steadyCallsPerRun: alarmSteady,
        callsPerMonth: perRun.reduce((x, y) => x + y, 0) + alarmSteady * (RUNS_PER_MONTH - perRun.length),
        stopped: alarmStops.size,
        sameStopsAsPolling: sameAsPolling(alarmStops),
        savedByMemory: "",
      });
    } finally {
      await a.stop();
    }
  }
  return rows;
}
