/** A read-only function is declared with no apply, and runs through the one runner like the rest. */
import { describe, expect, it } from "vitest";
import { loadBaseConfig } from "../lib/config/config.ts";
import { memoryLogger } from "../lib/log/logger.ts";
import { runSpec } from "../lib/runtime/runner.ts";
import { createRunDeps } from "../lib/runtime/run-deps.ts";
import { defineFunction } from "../lib/runtime/spec.ts";
import { pages } from "../lib/tencent/services.ts";
import { envFor } from "./helpers/functions.ts";
import { emulator } from "./helpers/world.ts";
import { camPolicyFor } from "../lib/platform/cam-policy.ts";
import { REGISTRY } from "../functions/registry.ts";

const inventory = defineFunction({
  name: "inventory",
  description: "Count the running instances",
  schedule: "0 * * * *",
  variables: [],
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

describe("a read-only function", () => {
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
