/**
 * Replies that look whole and are not, as a hostile tester crafts them: an organization page short
 * of its Total, and metric series dense or duplicated where the window needs distinct slots.
 * Invariants: a partial organization is never run as if complete; no machine is stopped on less
 * than its window's distinct period slots.
 */
import { describe, expect, it } from "vitest";
import type { RunReport } from "../../lib/report/report.ts";
import { runFunction } from "../helpers/functions.ts";
import { emulator } from "../helpers/world.ts";

describe("an organization listing cut short", () => {
  const members = Array.from({ length: 119 }, (_, i) => ({ uin: String(200000000100 + i) }));
  it.each([
    ["page 2 empty", []],
    [
      "page 2 with one member",
      [{ MemberUin: 200000000150, Name: "m", MemberType: "Create", NodeId: 1, NodeName: "Root" }],
    ],
  ])("%s, Total 120: the run fails before any member is run", async (_n, items) => {
    const emu = await emulator({ accounts: members });
    for (const m of members.slice(0, 3))
      emu.account(m.uin).state.addInstance({ Region: "ap-guangzhou", profile: { cpu: 1, traffic: 0 } });
    emu.faults.add({
      action: "DescribeOrganizationMembers",
      kind: "body",
      body: JSON.stringify({ Response: { Items: items, Total: 120, RequestId: "cut-1" } }),
      match: (p) => p.Offset === 50,
    });
    await expect(
      runFunction<RunReport>("auto-stop-idle", emu, {
        ACCOUNTS: "organization:cvm-autopilot",
        REGIONS: "ap-guangzhou",
      }),
    ).rejects.toThrow(/page at offset 50 has \d members but Total is 120: the listing was cut short/);
    expect(emu.callsFor("AssumeRole")).toEqual([]);
    expect(emu.callsFor("StopInstances")).toEqual([]);
  });
});

describe("metric replies dense or duplicated", () => {
  /** A reply whose every series is the given seconds-timestamps, all 0 (an idle-looking machine). */
  const reply = (id: string, timestamps: number[]) =>
    JSON.stringify({
      Response: {
        Period: 300,
        MetricName: "CPUUsage",
        StartTime: "",
        EndTime: "",
        RequestId: "dense-1",
        DataPoints: [
          { Dimensions: [{ Name: "InstanceId", Value: id }], Timestamps: timestamps, Values: timestamps.map(() => 0) },
        ],
      },
    });
  const now = Math.floor(Date.now() / 1000);
  const slot = Math.floor(now / 300) * 300;
  it.each([
    ["12 copies of one timestamp", Array.from({ length: 12 }, () => slot)],
    ["12 points crowded into the last minute", Array.from({ length: 12 }, (_, i) => now - 60 + i * 5)],
    ["12 points over two slots", Array.from({ length: 12 }, (_, i) => slot - 300 + i * 50)],
  ])("%s, all 0: not stopped, said to lack data", async (_n, timestamps) => {
    const emu = await emulator();
    const id = emu.state.addInstance({
      Region: "ap-guangzhou",
      InstanceName: "looks-idle",
      profile: { cpu: 0, traffic: 0 },
    }).InstanceId;
    emu.faults.add({ action: "GetMonitorData", kind: "body", body: reply(id, timestamps) });
    const { report } = await runFunction<RunReport>("auto-stop-idle", emu, {
      AUTO_STOP_METRIC_PERIOD: "300",
      AUTO_STOP_LOOKBACK_MINUTES: "60",
      AUTO_STOP_MAX_FRACTION: "1",
    });
    expect(emu.callsFor("StopInstances")).toEqual([]);
    expect(report.kept.find((k) => k.id === id)?.reason).toMatch(/CPU data in only [12] of 12 300-second slots/);
  });

  it("the same machine with a point in each of the window's slots is stopped (the check can pass)", async () => {
    const emu = await emulator();
    const id = emu.state.addInstance({
      Region: "ap-guangzhou",
      InstanceName: "idle",
      profile: { cpu: 0, traffic: 0 },
    }).InstanceId;
    emu.faults.add({
      action: "GetMonitorData",
      kind: "body",
      body: reply(
        id,
        Array.from({ length: 12 }, (_, i) => slot - i * 300),
      ),
    });
    await runFunction<RunReport>("auto-stop-idle", emu, {
      AUTO_STOP_METRIC_PERIOD: "300",
      AUTO_STOP_LOOKBACK_MINUTES: "60",
      AUTO_STOP_MAX_FRACTION: "1",
    });
    expect(emu.callsFor("StopInstances")).toHaveLength(1);
  });
});
