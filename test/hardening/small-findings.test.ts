/**
 * The smaller findings of a hostile tester's third round, each a case that failed before its fix:
 * settings that named nothing or parsed too loosely, replies built to break the client, a region
 * name that is a path, an endpoint with userinfo.
 */
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../lib/config/config.ts";
import { FUNCTIONS } from "../../functions/registry.ts";
import type { RunReport } from "../../lib/report/report.ts";
import { runCli } from "../helpers/cli.ts";
import { envFor, runFunction } from "../helpers/functions.ts";
import { emulator } from "../helpers/world.ts";

const BASE = {
  TENCENTCLOUD_SECRET_ID: "AKIDxxxxxxxx",
  TENCENTCLOUD_SECRET_KEY: "secretsecret",
  TENCENTCLOUD_REGION: "ap-guangzhou",
};
const configError = (env: Record<string, string>) => {
  try {
    FUNCTIONS["auto-stop-idle"]!.load({ ...BASE, ...env });
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.join("\n");
    throw e;
  }
  return undefined;
};

describe("settings", () => {
  it.each([
    [{ ACCOUNTS: "," }, "ACCOUNTS: names no account"],
    [{ AUTO_STOP_LOOKBACK_MINUTES: "0x10" }, "AUTO_STOP_LOOKBACK_MINUTES: expected a whole number"],
    [{ AUTO_STOP_LOOKBACK_MINUTES: "1e3" }, "AUTO_STOP_LOOKBACK_MINUTES: expected a whole number"],
    [{ AUTO_STOP_MAX_COUNT: "0x10" }, "AUTO_STOP_MAX_COUNT: expected a whole number"],
    [{ AUTO_STOP_MAX_FRACTION: "0x1" }, "AUTO_STOP_MAX_FRACTION: expected a number"],
  ])("%o is refused, naming the variable", (env, message) => {
    expect(configError(env)).toContain(message);
  });
  it("plain numbers still parse", () => {
    expect(
      configError({ AUTO_STOP_LOOKBACK_MINUTES: "90", AUTO_STOP_MAX_FRACTION: "0.25", AUTO_STOP_MAX_COUNT: "3" }),
    ).toBeUndefined();
  });
});

describe("replies built to break the client", () => {
  const call = async (body: string, extra: Record<string, string> = {}) => {
    const emu = await emulator();
    emu.faults.add({ action: "DescribeZones", kind: "body", body });
    return runCli(["call", "DescribeZones", "--region", "ap-guangzhou"], {
      ...envFor(emu),
      CVM_AUTOPILOT_MAX_ATTEMPTS: "1",
      ...extra,
    });
  };
  it("a 200,000-deep reply is a clear error, not a stack overflow", async () => {
    const r = await call(
      `{"Response":{"RequestId":"r","ZoneSet":${'{"a":'.repeat(200_000)}1${"}".repeat(200_000)},"TotalCount":1}}`,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("reply nests deeper than 64 levels");
    expect(r.stderr).not.toContain("Maximum call stack");
  });
  it("an Error.Code that is an object is said as what it is, not [object Object]", async () => {
    const r = await call(JSON.stringify({ Response: { Error: { Code: { x: 1 }, Message: "m" }, RequestId: "r" } }));
    expect(r.stderr).not.toContain("[object Object]");
    expect(r.stderr).toContain(`reply's Error.Code is not a string ({"x":1})`);
  });
  it("a 5 MB error message is capped in logs and output", async () => {
    const emu = await emulator();
    emu.faults.add({
      action: "DescribeZones",
      kind: "error",
      code: "InternalError.Huge",
      message: "x".repeat(5_000_000),
    });
    const r = await runCli(["call", "DescribeZones", "--region", "ap-guangzhou"], {
      ...envFor(emu),
      CVM_AUTOPILOT_MAX_ATTEMPTS: "1",
    });
    expect(r.stderr.length + r.stdout.length).toBeLessThan(20_000);
    expect(r.stderr).toContain("more characters cut");
  });
  it("a DescribeInstances row with the wrong types is an error naming the row, not a silent drop", async () => {
    const emu = await emulator();
    emu.state.addInstance({ Region: "ap-guangzhou", profile: { cpu: 1, traffic: 0 } });
    emu.faults.add({
      action: "DescribeInstances",
      kind: "body",
      body: JSON.stringify({
        Response: {
          TotalCount: 2,
          InstanceSet: [
            { InstanceId: "ins-aaaaaaaa", InstanceState: "RUNNING", InstanceChargeType: "POSTPAID_BY_HOUR" },
            { InstanceId: "ins-bbbbbbbb", InstanceState: 7, InstanceChargeType: null },
          ],
          RequestId: "rows-1",
        },
      }),
    });
    const { report } = await runFunction<RunReport>("auto-stop-idle", emu, { AUTO_STOP_MAX_FRACTION: "1" });
    expect(report.errors).toEqual([
      expect.objectContaining({ region: "ap-guangzhou", code: "ClientError.BadResponse", requestId: "rows-1" }),
    ]);
    expect(report.errors[0]!.message).toContain(
      "InstanceSet[1] (ins-bbbbbbbb) is not a row of this listing: InstanceState, InstanceChargeType are not a non-empty string",
    );
    expect(emu.callsFor("StopInstances")).toEqual([]);
  });
  it("REGIONS=all with a region name that is a path is refused whole", async () => {
    const emu = await emulator();
    emu.faults.add({
      action: "DescribeRegions",
      kind: "body",
      body: JSON.stringify({
        Response: {
          TotalCount: 2,
          RegionSet: [
            { Region: "ap-guangzhou", RegionName: "Guangzhou", RegionState: "AVAILABLE" },
            { Region: "../../x", RegionName: "x", RegionState: "AVAILABLE" },
          ],
          RequestId: "reg-1",
        },
      }),
    });
    await expect(runFunction<RunReport>("auto-stop-idle", emu, { REGIONS: "all" })).rejects.toThrow(
      /DescribeRegions listed 1 name\(s\) that are not region names \("\.\.\/\.\.\/x"\)/,
    );
  });
});

describe("an endpoint with userinfo", () => {
  it.each(["HmacSHA256", "HmacSHA1", "TC3-HMAC-SHA256"])("%s signs and is answered", async (method) => {
    const emu = await emulator();
    const u = new URL(emu.url);
    u.username = "proxyuser";
    u.password = "proxypass";
    const r = await runCli(["call", "DescribeZones", "--region", "ap-guangzhou"], {
      ...envFor(emu),
      CVM_AUTOPILOT_ENDPOINT: u.toString(),
      CVM_AUTOPILOT_SIGN_METHOD: method,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toContain("proxypass");
  });
});
