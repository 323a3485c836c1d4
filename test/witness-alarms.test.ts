/**
 * Tencent's published alarm examples (`../shared/witness/tccli/monitor.*.json`) read by alarm
 * mode's readers: DescribeAlarmMetrics' allowed rule values, which the idle policy must fit, and
 * DescribeAlarmPolicies' account-wide row. (test/witness.test.ts reads and emulates every example.)
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { idleAlarmPolicy } from "../functions/auto-stop-idle/alarm-policy.ts";
import { FUNCTIONS } from "../functions/registry.ts";
import { memoryLogger } from "../lib/log/logger.ts";
import { ROOT } from "../lib/deploy/build.ts";
import { ourPolicies, ruleLimits } from "../lib/tencent/alarm-policies.ts";
import { TencentCloudClient } from "../lib/tencent/client.ts";

const DIR = join(ROOT, "..", "shared", "witness", "tccli");
const WITNESSES = ["DescribeAlarmMetrics", "DescribeAlarmPolicies"].map(
  (a) =>
    JSON.parse(readFileSync(join(DIR, `monitor.${a}.json`), "utf8")) as {
      action: string;
      service: string;
      response: unknown;
    },
);

describe("the alarm-mode readers on the published alarm examples", () => {
  let url = "";
  let server: ReturnType<typeof createServer>;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const w = WITNESSES.find((x) => x.action === String(req.headers["x-tc-action"]) && x.service === "monitor");
      req.resume();
      req.on("end", () => res.writeHead(w ? 200 : 404).end(JSON.stringify(w?.response ?? {})));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("DescribeAlarmMetrics gives the rule's allowed values, and the idle policy fits them; DescribeAlarmPolicies' account-wide row is read", async () => {
    const c = new TencentCloudClient({
      credentials: { secretId: "AKIDwitness000000000000000000000000", secretKey: "witnesswitnesswitnesswitness0000" },
      endpoint: url,
      logger: memoryLogger(),
      retry: { maxAttempts: 1 },
    });
    const limits = await ruleLimits(c, "ap-guangzhou");
    expect(limits.get("CpuUsage")).toEqual({
      Period: [60, 300],
      ContinuePeriod: [1, 2, 3, 4, 5],
      Operator: expect.arrayContaining(["lt"]),
    });
    const policy = FUNCTIONS["auto-stop-idle"]!.load({
      TENCENTCLOUD_REGION: "ap-guangzhou",
      TENCENTCLOUD_SECRET_ID: "AKIDwitness000000000000000000000000",
      TENCENTCLOUD_SECRET_KEY: "witnesswitnesswitnesswitness0000",
      AUTO_STOP_SOURCE: "alarms",
      AUTO_STOP_INCLUDE_TAGS: "team=a,env=dev",
    }).config as unknown as { policy: Parameters<typeof idleAlarmPolicy>[0] };
    const want = idleAlarmPolicy(policy.policy, limits);
    expect(want.rules.map((r) => `${r.MetricName} ${r.ContinuePeriod}×${r.Period}`)).toEqual([
      "CpuUsage 5×300",
      "LanOuttraffic 5×300",
    ]);
    expect([...want.name].length).toBeLessThanOrEqual(20);
    expect(want.tagOperation).toBe("AND");
    // TotalCount 216 with one row: the row is the listing, its empty TagOperation a drift only with several tags.
    const [p] = await ourPolicies(c, "ap-guangzhou", "");
    expect(p).toMatchObject({ id: "policy-s5yso1am", tagOperation: "" });
  });
});
