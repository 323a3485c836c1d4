/**
 * The fan-out coordinator's own time as shards grow: a timer run over organization members × 10
 * regions against the emulator with the documented limits (Invoke: 20 a second) and 50 ms
 * latency, nothing in the accounts, so what is measured is listing the shards and invoking.
 * One invocation per shard grows with the shards (10,000 would take ~500 s of SCF's 900); with
 * FANOUT_MAX_INVOCATIONS (1,000 by default) each worker takes a batch of one account's regions
 * and the coordinator's time stays flat.
 */
import { stubFunction, scfStore } from "../emulator/handlers/scf.ts";
import { startEmulator } from "../emulator/server.ts";
import { FUNCTIONS } from "../functions/registry.ts";
import { memoryLogger } from "../lib/log/logger.ts";
import { makeHandlers } from "../lib/host/adapters.ts";
import type { FanoutReport } from "../lib/host/fanout.ts";
import { BENCH_REGIONS, LATENCY_MS } from "./fleet.ts";

/** SCF's longest function timeout, in seconds. */
const SCF_LIMIT_S = 900;
const FN = "cvm-autopilot-auto-stop-idle";

export interface CoordinatorRow {
  accounts: number;
  regions: number;
  shards: number;
  maxInvocations: number;
  invocations: number;
  wallS: number;
  /** The coordinator's wall time over SCF's 900 s limit (goal: well under 1). */
  ofScfLimit: number;
  throttled: number;
}

export async function coordinatorBench(
  cases: Array<{ accounts: number; maxInvocations: number }>,
  log: (s: string) => void,
): Promise<CoordinatorRow[]> {
  const rows: CoordinatorRow[] = [];
  for (const c of cases) {
    const emu = await startEmulator({
      regions: BENCH_REGIONS,
      latencyMs: LATENCY_MS,
      accounts: Array.from({ length: c.accounts }, (_, i) => ({ uin: String(200000000001 + i) })),
    });
    try {
      scfStore.set(
        emu.state,
        new Map([[`${BENCH_REGIONS[0]}/default/${FN}`, { ...stubFunction(FN), Role: "cvm-autopilot-runner" }]]),
      );
      const env = {
        TENCENTCLOUD_SECRET_ID: emu.credentials.secretId,
        TENCENTCLOUD_SECRET_KEY: emu.credentials.secretKey,
        TENCENTCLOUD_REGION: BENCH_REGIONS[0]!,
        REGIONS: BENCH_REGIONS.join(","),
        ACCOUNTS: "organization:cvm-autopilot",
        CVM_AUTOPILOT_ENDPOINT: emu.url,
        FANOUT_MAX_INVOCATIONS: String(c.maxInvocations),
        LOG_LEVEL: "warn",
        // The bench measures acting runs: unset, DRY_RUN is a dry run.
        DRY_RUN: "false",
      };
      const h = makeHandlers(FUNCTIONS["auto-stop-idle"]!, { env, logger: memoryLogger() });
      log(
        `  coordinator: ${c.accounts} accounts × ${BENCH_REGIONS.length} regions, at most ${c.maxInvocations} invocations ...`,
      );
      const t0 = performance.now();
      const report = (await h.main_handler(
        { Type: "Timer", TriggerName: "bench", Time: new Date().toISOString() },
        { request_id: "bench", function_name: FN, namespace: "default" },
      )) as unknown as FanoutReport;
      const wallS = Math.round((performance.now() - t0) / 100) / 10;
      rows.push({
        accounts: c.accounts,
        regions: BENCH_REGIONS.length,
        shards: report.fanout.shards,
        maxInvocations: c.maxInvocations,
        invocations: report.fanout.invoked.length,
        wallS,
        ofScfLimit: Math.round((wallS / SCF_LIMIT_S) * 1000) / 1000,
        throttled: emu.calls.filter((x) => x.code === "RequestLimitExceeded").length,
      });
    } finally {
      await emu.stop();
    }
  }
  return rows;
}
