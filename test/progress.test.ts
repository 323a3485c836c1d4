import { describe, expect, it } from "vitest";
import { memoryLogger } from "../lib/log/logger.ts";
import { createRunDeps, type RegionProgress } from "../lib/runtime/run-deps.ts";
import { FUNCTIONS } from "../functions/registry.ts";
import { progressLine } from "../cli/report-view.ts";
import { envFor } from "./helpers/functions.ts";
import { emulator } from "./helpers/world.ts";

describe("progress, a line per region", () => {
  it("tells each region once as its decisions are in, and a region that failed with its code", async () => {
    const emu = await emulator();
    emu.state.addInstance({ Region: "ap-guangzhou", profile: { cpu: 1, traffic: 0 } });
    emu.state.addInstance({ Region: "ap-guangzhou", profile: { cpu: 60, traffic: 5 } });
    emu.faults.add({
      action: "DescribeInstances",
      region: "ap-shanghai",
      kind: "error",
      code: "UnauthorizedOperation",
    });
    const fn = FUNCTIONS["auto-stop-idle"]!;
    const loaded = fn.load(envFor(emu, { REGIONS: "ap-guangzhou,ap-shanghai", DRY_RUN: "true" }));
    const config = loaded.config;
    const seen: RegionProgress[] = [];
    await loaded.run(
      { source: "test" },
      createRunDeps(config, { logger: memoryLogger(), progress: (p) => seen.push(p) }),
    );
    const byRegion = Object.fromEntries(seen.map((p) => [p.region, p]));
    expect(seen).toHaveLength(2);
    expect(byRegion["ap-guangzhou"]).toMatchObject({ scanned: 2, acting: 1, byKind: { idle: 1 } });
    expect(byRegion["ap-shanghai"]!.error).toContain("UnauthorizedOperation");
    expect(progressLine(byRegion["ap-guangzhou"]!)).toMatch(
      /^ {2}ap-guangzhou: scanned 2 \(.*1 idle.*\); 1 to act on$/,
    );
    // The error is said once, in the report's list; the progress line points there.
    expect(progressLine(byRegion["ap-shanghai"]!)).toBe(
      "  ap-shanghai: could not be decided (the error is listed below)",
    );
  });
});

describe("decisions streamed while a region decides", () => {
  it("count only when the region completes: a region that fails after its first page adds nothing, not even to the guard's denominator", async () => {
    const emu = await emulator();
    emu.state.addInstance({ Region: "ap-guangzhou", profile: { cpu: 1, traffic: 0 } });
    emu.state.addInstance({ Region: "ap-guangzhou", profile: { cpu: 60, traffic: 5 } });
    // 150 busy machines in Shanghai: the first page's 100 are decided (kept, streamed), then the second page fails.
    for (let i = 0; i < 150; i++) emu.state.addInstance({ Region: "ap-shanghai", profile: { cpu: 60, traffic: 5 } });
    emu.faults.add({
      action: "DescribeInstances",
      region: "ap-shanghai",
      kind: "error",
      code: "InternalError",
      after: 1,
    });
    const fn = FUNCTIONS["auto-stop-idle"]!;
    const loaded = fn.load(
      envFor(emu, { REGIONS: "ap-guangzhou,ap-shanghai", DRY_RUN: "true", CVM_AUTOPILOT_MAX_ATTEMPTS: "1" }),
    );
    const report = await loaded.run({ source: "test" }, createRunDeps(loaded.config, { logger: memoryLogger() }));
    expect(report.errors).toEqual([expect.objectContaining({ region: "ap-shanghai", code: "InternalError" })]);
    expect(report.scanned).toBe(2);
    expect(Object.keys(report.byRegion)).toEqual(["ap-guangzhou"]);
    expect(report.keptCount).toBe(1);
    expect(report.kept.map((k) => k.region)).toEqual(["ap-guangzhou"]);
    expect(report.guard).toMatchObject({ inScope: 2, wouldAct: 1 });
  });
});
