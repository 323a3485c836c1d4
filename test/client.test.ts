import { describe, expect, it } from "vitest";
import { TencentCloudApiError } from "../lib/tencent/errors.ts";
import { SlidingWindowLimiter, type Clock } from "../lib/tencent/rate-limiter.ts";
import { listAll } from "../lib/tencent/services.ts";
import { SIGN_METHODS } from "../lib/tencent/signer.ts";
import { resolveEndpoint } from "../lib/tencent/endpoints.ts";
import { clientFor, emulator, emulatorClock } from "./helpers/world.ts";

const REGION = "ap-guangzhou";

describe("client against the emulator", () => {
  it.each(SIGN_METHODS)("%s: a signed call returns Response with its RequestId", async (signMethod) => {
    const emu = await emulator({ instances: 10, fleetRegions: [REGION] });
    const { client, log } = clientFor(emu, { signMethod });
    const res = await client.call<{ TotalCount: number }>("cvm", "DescribeInstances", { Limit: 5 }, { region: REGION });
    expect(res.TotalCount).toBe(10);
    expect(res.RequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(emu.calls[0]!.signMethod).toBe(signMethod);
    const rec = log.records().find((r) => r.msg === "api call")!;
    expect(rec).toMatchObject({ action: "DescribeInstances", region: REGION, requestId: res.RequestId });
    expect(typeof rec.durationMs).toBe("number");
  });

  it("turns Response.Error into a typed error with code, message, RequestId, action and region", async () => {
    const emu = await emulator();
    const { client } = clientFor(emu);
    const err = await client
      .call("cvm", "StopInstances", { InstanceIds: ["ins-1122"] }, { region: REGION })
      .catch((e) => e);
    expect(err).toBeInstanceOf(TencentCloudApiError);
    expect(err).toMatchObject({ code: "InvalidInstanceId.Malformed", action: "StopInstances", region: REGION });
    expect(err.requestId).toBe(emu.calls.at(-1)!.requestId);
    expect(emu.calls).toHaveLength(1); // a parameter error is never retried
  });

  it("never retries auth errors", async () => {
    const emu = await emulator();
    const { client } = clientFor(emu, { credentials: { ...emu.credentials, secretKey: "wrong-key-000000" } });
    const err = await client.call("cvm", "DescribeRegions").catch((e) => e);
    expect(err.code).toBe("AuthFailure.SignatureFailure");
    expect(emu.calls).toHaveLength(1);
  });

  it.each([
    ["RequestLimitExceeded", { kind: "error", code: "RequestLimitExceeded" }],
    ["InternalError", { kind: "error", code: "InternalError" }],
    ["HTTP 503", { kind: "http5xx" }],
    ["a dropped connection", { kind: "drop" }],
  ] as const)("retries %s with backoff and then succeeds", async (_n, rule) => {
    const emu = await emulator();
    emu.faults.add({ action: "DescribeRegions", count: 2, ...rule });
    const { client, log } = clientFor(emu);
    const res = await client.call<{ TotalCount: number }>("cvm", "DescribeRegions");
    expect(res.TotalCount).toBeGreaterThan(0);
    expect(emu.calls).toHaveLength(3);
    expect(client.stats.retries).toBe(2);
    expect(log.records().filter((r) => r.msg === "api call retry")).toHaveLength(2);
  });

  it("retries HTTP 429 with a non-JSON body, waiting as long as Retry-After asks", async () => {
    const emu = await emulator();
    emu.faults.add({ action: "DescribeRegions", kind: "http5xx", status: 429, retryAfter: "3", count: 1 });
    const slept: number[] = [];
    const clock = {
      now: () => Date.now() + slept.reduce((a, b) => a + b, 0),
      sleep: async (ms: number) => void slept.push(ms),
    };
    const { client } = clientFor(emu, {
      clock,
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2, maxTotalMs: 10_000 },
    });
    await client.call("cvm", "DescribeRegions");
    expect(emu.calls).toHaveLength(2);
    expect(slept.some((ms) => ms >= 3000)).toBe(true);
  });

  it("a Retry-After past the total time budget ends the call instead of retrying early", async () => {
    const emu = await emulator();
    emu.faults.add({ action: "DescribeRegions", kind: "http5xx", status: 429, retryAfter: "120" });
    const { client } = clientFor(emu, { retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2, maxTotalMs: 10_000 } });
    const err = await client.call("cvm", "DescribeRegions").catch((e) => e);
    expect(err).toMatchObject({ code: "ClientError.HttpStatus", httpStatus: 429, retryAfterMs: 120_000 });
    expect(emu.calls).toHaveLength(1);
  });

  it("refuses a timeout Node would clamp to 1 ms", () => {
    expect(() =>
      clientFor({ credentials: { secretId: "a", secretKey: "b" }, url: "http://127.0.0.1:1" } as never, {
        timeoutMs: 3_000_000_000,
      }),
    ).toThrow(/timeoutMs/);
  });

  it("the seed's account-wide budget (100 calls a minute per CVM API), when on, keeps a burst under it", async () => {
    let t = Date.now();
    const emu = await emulator({ accountBudget: true, rateLimits: false, now: () => t });
    // One clock for both sides: waiting moves the emulator's minute on too (concurrent waits overlap, they do not add up).
    const clock = {
      now: () => t,
      sleep: async (ms: number) => {
        const until = t + ms;
        t = Math.max(t, until);
      },
    };
    const { client } = clientFor(emu, { clock, accountBudget: true, retry: { maxAttempts: 1 } });
    const start = t;
    for (let i = 0; i < 120; i++) await client.call("cvm", "DescribeImageQuota", {}, { region: REGION });
    expect(emu.calls.filter((c) => c.code === "RequestLimitExceeded")).toEqual([]);
    expect(t - start).toBeGreaterThanOrEqual(60_000); // the 101st call waited for the minute

    const emu2 = await emulator({ accountBudget: true, rateLimits: false, now: () => t });
    const { client: unbudgeted } = clientFor(emu2, { clock, retry: { maxAttempts: 1 } });
    const codes: string[] = [];
    for (let i = 0; i < 120; i++)
      codes.push(
        await unbudgeted.call("cvm", "DescribeImageQuota", {}, { region: REGION }).then(
          () => "ok",
          (e: { code: string }) => e.code,
        ),
      );
    expect(codes.filter((c) => c === "RequestLimitExceeded")).toHaveLength(20);
  });

  it("retries HTTP 429 whose JSON body names another code, and counts it as throttling", async () => {
    const emu = await emulator();
    const body = JSON.stringify({
      Response: { RequestId: "r-1", Error: { Code: "FailedOperation", Message: "busy" } },
    });
    emu.faults.add({ action: "DescribeRegions", count: 1, kind: "body", status: 429, body });
    const { client } = clientFor(emu, { retry: { baseDelayMs: 1, maxDelayMs: 1 } });
    await client.call("cvm", "DescribeRegions");
    expect(emu.calls).toHaveLength(2);
    expect(client.stats.throttled).toBe(1);
  });

  it("gives up after maxAttempts and reports the last error", async () => {
    const emu = await emulator();
    emu.faults.add({ action: "DescribeRegions", kind: "error", code: "InternalError" });
    const { client } = clientFor(emu, { retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2, maxTotalMs: 5000 } });
    const err = await client.call("cvm", "DescribeRegions").catch((e) => e);
    expect(err.code).toBe("InternalError");
    expect(emu.calls).toHaveLength(3);
  });

  it("times out a slow reply with a clear error, bounded by the retry policy", async () => {
    const emu = await emulator();
    emu.faults.add({ action: "DescribeRegions", kind: "slow", delayMs: 100 });
    const { client } = clientFor(emu, {
      timeoutMs: 50,
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1, maxTotalMs: 5000 },
    });
    const err = await client.call("cvm", "DescribeRegions").catch((e) => e);
    expect(err).toBeInstanceOf(TencentCloudApiError);
    expect(err.code).toBe("ClientError.Timeout");
  });

  it.each([
    ["a timeout", { kind: "slow", delayMs: 100 }, "ClientError.Timeout"],
    ["a dropped connection", { kind: "drop" }, "ClientError.Network"],
    ["InternalError", { kind: "error", code: "InternalError" }, "InternalError"],
  ] as const)("an at-most-once call is not sent again after %s: its fate is unknown", async (_n, rule, code) => {
    const emu = await emulator();
    emu.faults.add({ action: "DescribeRegions", count: 1, ...rule });
    const { client } = clientFor(emu, { timeoutMs: 50, retry: { baseDelayMs: 1, maxDelayMs: 1 } });
    const err = await client.call("cvm", "DescribeRegions", {}, { atMostOnce: true }).catch((e) => e);
    expect(err.code).toBe(code);
    expect(emu.calls).toHaveLength(1);
    // The same fault without the option is sent again and succeeds.
    emu.faults.add({ action: "DescribeRegions", count: 1, ...rule });
    await expect(client.call("cvm", "DescribeRegions")).resolves.toMatchObject({ RequestId: expect.any(String) });
    expect(emu.calls).toHaveLength(3);
  });

  it("a request held on the way past its signature's 5 minutes is refused when it arrives, and one held less is carried out", async () => {
    const emu = await emulator({ instances: 1, fleetRegions: [REGION] });
    const id = [...emu.state.instances.keys()][0]!;
    const { client } = clientFor(emu, { timeoutMs: 50, retry: { maxAttempts: 1 }, clock: emulatorClock(emu) });
    const stop = () => client.call("cvm", "StopInstances", { InstanceIds: [id] }, { region: REGION }).catch(() => {});
    let release = false;
    emu.faults.add({ action: "StopInstances", kind: "slow", count: 1, delayMs: 3_600_000, until: () => release });
    await stop();
    emu.advance(301_000);
    release = true;
    await new Promise((r) => setTimeout(r, 30));
    expect(emu.callsFor("StopInstances")[0]!.code).toBe("AuthFailure.SignatureExpire");
    expect(emu.state.instances.get(id)!.InstanceState).toBe("RUNNING");
    // Held 4 minutes of the emulator's clock (its own end), it is carried out.
    emu.faults.add({ action: "StopInstances", kind: "slow", count: 1, delayMs: 240_000 });
    const before = emu.advanced();
    const late = client.call("cvm", "StopInstances", { InstanceIds: [id] }, { region: REGION }).catch(() => {});
    await new Promise((r) => setTimeout(r, 20));
    emu.advance(240_000);
    await late;
    await new Promise((r) => setTimeout(r, 30));
    expect(emu.advanced() - before).toBe(240_000);
    expect(emu.callsFor("StopInstances")[1]!.code).toBeUndefined();
    expect(emu.state.settle(emu.state.instances.get(id)!).InstanceState).not.toBe("RUNNING");
  });

  it("an at-most-once call refused for the rate is sent again: the server said it did not act", async () => {
    const emu = await emulator();
    emu.faults.add({ action: "DescribeRegions", count: 2, kind: "error", code: "RequestLimitExceeded" });
    const { client } = clientFor(emu, { retry: { baseDelayMs: 1, maxDelayMs: 1 } });
    await client.call("cvm", "DescribeRegions", {}, { atMostOnce: true });
    expect(emu.calls).toHaveLength(3);
  });

  it.each([
    ["non-JSON", "nonJson", "ClientError.BadResponse"],
    ["truncated JSON", "truncate", "ClientError.BadResponse"],
  ] as const)("a %s reply becomes a clear error, not a crash", async (_n, kind, code) => {
    const emu = await emulator();
    emu.faults.add({ action: "DescribeRegions", kind });
    const { client } = clientFor(emu);
    const err = await client.call("cvm", "DescribeRegions").catch((e) => e);
    expect(err.code).toBe(code);
    expect(emu.calls).toHaveLength(1); // a 200 with a broken body is not retried
  });

  it("keeps under the documented per-action limit, so the server never throttles", async () => {
    const emu = await emulator({ rateLimits: true });
    const { client } = clientFor(emu);
    // DescribeImageQuota is limited to 10/s (seed 004): 25 concurrent calls.
    await Promise.all(
      Array.from({ length: 25 }, () => client.call("cvm", "DescribeImageQuota", {}, { region: REGION })),
    );
    expect(emu.calls.filter((c) => c.code === "RequestLimitExceeded")).toHaveLength(0);
    expect(emu.calls).toHaveLength(25);
  });

  it("without the client limiter the same burst is throttled by the emulator", async () => {
    const emu = await emulator({ rateLimits: true });
    const { client } = clientFor(emu, { rateLimit: false, retry: { maxAttempts: 1 } });
    const results = await Promise.allSettled(
      Array.from({ length: 25 }, () => client.call("cvm", "DescribeImageQuota", {}, { region: REGION })),
    );
    expect(results.filter((r) => r.status === "rejected").length).toBeGreaterThanOrEqual(15);
  });

  it("pages at 100 rows through a 250-instance fleet", async () => {
    const emu = await emulator({ instances: 250, fleetRegions: [REGION] });
    const { client } = clientFor(emu);
    const rows = await listAll(client, "DescribeInstances", REGION, {});
    expect(rows).toHaveLength(250);
    expect(new Set(rows.map((r) => r.InstanceId)).size).toBe(250);
    expect(emu.calls.map((c) => (c.params as { Offset: number }).Offset).sort((a, b) => a - b)).toEqual([0, 100, 200]);
  });

  it("a page read ahead that fails while an earlier page is still awaited fails the listing, not the process", async () => {
    const emu = await emulator({ instances: 500, fleetRegions: [REGION] });
    // Page 2 is held until page 4 has failed: page 4's rejection comes first, with nobody awaiting it yet.
    emu.faults.add({
      action: "DescribeInstances",
      kind: "slow",
      delayMs: 2000,
      match: (p) => p.Offset === 100,
      until: () => emu.calls.some((c) => c.code === "UnauthorizedOperation"),
    });
    emu.faults.add({
      action: "DescribeInstances",
      kind: "error",
      code: "UnauthorizedOperation",
      match: (p) => p.Offset === 300,
    });
    const { client } = clientFor(emu);
    await expect(listAll(client, "DescribeInstances", REGION, {})).rejects.toMatchObject({
      code: "UnauthorizedOperation",
    });
    // A rejection nobody handled would also fail this file (vitest reports it as an error).
  });

  it("reads every page whatever a caller's read-ahead says: zero, negative or NaN is one page at a time", async () => {
    const emu = await emulator({ instances: 250, fleetRegions: [REGION] });
    const { client } = clientFor(emu);
    for (const ahead of [() => 3, () => 0, () => -5, () => Number.NaN, Number.NaN])
      expect(await listAll(client, "DescribeInstances", REGION, {}, { ahead })).toHaveLength(250);
  });

  it("a listing longer than the page ceiling is an error, never silently cut", async () => {
    const emu = await emulator({ instances: 250, fleetRegions: [REGION] });
    const { client } = clientFor(emu);
    await expect(listAll(client, "DescribeInstances", REGION, {}, { maxPages: 2 })).rejects.toMatchObject({
      code: "ClientError.IncompleteListing",
    });
  });

  it("a row that moves onto the next page while paging is returned once", async () => {
    const emu = await emulator({ instances: 150, fleetRegions: [REGION] });
    // A new instance sorts ahead of all just before page 2 is read: row 100 comes back again.
    emu.faults.add({ action: "DescribeInstances", kind: "shiftListing", shift: "insert", after: 1, count: 1 });
    const { client, log } = clientFor(emu);
    const rows = await listAll(client, "DescribeInstances", REGION, {}, { ahead: 1 });
    expect(new Set(rows.map((r) => r.InstanceId)).size).toBe(rows.length);
    expect(rows).toHaveLength(150);
    expect(log.records().some((r) => r.msg === "listing shifted while paged: repeated rows dropped")).toBe(true);
  });

  it("rows pushed past the first page's TotalCount are still fetched", async () => {
    const emu = await emulator({ instances: 200, fleetRegions: [REGION] });
    emu.faults.add({ action: "DescribeInstances", kind: "shiftListing", shift: "insert", after: 1, count: 1 });
    const { client } = clientFor(emu);
    const rows = await listAll(client, "DescribeInstances", REGION, {}, { ahead: 1 });
    // 200 listed at first, one inserted ahead: the last original row is on a third page now.
    const ids = new Set(rows.map((r) => r.InstanceId));
    for (const id of emu.state
      .instancesIn(REGION)
      .map((i) => i.InstanceId)
      .filter((id) => emu.state.instances.get(id)!.InstanceName !== "shifted-in"))
      expect(ids.has(id)).toBe(true);
  });

  it("a page without TotalCount is an error, not the end of the list", async () => {
    const emu = await emulator({ instances: 150, fleetRegions: [REGION] });
    emu.faults.add({ action: "DescribeInstances", kind: "omit", field: "TotalCount", count: 1 });
    const { client } = clientFor(emu);
    await expect(listAll(client, "DescribeInstances", REGION, {})).rejects.toMatchObject({
      code: "ClientError.IncompleteListing",
      requestId: expect.any(String),
    });
  });

  it("a page that ends before its own TotalCount is an error", async () => {
    const emu = await emulator({ instances: 150, fleetRegions: [REGION] });
    const body = (id: string) =>
      JSON.stringify({
        Response: {
          TotalCount: 150,
          InstanceSet: [{ InstanceId: id, InstanceState: "RUNNING", InstanceChargeType: "PREPAID" }],
          RequestId: "r-1",
        },
      });
    emu.faults.add({ action: "DescribeInstances", kind: "body", body: body("ins-aaaaaaaa"), count: 1 });
    const { client } = clientFor(emu);
    await expect(listAll(client, "DescribeInstances", REGION, {})).rejects.toMatchObject({
      code: "ClientError.IncompleteListing",
    });
  });
});

describe("sliding-window limiter (fake clock)", () => {
  const fakeClock = () => {
    let t = 0;
    const clock: Clock = { now: () => t, sleep: async (ms) => void (t += ms) };
    return { clock, advance: (ms: number) => void (t += ms), now: () => t };
  };

  it("never lets more than N calls start within a window of another's reply", async () => {
    const { clock, now } = fakeClock();
    const limiter = new SlidingWindowLimiter(10, 1000, clock);
    const starts: number[] = [];
    for (let i = 0; i < 35; i++) {
      const release = await limiter.take();
      starts.push(now());
      release(); // replies at once
    }
    for (const s of starts) expect(starts.filter((x) => x >= s && x < s + 1000).length).toBeLessThanOrEqual(10);
    expect(starts.at(-1)).toBe(3000);
  });

  it("times the window from the reply, so slow replies push the next window back", async () => {
    const { clock, advance, now } = fakeClock();
    const limiter = new SlidingWindowLimiter(2, 1000, clock);
    const a = await limiter.take();
    const b = await limiter.take();
    advance(300); // both replies take 300 ms
    a();
    b();
    await limiter.take();
    expect(now()).toBe(1300);
  });

  it("a call waits for an in-flight slot to be released", async () => {
    const { clock } = fakeClock();
    const limiter = new SlidingWindowLimiter(1, 1000, clock);
    const first = await limiter.take();
    let second = false;
    const p = limiter.take().then(() => (second = true));
    await Promise.resolve();
    expect(second).toBe(false);
    first();
    await p;
    expect(second).toBe(true);
  });
});

describe("endpoints", () => {
  it.each([
    ["cvm", "ap-guangzhou", "https://cvm.tencentcloudapi.com", "cvm.tencentcloudapi.com"],
    [
      "cvm",
      "ap-shanghai-fsi",
      "https://cvm.ap-shanghai-fsi.tencentcloudapi.com",
      "cvm.ap-shanghai-fsi.tencentcloudapi.com",
    ],
    [
      "monitor",
      "ap-shenzhen-fsi",
      "https://monitor.ap-shenzhen-fsi.tencentcloudapi.com",
      "monitor.ap-shenzhen-fsi.tencentcloudapi.com",
    ],
    // Global services have one host: a finance-region caller still reaches it.
    ["sts", "ap-shanghai-fsi", "https://sts.tencentcloudapi.com", "sts.tencentcloudapi.com"],
    ["cam", "ap-shenzhen-fsi", "https://cam.tencentcloudapi.com", "cam.tencentcloudapi.com"],
    ["organization", "ap-shanghai-fsi", "https://organization.tencentcloudapi.com", "organization.tencentcloudapi.com"],
    ["tag", "ap-shanghai-fsi", "https://tag.tencentcloudapi.com", "tag.tencentcloudapi.com"],
    ["region", "ap-shanghai-fsi", "https://region.tencentcloudapi.com", "region.tencentcloudapi.com"],
  ])("%s in %s", (service, region, url, host) => {
    expect(resolveEndpoint(service, region)).toEqual({ url, signedHost: host });
  });
  it("CVM_AUTOPILOT_SITE=intl: the international site's hosts", () => {
    expect(resolveEndpoint("cvm", "ap-singapore", undefined, "intl")).toEqual({
      url: "https://cvm.intl.tencentcloudapi.com",
      signedHost: "cvm.intl.tencentcloudapi.com",
    });
    expect(resolveEndpoint("tag", undefined, undefined, "intl")).toEqual({
      url: "https://tag.intl.tencentcloudapi.com",
      signedHost: "tag.intl.tencentcloudapi.com",
    });
  });
  it("an override sends every service to one base URL", () => {
    expect(resolveEndpoint("monitor", "ap-guangzhou", "http://127.0.0.1:9000/")).toEqual({
      url: "http://127.0.0.1:9000",
      signedHost: "127.0.0.1",
    });
  });
});
