/** A read-only function is declared with no apply, and runs through the one runner like the rest. */
import { describe, expect, it } from "vitest";
import { loadBaseConfig } from "../lib/config/config.ts";
import { memoryLogger } from "../lib/log/logger.ts";
import { runSpec, summarize } from "../lib/runtime/runner.ts";
import { createRunDeps } from "../lib/runtime/run-deps.ts";
import { defineFunction } from "../lib/runtime/spec.ts";
import { pages } from "../lib/tencent/services.ts";
import { envFor } from "./helpers/functions.ts";
import { emulator } from "./helpers/world.ts";
import { camPolicyFor } from "../lib/deploy/cam-policy.ts";
import { REGISTRY } from "../functions/registry.ts";

const inventory = defineFunction({
  name: "inventory",
  description: "Count the running instances",
  schedule: "0 * * * *",
  settings: {},
  calls: ["DescribeInstances"],
  loadConfig: loadBaseConfig,
  kinds: { running: "running", other: "not running" },
  async decide(ctx, region) {
    for await (const page of pages(ctx.client, "DescribeInstances", region, {})) {
      for (const i of page)
        ctx.decided({
          id: i.InstanceId,
          region,
          kind: i.InstanceState === "RUNNING" ? "running" : "other",
          reason: i.InstanceState,
        });
    }
    return { decisions: [] };
  },
});

/** The newcomer's right-sizing report: read-only, its answer is decisions with an action for a person to take. */
const rightsize = defineFunction({
  name: "rightsize",
  description: "Say which running instances could be a smaller type",
  schedule: "0 6 * * *",
  settings: {},
  calls: ["DescribeInstances"],
  loadConfig: loadBaseConfig,
  kinds: { oversized: "could be smaller", fine: "right-sized" },
  async decide(_ctx, region) {
    return {
      decisions: [
        { id: "ins-big00001", region, kind: "oversized", action: "downsize", reason: "CPU under 5% for 14 days" },
        { id: "ins-fine0001", region, kind: "fine", reason: "busy" },
      ],
    };
  },
});

describe("a read-only function", () => {
  it("reports a decision with an action as a finding: not failed, not an error, nothing written", async () => {
    const emu = await emulator();
    const config = loadBaseConfig(envFor(emu, { REGIONS: "ap-guangzhou" }));
    const report = await runSpec(
      rightsize,
      config,
      { source: "test" },
      createRunDeps(config, { logger: memoryLogger() }),
    );
    expect(report.errors).toEqual([]);
    expect(report.outcomes).toMatchObject({ finding: 1, failed: 0, done: 0, planned: 0 });
    expect(report.results.map((r) => [r.id, r.action, r.outcome])).toEqual([["ins-big00001", "downsize", "finding"]]);
    expect(summarize(rightsize, report)).toContain("findings 1");
    expect(emu.calls.filter((c) => c.action !== "DescribeRegions")).toEqual([]);
  });

  it("needs no apply: it decides, reports and writes nothing", async () => {
    const emu = await emulator();
    emu.state.addInstance({ Region: "ap-guangzhou" });
    emu.state.addInstance({ Region: "ap-guangzhou", InstanceState: "STOPPED" });
    const config = loadBaseConfig(envFor(emu));
    const report = await runSpec(
      inventory,
      config,
      { source: "test" },
      createRunDeps(config, { logger: memoryLogger() }),
    );
    expect(report.byKind).toEqual({ running: 1, "not running": 1 });
    expect(report.errors).toEqual([]);
    expect(emu.calls.filter((c) => c.action !== "DescribeInstances")).toEqual([]);
  });

  it("gets a CAM policy of its own that cannot stop, start or change a machine", () => {
    const [reads, invoke] = camPolicyFor(inventory).statement;
    expect(reads!.action).toContain("cvm:DescribeInstances");
    expect(reads!.action).not.toContain("cvm:StopInstances");
    // Nothing but reads (Describe/Get/List) and the runtime's AssumeRole for member accounts.
    expect(reads!.action.filter((a) => !/:(Describe|Get|List)/.test(a))).toEqual(["sts:AssumeRole"]);
    // It may invoke itself (a fan-out's shards) and no other function.
    expect(invoke!.resource).toEqual(["qcs::scf:*:uin/*:namespace/*/function/cvm-autopilot-inventory"]);
    // A writing function's policy has its writes, and only its own.
    const stop = (name: string) => camPolicyFor(REGISTRY.find((f) => f.name === name)!).statement[0]!.action;
    expect(stop("auto-stop-idle")).toContain("cvm:StopInstances");
    expect(stop("renew-flag")).not.toContain("cvm:StopInstances");
  });
});

/** The same findings streamed through ctx.decided: one region answers 1,500, another fails after streaming some. */
const streaming = defineFunction({
  name: "streaming-advice",
  description: "Stream many findings",
  schedule: "0 6 * * *",
  settings: {},
  calls: ["DescribeInstances"],
  loadConfig: loadBaseConfig,
  kinds: { oversized: "could be smaller", fine: "right-sized" },
  columns: () => [{ head: "n", cell: (d) => String(d.detail?.n ?? "") }],
  async decide(ctx, region) {
    for (let n = 0; n < 1500; n++)
      ctx.decided({
        id: `ins-${region.slice(3, 6)}${String(n).padStart(5, "0")}`,
        region,
        kind: n % 3 ? "oversized" : "fine",
        ...(n % 3 ? { action: "downsize" } : {}),
        reason: "streamed",
        detail: { n },
      });
    if (region === "ap-shanghai") throw new Error("the region failed after streaming");
    return { decisions: [] };
  },
});

describe("a read-only function's streamed findings", () => {
  it("count and list as returned findings do; a failed region's are dropped with it", async () => {
    const emu = await emulator();
    const config = loadBaseConfig(envFor(emu, { REGIONS: "ap-guangzhou,ap-shanghai" }));
    const report = await runSpec(
      streaming,
      config,
      { source: "test" },
      createRunDeps(config, { logger: memoryLogger() }),
    );
    expect(report.outcomes).toMatchObject({ finding: 1000, failed: 0 });
    expect(report.resultsCount).toBe(1000);
    expect(report.byRegion["ap-guangzhou"]).toMatchObject({ scanned: 1500, outcomes: { finding: 1000 } });
    expect(report.byRegion["ap-shanghai"]?.scanned ?? 0).toBe(0);
    expect(report.errors.map((e) => e.region)).toEqual(["ap-shanghai"]);
    // Listed while the report has room, with the function's own cells.
    expect(report.results.length).toBeGreaterThan(0);
    expect(report.results.length).toBeLessThanOrEqual(1000);
    expect(report.results[0]).toMatchObject({ action: "downsize", outcome: "finding", cells: ["1"] });
    expect(summarize(streaming, report)).toContain("findings 1000");
  });
});

/** One region streams a full list of findings and then fails; another, meanwhile, streams five. */
const failsLate = defineFunction({
  name: "fails-late",
  description: "A region fails after streaming many findings",
  schedule: "0 6 * * *",
  settings: {},
  calls: ["DescribeInstances"],
  loadConfig: loadBaseConfig,
  kinds: { oversized: "could be smaller", fine: "right-sized" },
  async decide(ctx, region) {
    const n = region === "ap-shanghai" ? 1500 : 5;
    if (region !== "ap-shanghai") await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < n; i++) {
      const id = `ins-${region.slice(3, 6)}${String(i).padStart(5, "0")}`;
      ctx.decided({ id, region, kind: "oversized", action: "downsize", reason: "streamed" });
      ctx.decided({ id: `${id}k`, region, kind: "fine", reason: "kept" });
    }
    if (region === "ap-shanghai") {
      await new Promise((r) => setTimeout(r, 60));
      throw new Error("the region failed after streaming a full list");
    }
    return { decisions: [] };
  },
});

it("a region that fails after streaming a full list leaves the others' findings and kept decisions listed", async () => {
  const emu = await emulator();
  const config = loadBaseConfig(envFor(emu, { REGIONS: "ap-guangzhou,ap-shanghai" }));
  const report = await runSpec(
    failsLate,
    config,
    { source: "test" },
    createRunDeps(config, { logger: memoryLogger() }),
  );
  expect(report.outcomes).toMatchObject({ finding: 5 });
  expect(report.results.map((r) => r.region)).toEqual(Array(5).fill("ap-guangzhou"));
  expect(report.keptCount).toBe(5);
  expect(report.kept).toHaveLength(5);
});
