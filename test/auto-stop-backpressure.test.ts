/**
 * auto-stop-idle's listing waits for its metric queries (issue 19, memory): a region never holds
 * more than MAX_WAITING machines waiting for metrics, however far ahead the listing could run.
 */
import { describe, expect, it } from "vitest";
import { decideRegion, MAX_WAITING } from "../functions/auto-stop-idle/region-decider.ts";
import { loadConfig } from "../functions/auto-stop-idle/config.ts";
import { clientFor, emulator } from "./helpers/world.ts";
import { createTransport } from "../lib/tencent/transport.ts";

describe("auto-stop back-pressure", () => {
  it("reads the next page only when fewer than MAX_WAITING machines wait for metrics", async () => {
    let decided = 0;
    const atPage: number[] = [];
    const emu = await emulator({
      afterRequest: (c) => {
        if (c.action === "DescribeInstances") atPage.push(decided);
      },
    });
    for (let i = 0; i < 2000; i++) emu.state.addInstance({ Region: "ap-guangzhou", profile: { cpu: 60, traffic: 5 } });
    // Metric replies are held until the listing has asked for every page (or 300 ms have passed):
    // a listing that did not wait for its metrics would read all 20 pages with nothing decided.
    emu.faults.add({ action: "GetMonitorData", kind: "slow", delayMs: 300, until: () => atPage.length >= 20 });
    // Enough sockets that held metric queries cannot stall the listing by themselves (as a rate
    // limiter's queue would not: calls waiting for a slot hold no socket).
    const { client } = clientFor(emu, { rateLimit: false, transport: createTransport(1024) });
    const { policy } = loadConfig({
      TENCENTCLOUD_SECRET_ID: "a",
      TENCENTCLOUD_SECRET_KEY: "bbbbbbbb",
      TENCENTCLOUD_REGION: "ap-guangzhou",
    });
    const acting = await decideRegion(client, "ap-guangzhou", policy, new Date(), undefined, () => decided++);
    expect(acting).toEqual([]);
    expect(decided).toBe(2000);
    // When page k (100 machines each) was asked for, at most MAX_WAITING plus the pages already
    // asked for ahead were undecided: the listing kept pace with the metrics, not with itself.
    const ahead = 2 * 100;
    for (const [k, d] of atPage.entries())
      expect(k * 100 - d, `page ${k + 1}`).toBeLessThanOrEqual(MAX_WAITING + ahead);
  });

  it("reads a region that fits its waiting room in two round trips: every page after the first at once", async () => {
    const asked: number[] = [];
    const emu = await emulator({
      afterRequest: (c) => {
        if (c.action === "DescribeInstances") asked.push((c.params as { Offset: number }).Offset);
      },
    });
    for (let i = 0; i < 450; i++) emu.state.addInstance({ Region: "ap-guangzhou", profile: { cpu: 60, traffic: 5 } });
    // Page 2's reply is held until page 5 has been asked for. A listing that waits for page 2
    // before asking for page 4 (two pages ahead, as it was) would wait out the whole minute: the
    // test fails on its timeout. One that reads as far ahead as its room allows asks for all four at once.
    emu.faults.add({
      action: "DescribeInstances",
      kind: "slow",
      delayMs: 60_000,
      match: (p) => p.Offset === 100,
      until: () => asked.includes(400),
    });
    const { client } = clientFor(emu, { rateLimit: false });
    const { policy } = loadConfig({
      TENCENTCLOUD_SECRET_ID: "a",
      TENCENTCLOUD_SECRET_KEY: "bbbbbbbb",
      TENCENTCLOUD_REGION: "ap-guangzhou",
    });
    let decided = 0;
    await decideRegion(client, "ap-guangzhou", policy, new Date(), undefined, () => decided++);
    expect(decided).toBe(450);
    // Each page once (afterRequest records a page when it is answered: the held page 2 comes last).
    expect([...asked].sort((a, b) => a - b)).toEqual([0, 100, 200, 300, 400]);
  }, 20_000);
});
