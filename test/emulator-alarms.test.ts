/**
 * The emulator's Cloud Monitor alarm policies hold to the published sources: a rule takes only
 * what DescribeAlarmMetrics lists, a name at most 20 characters, several tags need TagOperation,
 * a policy is the account's (every region in its Region, alarming in each), and histories have
 * the published example's shapes.
 */
import { describe, expect, it } from "vitest";
import { clientFor, emulator } from "./helpers/world.ts";

const GZ = "ap-guangzhou";
const SH = "ap-shanghai";

describe("the emulator's alarm policies", () => {
  it("refuses what DescribeAlarmMetrics does not list and names longer than 20 characters", async () => {
    const emu = await emulator();
    const { client } = clientFor(emu, { retry: { maxAttempts: 1 } });
    const create = (name: string, rule: Record<string, unknown>) =>
      client
        .call(
          "monitor",
          "CreateAlarmPolicy",
          {
            Module: "monitor",
            PolicyName: name,
            MonitorType: "MT_QCE",
            Namespace: "cvm_device",
            ProjectId: 0,
            Condition: {
              IsUnionRule: 1,
              Rules: [{ MetricName: "CpuUsage", Period: 300, Operator: "lt", Value: "5", ContinuePeriod: 5, ...rule }],
            },
          },
          { region: GZ },
        )
        .then(
          () => "accepted",
          (e: Error) => e.message,
        );
    expect(await create("cvm-autopilot-idle", {})).toBe("accepted");
    expect(await create("cvm-autopilot-idle", { ContinuePeriod: 12 })).toMatch(/ContinuePeriod `12` is not one/);
    expect(await create("cvm-autopilot-idle", { Period: 120 })).toMatch(/Period `120` is not one/);
    expect(await create("cvm-autopilot-idle", { Operator: "lte" })).toMatch(/Operator `lte` is not one/);
    expect(await create("cvm-autopilot-idle-ap-guangzhou", {})).toMatch(/at most 20 characters/);
  });

  it("a policy is the account's: every region in its Region, alarms on bound machines in each, histories as published; several tags need TagOperation", async () => {
    const emu = await emulator();
    const idle = { cpu: 1, traffic: 0.01 };
    const tags = [
      { Key: "team", Value: "a" },
      { Key: "env", Value: "dev" },
    ];
    const both = emu.state.addInstance({ Region: SH, profile: idle, Tags: tags });
    emu.state.addInstance({ Region: GZ, profile: idle, Tags: [tags[0]!] });
    const { client } = clientFor(emu, { retry: { maxAttempts: 1 } });
    const { PolicyId, OriginId } = await client.call<{ PolicyId: string; OriginId: string }>(
      "monitor",
      "CreateAlarmPolicy",
      {
        Module: "monitor",
        PolicyName: "idle",
        MonitorType: "MT_QCE",
        Namespace: "cvm_device",
        ProjectId: 0,
        Condition: {
          IsUnionRule: 1,
          Rules: [{ MetricName: "CpuUsage", Period: 300, Operator: "lt", Value: "5", ContinuePeriod: 1 }],
        },
      },
      { region: GZ },
    );
    const bind = (extra: Record<string, unknown>) =>
      client.call(
        "monitor",
        "BindingPolicyTag",
        {
          Module: "monitor",
          PolicyId,
          GroupId: OriginId,
          ServiceType: "cvm",
          Tag: tags[0],
          BatchTag: [tags[1]],
          ...extra,
        },
        { region: GZ },
      );
    await expect(bind({})).rejects.toThrow(/TagOperation/);
    await bind({ TagOperation: "AND" });
    const listed = await client.call<{ Policies: Array<{ Region: string[]; TagOperation: string }> }>(
      "monitor",
      "DescribeAlarmPolicies",
      { Module: "monitor" },
      { region: "ap-beijing" },
    );
    expect(listed.Policies[0]!.Region).toEqual(expect.arrayContaining(["gz", "sh", "bj"]));
    expect(listed.Policies[0]!.TagOperation).toBe("AND");
    // Created through ap-guangzhou, it alarms on the Shanghai machine with both tags (AND), not the one with one.
    const h = await client.call<{ Histories: Array<Record<string, unknown>> }>(
      "monitor",
      "DescribeAlarmHistories",
      { Module: "monitor", AlarmStatus: ["ALARM"] },
      { region: GZ },
    );
    expect(h.Histories).toEqual([
      expect.objectContaining({
        AlarmType: "metric_alarm",
        MonitorType: "cvm",
        Region: SH,
        AlarmObject: both.InstanceId,
        Dimensions: JSON.stringify({ InstanceId: both.InstanceId }),
      }),
    ]);
  });
});
