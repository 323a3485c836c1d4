import { describe, expect, it } from "vitest";
import { flattenParams, legacyStringToSign, signLegacy, signTc3, utcDate } from "../lib/tencent/signer.ts";
import { CvmClient, SdkSign } from "./helpers/sdk.ts";

const SEED = { secretId: "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", secretKey: "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE" };

describe("legacy signature, seed 004 worked example", () => {
  const params = {
    Action: "DescribeInstances",
    "InstanceIds.0": "ins-09dx96dg",
    Limit: "20",
    Nonce: "11886",
    Offset: "0",
    Region: "ap-guangzhou",
    SecretId: SEED.secretId,
    Timestamp: "1465185768",
    Version: "2017-03-12",
  };

  it("builds the seed's string to sign", () => {
    expect(legacyStringToSign("GET", "cvm.tencentcloudapi.com", "/", params)).toBe(
      "GETcvm.tencentcloudapi.com/?Action=DescribeInstances&InstanceIds.0=ins-09dx96dg&Limit=20&Nonce=11886&Offset=0&Region=ap-guangzhou&SecretId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE&Timestamp=1465185768&Version=2017-03-12",
    );
  });

  it("computes the true HmacSHA1 value (the seed prints EliP9YW3pW28FpsEdkXt/+WcGel=, an OCR slip of I as l)", () => {
    const s = legacyStringToSign("GET", "cvm.tencentcloudapi.com", "/", params);
    expect(signLegacy(s, SEED.secretKey, "HmacSHA1")).toBe("EliP9YW3pW28FpsEdkXt/+WcGeI=");
  });

  it("excludes Signature from the string to sign", () => {
    expect(legacyStringToSign("GET", "h", "/", { ...params, Signature: "x" })).toBe(
      legacyStringToSign("GET", "h", "/", params),
    );
  });
});

describe("legacy signing is byte-identical to the official SDK", () => {
  // Requests as the SDK takes them; the SDK's own client flattens (mergeData) and builds the
  // string to sign (formatSignString), booleans included.
  const cases: Array<[string, Record<string, unknown>]> = [
    [
      "DescribeInstances with filters",
      {
        Action: "DescribeInstances",
        Filters: [{ Name: "zone", Values: ["ap-guangzhou-1", "ap-guangzhou-2"] }],
        Limit: 100,
        Offset: 0,
      },
    ],
    [
      "StopInstances",
      { Action: "StopInstances", InstanceIds: ["ins-r8hr2upy", "ins-5d8a23rs"], StoppedMode: "STOP_CHARGING" },
    ],
    ["unicode value", { Action: "DescribeInstances", Filters: [{ Name: "instance-name", Values: ["测试 实例 ✓"] }] }],
    [
      "nested objects and arrays",
      {
        Action: "RunInstances",
        Placement: { Zone: "ap-guangzhou-3", ProjectId: 0 },
        DataDisks: [{ DiskSize: 50, DiskType: "CLOUD_SSD" }, { DiskSize: 100 }],
      },
    ],
    ["session token", { Action: "DescribeRegions", Token: "tok-123" }],
    ["no business parameters", { Action: "DescribeRegions" }],
    ["booleans", { Action: "StopInstances", InstanceIds: ["ins-r8hr2upy"], ForceStop: false, SkipStopApi: true }],
  ];
  it.each(cases)("%s", (_name, request) => {
    for (const method of ["HmacSHA1", "HmacSHA256"] as const) {
      const sdk = new CvmClient({
        credential: SEED,
        region: "ap-guangzhou",
        profile: { signMethod: method, httpProfile: { reqMethod: "POST" } },
      });
      const common = {
        Nonce: 11886,
        Timestamp: 1465185768,
        SecretId: SEED.secretId,
        SignatureMethod: method,
        Region: "ap-guangzhou",
        Version: "2017-03-12",
      };
      const sdkFlat = sdk.mergeData({ ...request, ...common });
      const sdkSignature = SdkSign.sign(SEED.secretKey, sdk.formatSignString(sdkFlat), method);
      const ours = flattenParams({ ...request, ...common });
      expect(ours).toEqual(Object.fromEntries(Object.entries(sdkFlat).map(([k, v]) => [k, String(v)])));
      expect(signLegacy(legacyStringToSign("POST", "cvm.tencentcloudapi.com", "/", ours), SEED.secretKey, method)).toBe(
        sdkSignature,
      );
    }
  });
});

describe("TC3-HMAC-SHA256 is byte-identical to the official SDK", () => {
  const cases: Array<[string, string, string, unknown]> = [
    [
      "DescribeInstances",
      "cvm",
      "cvm.tencentcloudapi.com",
      { Limit: 100, Offset: 0, Filters: [{ Name: "tag:env", Values: ["dev"] }] },
    ],
    [
      "StopInstances",
      "cvm",
      "cvm.ap-shanghai-fsi.tencentcloudapi.com",
      { InstanceIds: ["ins-r8hr2upy"], StopType: "SOFT", ForceStop: false },
    ],
    [
      "GetMonitorData",
      "monitor",
      "monitor.tencentcloudapi.com",
      {
        Namespace: "QCE/CVM",
        MetricName: "CPUUsage",
        Instances: [{ Dimensions: [{ Name: "InstanceId", Value: "ins-1" }] }],
      },
    ],
    [
      "unicode and nesting",
      "cvm",
      "cvm.tencentcloudapi.com",
      { InstanceName: "生产-服务器 🚀", Deep: { A: [[1, 2], { B: null }] } },
    ],
    ["empty body", "cvm", "cvm.tencentcloudapi.com", {}],
  ];
  it.each(cases)("%s", (_n, service, host, payload) => {
    for (const timestamp of [1551113065, 1700000000, 1735689599]) {
      const ours = signTc3({ credentials: SEED, service, host, timestamp, payload: JSON.stringify(payload) });
      const sdk = SdkSign.sign3({
        method: "POST",
        url: `https://${host}/`,
        payload,
        timestamp,
        service,
        secretId: SEED.secretId,
        secretKey: SEED.secretKey,
        headers: { "Content-Type": "application/json" },
      });
      expect(ours.authorization).toBe(sdk);
    }
  });

  it("GET: signs the query and an empty payload, as the SDK does", () => {
    const query = "Limit=10&Filters.0.Name=zone&Filters.0.Values.0=ap-guangzhou-1";
    const ours = signTc3({
      credentials: SEED,
      service: "cvm",
      host: "cvm.tencentcloudapi.com",
      timestamp: 1700000000,
      method: "GET",
      query,
    });
    const sdk = SdkSign.sign3({
      method: "GET",
      url: `https://cvm.tencentcloudapi.com/?${query}`,
      payload: "",
      timestamp: 1700000000,
      service: "cvm",
      secretId: SEED.secretId,
      secretKey: SEED.secretKey,
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expect(ours.authorization).toBe(sdk);
  });

  it("golden vector: a fixed request signs to a fixed value", () => {
    // Guards against accidental change; the value is the SDK's too (checked in the table above).
    const sig = signTc3({
      credentials: SEED,
      service: "cvm",
      host: "cvm.tencentcloudapi.com",
      timestamp: 1551113065,
      payload: '{"Limit":1}',
    });
    expect(sig.credentialScope).toBe("2019-02-25/cvm/tc3_request");
    expect(sig.authorization).toBe(
      SdkSign.sign3({
        method: "POST",
        url: "https://cvm.tencentcloudapi.com/",
        payload: { Limit: 1 },
        timestamp: 1551113065,
        service: "cvm",
        secretId: SEED.secretId,
        secretKey: SEED.secretKey,
        headers: { "Content-Type": "application/json" },
      }),
    );
    expect(sig.signature).toBe("50ecba4e974092ed9e1beb9682075e166b7aae258c69c2b8269ea28910fb3591");
  });

  it("derives the scope date in UTC", () => {
    expect(utcDate(1735689599)).toBe("2024-12-31");
    expect(utcDate(1735689600)).toBe("2025-01-01");
  });
});

describe("flattenParams", () => {
  it.each([
    [{ InstanceIds: ["a", "b"] }, { "InstanceIds.0": "a", "InstanceIds.1": "b" }],
    [
      { Filters: [{ Name: "zone", Values: ["z1", "z2"] }] },
      { "Filters.0.Name": "zone", "Filters.0.Values.0": "z1", "Filters.0.Values.1": "z2" },
    ],
    [
      { ForceStop: false, DryRun: true },
      { ForceStop: "false", DryRun: "true" },
    ],
    [
      { Limit: 100, Offset: 0 },
      { Limit: "100", Offset: "0" },
    ],
    [{ A: null, B: undefined, C: "" }, { C: "" }],
    [{ Placement: { Zone: "z", ProjectId: 0 } }, { "Placement.Zone": "z", "Placement.ProjectId": "0" }],
    [{ M: [[1, 2]] }, { "M.0.0": "1", "M.0.1": "2" }],
  ])("%j", (input, expected) => {
    expect(flattenParams(input as Record<string, unknown>)).toEqual(expected);
  });
});
