/**
 * The emulator is faithful enough that the official SDK works against it unchanged, and our
 * client sees the same results for the same scenarios with all three signing methods.
 */
import { describe, expect, it } from "vitest";
import { listAll } from "../lib/tencent/services.ts";
import { SIGN_METHODS } from "../lib/tencent/signer.ts";
import type { Instance } from "../lib/tencent/data-types.ts";
import { sdkCvm } from "./helpers/sdk.ts";
import { clientFor, emulator } from "./helpers/world.ts";

const REGION = "ap-guangzhou";
const SDK_METHODS = ["TC3-HMAC-SHA256", "HmacSHA256", "HmacSHA1"] as const;

/** Calls the SDK and returns either the Response or the error's code and RequestId. */
async function sdkTry(p: Promise<unknown>): Promise<{ code?: string; requestId?: string; res?: unknown }> {
  try {
    return { res: await p };
  } catch (e) {
    const err = e as { code?: string; requestId?: string };
    return { code: err.code, requestId: err.requestId };
  }
}

describe.each(SDK_METHODS)("official SDK (%s) against the emulator", (signMethod) => {
  it("pages DescribeInstances through a 250-instance fleet", async () => {
    const emu = await emulator({ instances: 250, fleetRegions: [REGION] });
    const sdk = sdkCvm(emu.port, emu.credentials, { signMethod });
    const seen = new Set<string>();
    for (let offset = 0; ; offset += 100) {
      const page = await sdk.DescribeInstances({ Offset: offset, Limit: 100 });
      expect(page.TotalCount).toBe(250);
      expect(page.RequestId).toMatch(/^[0-9a-f-]{36}$/);
      for (const i of page.InstanceSet as Instance[]) seen.add(i.InstanceId);
      if (page.InstanceSet.length < 100) break;
    }
    expect(seen.size).toBe(250);
  });

  it("StopInstances moves RUNNING -> STOPPING -> STOPPED", async () => {
    const emu = await emulator({ instances: 20, fleetRegions: [REGION], timings: { stopMs: 5000 } });
    const sdk = sdkCvm(emu.port, emu.credentials, { signMethod });
    const running = [...emu.state.instances.values()]
      .filter((i) => i.InstanceState === "RUNNING")
      .slice(0, 3)
      .map((i) => i.InstanceId);
    await sdk.StopInstances({ InstanceIds: running, StopType: "SOFT" });
    const during = await sdk.DescribeInstancesStatus({ InstanceIds: running });
    expect(during.InstanceStatusSet.map((s: { InstanceState: string }) => s.InstanceState)).toEqual([
      "STOPPING",
      "STOPPING",
      "STOPPING",
    ]);
    emu.advance(5000);
    const after = await sdk.DescribeInstancesStatus({ InstanceIds: running });
    expect(after.InstanceStatusSet.map((s: { InstanceState: string }) => s.InstanceState)).toEqual([
      "STOPPED",
      "STOPPED",
      "STOPPED",
    ]);
    const again = await sdkTry(sdk.StopInstances({ InstanceIds: running }));
    expect(again.code).toBe("UnsupportedOperation.InstanceStateStopped");
  });

  it("a malformed id gives InvalidInstanceId.Malformed, an unknown one .NotFound", async () => {
    const emu = await emulator();
    const sdk = sdkCvm(emu.port, emu.credentials, { signMethod });
    expect((await sdkTry(sdk.StopInstances({ InstanceIds: ["ins-1122"] }))).code).toBe("InvalidInstanceId.Malformed");
    expect((await sdkTry(sdk.StopInstances({ InstanceIds: ["ins-12345678"] }))).code).toBe(
      "InvalidInstanceId.NotFound",
    );
  });

  it("a wrong secret key gives AuthFailure.SignatureFailure, an unknown id SecretIdNotFound", async () => {
    const emu = await emulator();
    const wrongKey = sdkCvm(emu.port, { ...emu.credentials, secretKey: "not-the-key-0000" }, { signMethod });
    const wrongId = sdkCvm(emu.port, { ...emu.credentials, secretId: "AKIDnobody" }, { signMethod });
    const a = await sdkTry(wrongKey.DescribeRegions({}));
    expect(a.code).toBe("AuthFailure.SignatureFailure");
    expect(a.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await sdkTry(wrongId.DescribeRegions({}))).code).toBe("AuthFailure.SecretIdNotFound");
  });

  it("a timestamp more than 5 minutes off gives AuthFailure.SignatureExpire", async () => {
    const emu = await emulator();
    emu.advance(6 * 60_000); // the server's clock runs ahead, so the SDK's timestamp is stale
    const sdk = sdkCvm(emu.port, emu.credentials, { signMethod });
    expect((await sdkTry(sdk.DescribeRegions({}))).code).toBe("AuthFailure.SignatureExpire");
  });

  it("a burst past the documented limit gives RequestLimitExceeded", async () => {
    const emu = await emulator({ rateLimits: true });
    const sdk = sdkCvm(emu.port, emu.credentials, { signMethod });
    // StopInstances: 10 requests per second (seed 004); the SDK has no limiter of its own.
    const results = await Promise.all(
      Array.from({ length: 15 }, () => sdkTry(sdk.StopInstances({ InstanceIds: ["ins-12345678"] }))),
    );
    const codes = results.map((r) => r.code);
    expect(codes.filter((c) => c === "RequestLimitExceeded").length).toBeGreaterThanOrEqual(5);
    expect(codes.filter((c) => c === "InvalidInstanceId.NotFound").length).toBeLessThanOrEqual(10);
  });
});

it("the SDK pointed at 127.0.0.1:PORT (scope service `127`, host signed without port) is routed by X-TC-Action", async () => {
  const emu = await emulator({ instances: 3, fleetRegions: [REGION] });
  const { CvmClient } = await import("./helpers/sdk.ts");
  const sdk = new CvmClient({
    credential: emu.credentials,
    region: REGION,
    profile: { httpProfile: { protocol: "http://", endpoint: `127.0.0.1:${emu.port}` } },
  });
  expect((await sdk.DescribeInstances({})).TotalCount).toBe(3);
});

it("the SDK's GET form of TC3 (query signed, empty payload) is accepted", async () => {
  const emu = await emulator({ instances: 30, fleetRegions: [REGION] });
  const sdk = sdkCvm(emu.port, emu.credentials, { reqMethod: "GET" });
  const res = await sdk.DescribeInstances({
    Limit: 100,
    Filters: [{ Name: "instance-charge-type", Values: ["PREPAID", "POSTPAID_BY_HOUR"] }],
  });
  expect(res.TotalCount).toBe(
    [...emu.state.instances.values()].filter((i) => i.InstanceChargeType !== "CDHPAID").length,
  );
});

describe.each(SIGN_METHODS)("our client (%s): the same scenarios", (signMethod) => {
  it("pages, stops, and gets the documented errors", async () => {
    const emu = await emulator({ instances: 250, fleetRegions: [REGION], timings: { stopMs: 1000 } });
    const { client } = clientFor(emu, { signMethod, retry: { maxAttempts: 1 } });
    const rows = await listAll(client, "DescribeInstances", REGION, {});
    expect(rows).toHaveLength(250);
    const id = rows.find((r) => r.InstanceState === "RUNNING")!.InstanceId;
    await client.call("cvm", "StopInstances", { InstanceIds: [id] }, { region: REGION });
    expect(emu.state.instances.get(id)!.InstanceState).toBe("STOPPING");
    emu.advance(1000);
    const st = await client.call<{ InstanceStatusSet: Array<{ InstanceState: string }> }>(
      "cvm",
      "DescribeInstancesStatus",
      { InstanceIds: [id] },
      { region: REGION },
    );
    expect(st.InstanceStatusSet[0]!.InstanceState).toBe("STOPPED");
    const bad = await client
      .call("cvm", "StopInstances", { InstanceIds: ["ins-1122"] }, { region: REGION })
      .catch((e) => e);
    expect(bad.code).toBe("InvalidInstanceId.Malformed");
  });

  it("wrong key, stale timestamp, and a throttled burst", async () => {
    const emu = await emulator({ rateLimits: true });
    const wrong = clientFor(emu, {
      signMethod,
      credentials: { ...emu.credentials, secretKey: "nope-nope-nope" },
    }).client;
    expect((await wrong.call("cvm", "DescribeRegions").catch((e) => e)).code).toBe("AuthFailure.SignatureFailure");
    const stale = clientFor(emu, {
      signMethod,
      clock: { now: () => Date.now() - 10 * 60_000, sleep: async () => undefined },
    }).client;
    expect((await stale.call("cvm", "DescribeRegions").catch((e) => e)).code).toBe("AuthFailure.SignatureExpire");
    const raw = clientFor(emu, { signMethod, rateLimit: false, retry: { maxAttempts: 1 } }).client;
    const results = await Promise.allSettled(
      Array.from({ length: 15 }, () => raw.call("cvm", "DescribeImageQuota", {}, { region: REGION })),
    );
    const codes = results.map((r) => (r.status === "rejected" ? (r.reason as { code: string }).code : "ok"));
    expect(codes.filter((c) => c === "RequestLimitExceeded").length).toBe(5);
  });
});

it("serves a 10,000-instance fleet: every row pages out once", async () => {
  const emu = await emulator({ instances: 10_000, fleetRegions: [REGION] });
  const { client } = clientFor(emu);
  const rows = await listAll(client, "DescribeInstances", REGION, {});
  expect(rows).toHaveLength(10_000);
  expect(emu.calls).toHaveLength(100);
});
