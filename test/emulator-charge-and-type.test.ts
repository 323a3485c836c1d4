/**
 * The emulator's type and billing changes, as documented: one instance a call for a type change,
 * the system disks it accepts, within the family, asynchronous and RUNNING afterwards; billing
 * changes refused for a machine stopped without charge, at most 20 (change) and 100 (inquiry) a
 * call, priced from the one price model.
 */
import { describe, expect, it } from "vitest";
import { monthlyOf, TYPES } from "../emulator/instance-types.ts";
import { TencentCloudApiError } from "../lib/tencent/errors.ts";
import { clientFor, emulator } from "./helpers/world.ts";

const GZ = "ap-guangzhou";

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "ok";
  } catch (err) {
    if (err instanceof TencentCloudApiError) return err.code;
    throw err;
  }
}

describe("emulator: ResetInstancesType and its inquiry", () => {
  it("changes one stopped instance within its family, asynchronously, and it comes back RUNNING", async () => {
    const emu = await emulator({
      timings: { stopMs: 0, startMs: 0, syncMs: 0, bindMs: 0, functionMs: 0, resizeMs: 5000 },
    });
    const { client } = clientFor(emu);
    const inst = emu.state.addInstance({ Region: GZ, InstanceType: "S5.2XLARGE16", InstanceState: "STOPPED" });
    expect(inst).toMatchObject({ CPU: 8, Memory: 16 });
    await client.call(
      "cvm",
      "ResetInstancesType",
      { InstanceIds: [inst.InstanceId], InstanceType: "S5.LARGE8" },
      { region: GZ },
    );
    const during = await client.call<{ InstanceSet: Array<Record<string, unknown>> }>(
      "cvm",
      "DescribeInstances",
      { InstanceIds: [inst.InstanceId] },
      { region: GZ },
    );
    expect(during.InstanceSet[0]).toMatchObject({
      InstanceType: "S5.2XLARGE16",
      LatestOperation: "ResetInstancesType",
      LatestOperationState: "OPERATING",
    });
    emu.advance(5000);
    const after = await client.call<{ InstanceSet: Array<Record<string, unknown>> }>(
      "cvm",
      "DescribeInstances",
      { InstanceIds: [inst.InstanceId] },
      { region: GZ },
    );
    expect(after.InstanceSet[0]).toMatchObject({
      InstanceType: "S5.LARGE8",
      CPU: 4,
      Memory: 8,
      InstanceState: "RUNNING",
      LatestOperationState: "SUCCESS",
      SystemDisk: { DiskType: "CLOUD_PREMIUM" },
    });
  });

  it("refuses what the docs refuse", async () => {
    const emu = await emulator({ modelCheck: false });
    const { client } = clientFor(emu, { retry: { maxAttempts: 1 } });
    const a = emu.state.addInstance({ Region: GZ, InstanceType: "S5.2XLARGE16", InstanceState: "STOPPED" });
    const b = emu.state.addInstance({ Region: GZ, InstanceType: "S5.2XLARGE16", InstanceState: "STOPPED" });
    const local = emu.state.addInstance({
      Region: GZ,
      InstanceType: "S5.2XLARGE16",
      SystemDisk: { DiskType: "LOCAL_BASIC" },
    });
    const basic = emu.state.addInstance({
      Region: GZ,
      InstanceType: "S5.2XLARGE16",
      SystemDisk: { DiskType: "CLOUD_BASIC" },
    });
    const reset = (ids: string[], InstanceType: string, action = "ResetInstancesType") =>
      codeOf(client.call("cvm", action, { InstanceIds: ids, InstanceType }, { region: GZ }));
    expect(await reset([a.InstanceId, b.InstanceId], "S5.LARGE8")).toBe("InvalidParameterValue.LimitExceeded");
    expect(await reset([a.InstanceId], "SA2.LARGE8")).toBe("InvalidParameterValue");
    expect(await reset([a.InstanceId], "S5.2XLARGE16")).toBe("InvalidParameterValue");
    expect(await reset([local.InstanceId], "S5.LARGE8")).toBe("InvalidInstance.NotSupported");
    // CLOUD_BASIC: the change accepts it, its inquiry (as documented today) does not.
    expect(await reset([basic.InstanceId], "S5.LARGE8", "InquiryPriceResetInstancesType")).toBe(
      "InvalidInstance.NotSupported",
    );
    expect(await reset([basic.InstanceId], "S5.LARGE8")).toBe("ok");
  });

  it("quotes the new type's hourly price for a pay-as-you-go machine", async () => {
    const emu = await emulator();
    const { client } = clientFor(emu);
    const inst = emu.state.addInstance({ Region: GZ, InstanceType: "S5.2XLARGE16" });
    const r = await client.call<{ Price: { InstancePrice: Record<string, unknown> } }>(
      "cvm",
      "InquiryPriceResetInstancesType",
      { InstanceIds: [inst.InstanceId], InstanceType: "S5.MEDIUM4" },
      { region: GZ },
    );
    expect(r.Price.InstancePrice).toMatchObject({ UnitPrice: TYPES["S5.MEDIUM4"]!.hourly, ChargeUnit: "HOUR" });
  });
});

describe("emulator: ModifyInstancesChargeType and its inquiry", () => {
  it("prices a month's prepaid switch for a batch as one sum, and switches", async () => {
    const emu = await emulator();
    const { client } = clientFor(emu);
    const a = emu.state.addInstance({ Region: GZ, InstanceType: "S5.LARGE8" });
    const b = emu.state.addInstance({
      Region: GZ,
      InstanceType: "S5.LARGE8",
      InstanceState: "STOPPED",
      StopChargingMode: "KEEP_CHARGING",
    });
    const ids = [a.InstanceId, b.InstanceId];
    const prepaid = { InstanceChargeType: "PREPAID", InstanceChargePrepaid: { Period: 1 } };
    const q = await client.call<{ Price: { InstancePrice: Record<string, unknown> } }>(
      "cvm",
      "InquiryPriceModifyInstancesChargeType",
      { InstanceIds: ids, ...prepaid },
      { region: GZ },
    );
    // 0.5 an hour × 720 h × 80% = 288 a month each.
    expect(q.Price.InstancePrice).toMatchObject({ DiscountPrice: 2 * monthlyOf("S5.LARGE8") });
    expect(monthlyOf("S5.LARGE8")).toBe(288);
    await client.call("cvm", "ModifyInstancesChargeType", { InstanceIds: ids, ...prepaid }, { region: GZ });
    expect(a).toMatchObject({ InstanceChargeType: "PREPAID", RenewFlag: "NOTIFY_AND_MANUAL_RENEW" });
    expect(a.ExpiredTime).toBeTruthy();
  });

  it("refuses a machine stopped without charge, a bad period, and more than 20 (change) or 100 (inquiry) a call", async () => {
    const emu = await emulator({ modelCheck: false });
    const { client } = clientFor(emu, { retry: { maxAttempts: 1 } });
    const free = emu.state.addInstance({ Region: GZ, InstanceState: "STOPPED", StopChargingMode: "STOP_CHARGING" });
    const bc1 = emu.state.addInstance({ Region: GZ, InstanceType: "BC1.LARGE8" });
    const many = Array.from({ length: 101 }, () => emu.state.addInstance({ Region: GZ }).InstanceId);
    const change = (ids: string[], period: number, action = "ModifyInstancesChargeType") =>
      codeOf(
        client.call(
          "cvm",
          action,
          { InstanceIds: ids, InstanceChargeType: "PREPAID", InstanceChargePrepaid: { Period: period } },
          { region: GZ },
        ),
      );
    for (const action of ["ModifyInstancesChargeType", "InquiryPriceModifyInstancesChargeType"]) {
      expect(await change([free.InstanceId], 1, action)).toBe("InvalidInstance.NotSupported");
      expect(await change([bc1.InstanceId], 1, action)).toBe("InvalidInstance.NotSupported");
      expect(await change([many[0]!], 13, action)).toBe("InvalidPeriod");
    }
    expect(await change(many.slice(0, 21), 1)).toBe("InvalidParameterValue.LimitExceeded");
    expect(await change(many.slice(0, 100), 1, "InquiryPriceModifyInstancesChargeType")).toBe("ok");
    expect(await change(many, 1, "InquiryPriceModifyInstancesChargeType")).toBe("InvalidParameterValue.LimitExceeded");
  });
});
