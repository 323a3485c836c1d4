import { describe, expect, it } from "vitest";
import { memoryLogger } from "../lib/log/logger.ts";
import { createRunDeps, type RegionProgress } from "../lib/runtime/runtime.ts";
import { FUNCTIONS } from "../functions/registry.ts";
import { progressLine } from "../cli/report-view.ts";
import { envFor } from "./helpers/functions.ts";
import { emulator } from "./helpers/world.ts";

describe("progress, a line per region", () => {
  it("tells each region once as its decisions are in, and a region that failed with its code", async () => {
    const emu = await emulator();
    emu.state.addInstance({ Region: "ap-guangzhou", profile: { cpu: 1, traffic: 0 } });
    emu.state.addInstance({ Region: "ap-guangzhou", profile: { cpu: 60, traffic: 5 } });
    emu.faults.add({ action: "DescribeInstances", region: "ap-shanghai", kind: "error", code: "UnauthorizedOperation" });
    const fn = FUNCTIONS["auto-stop-idle"]!;
    const config = fn.loadConfig(envFor(emu, { REGIONS: "ap-guangzhou,ap-shanghai", DRY_RUN: "true" }));
    const seen: RegionProgress[] = [];
    await fn.run(config, { source: "test" }, createRunDeps(config, { logger: memoryLogger(), progress: (p) => seen.push(p) }));
    const byRegion = Object.fromEntries(seen.map((p) => [p.region, p]));
    expect(seen).toHaveLength(2);
    expect(byRegion["ap-guangzhou"]).toMatchObject({ scanned: 2, acting: 1, byKind: { idle: 1 } });
    expect(byRegion["ap-shanghai"]!.error).toContain("UnauthorizedOperation");
    expect(progressLine(byRegion["ap-guangzhou"]!)).toMatch(/^ {2}ap-guangzhou: scanned 2 \(.*1 idle.*\); 1 to act on$/);
    expect(progressLine(byRegion["ap-shanghai"]!)).toMatch(/^ {2}ap-shanghai: could not be decided: UnauthorizedOperation/);
  });
});
