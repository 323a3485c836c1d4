/**
 * `npm run bench`: every figure is a ratio measured side by side in one run. Prints tables and
 * writes bench/results/latest.json. Not part of `npm test`.
 *   --sizes 1000,10000,100000   fleet sizes (default all three)
 *   --only fleet|signer|bundles|emulator|fanout|coordinator|metric-cost
 *   --fanout-accounts 10 --fanout-instances 1000   the fan-out row: accounts × 10 regions × instances per shard
 *     (1,000 by default: 10,000 instances per shard needs more cores than the 2 of the CI machine class)
 *   --fanout-at-once 4   replay the fan-out row with 4 workers at a time (see bench/fanout.ts)
 *   --functions rightsize,office-hours   fleet rows for these functions only (default every one)
 *   --cpu-prof DIR   a CPU profile of each measured fleet run into DIR (the profiler's own cost
 *     inflates those rows' times); `node bench/profile-top.mjs DIR/renew-flag-10000.cpuprofile`
 *     lists self time by function, through the bundle's source map
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { REGISTRY } from "../functions/registry.ts";
import { buildBundles, ROOT } from "../lib/deploy/build.ts";
import { bundleBench, cliStartBench } from "./bundles.ts";
import { fleetBench } from "./fleet.ts";
import { fanoutBench } from "./fanout.ts";
import { coordinatorBench } from "./coordinator.ts";
import { signerBench } from "./signer.ts";
import { metricCostBench } from "./metric-cost.ts";
import { emulatorStartup } from "./emulator-startup.ts";
import { emulatorPageBench } from "./emulator-page.ts";

const { values } = parseArgs({
  options: {
    sizes: { type: "string", default: "1000,10000,100000" },
    only: { type: "string" },
    "fanout-accounts": { type: "string", default: "10" },
    "fanout-instances": { type: "string", default: "1000" },
    "fanout-at-once": { type: "string" },
    "cpu-prof": { type: "string" },
    functions: { type: "string" },
  },
});
const sizes = values.sizes!.split(",").map(Number);
const want = (part: string) => !values.only || values.only === part;
const log = (s: string) => process.stderr.write(`${s}\n`);

function table(title: string, rows: object[]): void {
  if (!rows.length) return;
  const cols = Object.keys(rows[0]!);
  const cell = (v: unknown) => String(v);
  const widths = cols.map((c) =>
    Math.max(c.length, ...rows.map((r) => cell((r as Record<string, unknown>)[c]).length)),
  );
  console.log(`\n${title}`);
  console.log(`| ${cols.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`);
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const r of rows)
    console.log(`| ${cols.map((c, i) => cell((r as Record<string, unknown>)[c]).padEnd(widths[i]!)).join(" | ")} |`);
}

const outdir = mkdtempSync(join(tmpdir(), "cvm-autopilot-bench-"));
const built = await buildBundles(REGISTRY, outdir, {});
const bundles = Object.fromEntries(built.map((b) => [b.name, b.file]));
// `--only` refreshes its part of the last results and keeps the rest.
const latest = join(ROOT, "bench/results/latest.json");
const previous =
  values.only && existsSync(latest) ? (JSON.parse(readFileSync(latest, "utf8")) as Record<string, unknown>) : {};
const results: Record<string, unknown> = { ...previous, date: new Date().toISOString(), node: process.version };

if (want("signer")) {
  log("signer ...");
  const rows = signerBench();
  results.signer = rows;
  table("Signer: 10,000 requests, median of 9 rounds, sides interleaved (goal: ratio >= 2)", rows);
}
if (want("bundles")) {
  log("bundles and cold start ...");
  const rows = await bundleBench(bundles, outdir);
  results.bundles = rows;
  table("Bundles: bytes and added cold load, median of 20 (goals: size <= 0.1 of SDK, load <= 0.25 of SDK)", rows);
  const cli = cliStartBench();
  results.cliStart = cli;
  table("CLI start: `cvm-autopilot help`, median of 20, beside a bare node start (goal: well under 200 ms)", cli);
}
if (want("emulator")) {
  log("emulator start-up ...");
  const rows = await emulatorStartup();
  results.emulator = rows;
  table("Emulator: `cvm-autopilot emulator` start to first answered request (goal: under 1 s)", rows);
  const pages = emulatorPageBench();
  results.emulatorPages = pages;
  table("Emulator: CPU per 100-row DescribeInstances page, 100,000 instances over 10 regions (goal: <= 2 ms)", pages);
}
if (want("fleet")) {
  log("fleet scale ...");
  const { rows, memory } = await fleetBench(sizes, bundles, log, values["cpu-prof"], values.functions?.split(","));
  results.fleet = rows;
  results.fleetMemory = memory;
  table(
    "Fleet scale: 10 regions, documented limits, 50 ms latency; ratio = wallMs / max(boundMs, floorMs), floor = Node start with the bundle + JSON.parse of the run's replies (goals: auto-stop-idle and renew-flag ratio <= 1.3 at 10k and 100k; callRatio <= 1.05; throttled 0; RSS <= 128 MB; emulatorBusy <= 0.5 or the row is not meaningful)",
    rows,
  );
  table("Memory of the other functions on the same fleets (goal: RSS <= 128 MB)", memory);
}
if (want("metric-cost")) {
  log("metric cost ...");
  const rows = await metricCostBench(sizes, log);
  results.metricCost = rows;
  table(
    "Metric cost: billed GetMonitorData calls on the same seeded fleet, 10 regions, 15-minute schedule, side by side (goal: alarm-driven <= 350 a run at 100,000, same stops as polling; free tier 1,000,000 a month)",
    rows,
  );
}
if (want("fanout")) {
  log("fan-out ...");
  const row = await fanoutBench(
    Number(values["fanout-accounts"]),
    Number(values["fanout-instances"]),
    bundles["auto-stop-idle"]!,
    log,
    values["fanout-at-once"] ? Number(values["fanout-at-once"]) : undefined,
  );
  // A replay (--fanout-at-once) is kept beside the all-at-once row, not over it.
  results[row.workersAtOnce === "all" ? "fanout" : "fanoutReplay"] = [row];
  const how =
    row.workersAtOnce === "all"
      ? "all at once"
      : `replayed ${row.workersAtOnce} at a time (wall: the coordinator's plus the slowest worker's)`;
  table(
    `Fan-out: auto-stop-idle over accounts × 10 regions, one worker per shard, ${how} (goals: wall close to the slowest shard's bound, every worker <= 128 MB, callRatio <= 1.05, throttled 0)`,
    [row],
  );
}
if (want("coordinator")) {
  log("fan-out coordinator ...");
  // One invocation per shard at 1,000 shards, beside 10,000 shards under the default cap of 1,000.
  const rows = await coordinatorBench(
    [
      { accounts: 100, maxInvocations: 10_000 },
      { accounts: 1000, maxInvocations: 1000 },
    ],
    log,
  );
  results.coordinator = rows;
  table(
    "Fan-out coordinator: its own time to list and invoke, Invoke at 20 a second (goal: 10,000 shards well within SCF's 900 s)",
    rows,
  );
}
mkdirSync(join(ROOT, "bench/results"), { recursive: true });
writeFileSync(latest, `${JSON.stringify(results, null, 2)}\n`);
log(`\nwritten: bench/results/latest.json`);
