/**
 * DescribeInstances keeps each instance's reply JSON between pages (emulator/json-snapshot.ts):
 * a page must still show every change made since the last one, by an API call, by a timed
 * transition settling, or by a test writing the state directly (in place, nested or not), and the
 * body must be the bytes JSON.stringify of the public views gives.
 */
import { describe, expect, it } from "vitest";
import type { Instance } from "../lib/tencent/data-types.ts";
import { publicInstance } from "../emulator/views.ts";
import { clientFor, emulator } from "./helpers/world.ts";

const GZ = "ap-guangzhou";

describe("DescribeInstances' kept reply JSON", () => {
  it("shows every change to a machine on the next page, byte for byte as the views serialise", async () => {
    const bodies: string[] = [];
    const emu = await emulator({
      onReply: (b) => bodies.push(b),
      latencyMs: 1, // the body is sent as bytes after the latency
      timings: { stopMs: 1000, startMs: 0, syncMs: 0, bindMs: 0, functionMs: 0 },
    });
    const a = emu.state.addInstance({ Region: GZ, InstanceName: "a", Tags: [{ Key: "env", Value: "dev" }] });
    const b = emu.state.addInstance({
      Region: GZ,
      InstanceName: "b",
      InstanceChargeType: "PREPAID",
      RenewFlag: "NOTIFY_AND_MANUAL_RENEW",
    });
    const { client } = clientFor(emu);
    const uin = emu.accounts.management.uin;
    const page = async () => {
      const r = await client.call<{ InstanceSet: Instance[] }>(
        "cvm",
        "DescribeInstances",
        { Limit: 100 },
        { region: GZ },
      );
      // The body as sent, against JSON.stringify of the views of the state now.
      const sent = JSON.parse(bodies.at(-1)!) as { Response: { RequestId: string } };
      const views = emu.state.instancesIn(GZ).map(publicInstance);
      expect(bodies.at(-1)).toBe(
        JSON.stringify({
          Response: { TotalCount: views.length, InstanceSet: views, RequestId: sent.Response.RequestId },
        }),
      );
      return new Map(r.InstanceSet.map((i) => [i.InstanceName, i]));
    };
    expect((await page()).get("a")?.InstanceState).toBe("RUNNING");

    await client.call("cvm", "StopInstances", { InstanceIds: [a.InstanceId] }, { region: GZ });
    expect((await page()).get("a")).toMatchObject({ InstanceState: "STOPPING", LatestOperation: "StopInstances" });
    emu.advance(1000); // the transition settles when the listing is asked
    expect((await page()).get("a")).toMatchObject({ InstanceState: "STOPPED", LatestOperationState: "SUCCESS" });

    await client.call(
      "cvm",
      "ModifyInstancesRenewFlag",
      { InstanceIds: [b.InstanceId], RenewFlag: "NOTIFY_AND_AUTO_RENEW" },
      { region: GZ },
    );
    expect((await page()).get("b")?.RenewFlag).toBe("NOTIFY_AND_AUTO_RENEW");

    const arn = `qcs::cvm:${GZ}:uin/${uin}:instance/${b.InstanceId}`;
    await client.call(
      "tag",
      "TagResources",
      { ResourceList: [arn], Tags: [{ TagKey: "team", TagValue: "ml" }] },
      { region: GZ },
    );
    expect((await page()).get("b")?.Tags).toContainEqual(expect.objectContaining({ Key: "team", Value: "ml" }));

    // Written directly, as tests and the simulator do: a field, a nested field, an array in place.
    a.InstanceName = "renamed";
    b.Placement.Zone = "ap-guangzhou-7";
    a.Tags!.push({ Key: "owner", Value: "kim" });
    a.PrivateIpAddresses![0] = "10.9.9.9";
    const now = await page();
    expect(now.has("a")).toBe(false);
    expect(now.get("renamed")?.Tags).toContainEqual(expect.objectContaining({ Key: "owner", Value: "kim" }));
    expect(now.get("renamed")?.PrivateIpAddresses).toEqual(["10.9.9.9"]);
    expect(now.get("b")?.Placement.Zone).toBe("ap-guangzhou-7");
  });

  it("a filtered listing kept between pages follows every change to what its filters read", async () => {
    const emu = await emulator();
    const made = Array.from({ length: 5 }, (_, n) =>
      emu.state.addInstance({
        Region: GZ,
        InstanceName: `m${n}`,
        Tags: [{ Key: "env", Value: n < 2 ? "prod" : "dev" }],
      }),
    );
    const { client } = clientFor(emu);
    const uin = emu.accounts.management.uin;
    const names = async (Filters: unknown) =>
      (
        await client.call<{ InstanceSet: Instance[] }>(
          "cvm",
          "DescribeInstances",
          { Filters, Limit: 100 },
          { region: GZ },
        )
      ).InstanceSet.map((i) => i.InstanceName);
    const running = [
      { Name: "instance-charge-type", Values: ["POSTPAID_BY_HOUR"] },
      { Name: "instance-state", Values: ["RUNNING"] },
    ];
    const prod = [{ Name: "tag:env", Values: ["prod"] }];
    expect(await names(running)).toEqual(["m0", "m1", "m2", "m3", "m4"]);
    expect(await names(prod)).toEqual(["m0", "m1"]);

    await client.call("cvm", "StopInstances", { InstanceIds: [made[1]!.InstanceId] }, { region: GZ });
    expect(await names(running)).toEqual(["m0", "m2", "m3", "m4"]);
    made[3]!.InstanceState = "STOPPED"; // as a test writes it
    expect(await names(running)).toEqual(["m0", "m2", "m4"]);
    made[4]!.InstanceChargeType = "PREPAID";
    expect(await names(running)).toEqual(["m0", "m2"]);
    emu.state.addInstance({ Region: GZ, InstanceName: "m5" });
    expect(await names(running)).toEqual(["m0", "m2", "m5"]);
    emu.state.shiftListing("DescribeInstances", GZ, "remove"); // m0 leaves the listing
    expect(await names(running)).toEqual(["m2", "m5"]);

    const arn = `qcs::cvm:${GZ}:uin/${uin}:instance/${made[2]!.InstanceId}`;
    await client.call(
      "tag",
      "TagResources",
      { ResourceList: [arn], Tags: [{ TagKey: "env", TagValue: "prod" }] },
      { region: GZ },
    );
    expect(await names(prod)).toEqual(["m1", "m2"]);
    expect(await names([...running, ...prod])).toEqual(["m2"]);
  });

  it("a filter another filter short-circuits past is not read on a machine the first one drops", async () => {
    const emu = await emulator();
    emu.state.addInstance({ Region: GZ, InstanceName: "kept", Placement: { Zone: "ap-guangzhou-3", ProjectId: 0 } });
    // Stopped and without a placement: the state filter drops it before the zone filter would read it.
    emu.state.addInstance({ Region: GZ, InstanceState: "STOPPED", Placement: undefined as never });
    const { client } = clientFor(emu);
    const Filters = [
      { Name: "instance-state", Values: ["RUNNING"] },
      { Name: "zone", Values: ["ap-guangzhou-3"] },
    ];
    for (let page = 0; page < 2; page++) {
      const r = await client.call<{ InstanceSet: Instance[] }>("cvm", "DescribeInstances", { Filters }, { region: GZ });
      expect(r.InstanceSet.map((i) => i.InstanceName)).toEqual(["kept"]);
    }
  });
});
