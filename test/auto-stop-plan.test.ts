import { describe, expect, it } from "vitest";
import { loadConfig } from "../functions/auto-stop-idle/config.ts";
import { guard as guardOf } from "../functions/auto-stop-idle/guard.ts";
import {
  decide,
  judge,
  screen,
  type InstanceMetrics,
  type RegionalInstance,
} from "../functions/auto-stop-idle/plan.ts";
import type { AutoStopPolicy } from "../functions/auto-stop-idle/config.ts";
import { summarizeDecisions } from "../lib/runtime/guard.ts";

/** The whole plan for a set of instances: each decided, then the guard over all (as the runner does). */
function plan({
  instances,
  metrics,
  policy,
  now,
}: {
  instances: RegionalInstance[];
  metrics: Map<string, InstanceMetrics>;
  policy: AutoStopPolicy;
  now: Date;
}) {
  const decisions = instances.map((i) => decide(i, metrics.get(i.InstanceId), policy, now));
  return { decisions, guard: guardOf(summarizeDecisions(decisions), policy) };
}
import { NO_POINTS, pointsOf, type Series, seriesFrom } from "../lib/tencent/series.ts";

const NOW = new Date("2026-11-23T14:00:00Z"); // 22:00 in Asia/Shanghai
const policy = (extra: Record<string, string> = {}) =>
  loadConfig({
    TENCENTCLOUD_SECRET_ID: "a",
    TENCENTCLOUD_SECRET_KEY: "bbbbbbbb",
    TENCENTCLOUD_REGION: "ap-guangzhou",
    ...extra,
  }).policy;

const anInstance = (o: Partial<RegionalInstance> = {}): RegionalInstance => ({
  InstanceId: "ins-aaaaaaaa",
  InstanceName: "dev-web-1",
  InstanceState: "RUNNING",
  InstanceChargeType: "POSTPAID_BY_HOUR",
  InstanceType: "S5.MEDIUM4",
  CreatedTime: "2026-10-01T00:00:00Z",
  Tags: [],
  Region: "ap-guangzhou",
  ...o,
});
/** Values as a series ending at NOW, one point per 5 minutes. */
const series = (values: number[], endMs = NOW.getTime()): Series =>
  seriesFrom(values.map((v, i) => [endMs - (values.length - 1 - i) * 300_000, v]));
/** LAN carries the traffic, WAN is zero at the same timestamps. */
const traffic = (values: number[]) => ({ lan: series(values), wan: series(values.map(() => 0)) });
const quiet = { cpu: series(Array(12).fill(1)), ...traffic(Array(12).fill(0.01)) };

describe("screen", () => {
  it.each([
    ["prepaid", anInstance({ InstanceChargeType: "PREPAID" }), {}, "charge type PREPAID"],
    ["stopped", anInstance({ InstanceState: "STOPPED" }), {}, "state STOPPED"],
    ["opt-out tag", anInstance({ Tags: [{ Key: "autopilot:auto-stop", Value: "off" }] }), {}, "opted out"],
    [
      "custom opt-out tag",
      anInstance({ Tags: [{ Key: "keep", Value: "yes" }] }),
      { AUTO_STOP_OPT_OUT_TAG: "keep=yes" },
      "opted out",
    ],
    ["young", anInstance({ CreatedTime: "2026-11-23T13:30:00Z" }), {}, "younger than the 60-minute"],
    [
      "name pattern",
      anInstance({ InstanceName: "prod-db" }),
      { AUTO_STOP_NAME_PATTERN: "^dev-" },
      "name does not match",
    ],
    [
      "outside window",
      anInstance(),
      { AUTO_STOP_SCHEDULE: "01:00-06:00", AUTO_STOP_TIMEZONE: "Asia/Shanghai" },
      "outside the stop window",
    ],
    [
      "bad schedule tag",
      anInstance({ Tags: [{ Key: "autopilot:schedule", Value: "nightly" }] }),
      {},
      "is not HH:MM-HH:MM",
    ],
  ])("%s is skipped", (_n, inst, env, reason) => {
    expect(screen(inst, policy(env), NOW)?.reason).toContain(reason);
  });

  it.each([
    ["no schedule", anInstance(), {}],
    [
      "inside a wrapping window",
      anInstance(),
      { AUTO_STOP_SCHEDULE: "20:00-07:00", AUTO_STOP_TIMEZONE: "Asia/Shanghai" },
    ],
    [
      "tag window wins over env window",
      anInstance({ Tags: [{ Key: "autopilot:schedule", Value: "21:00-23:00" }] }),
      { AUTO_STOP_SCHEDULE: "01:00-02:00", AUTO_STOP_TIMEZONE: "Asia/Shanghai" },
    ],
  ])("%s is a candidate", (_n, inst, env) => {
    expect(screen(inst, policy(env), NOW)).toBeUndefined();
  });
});

describe("judge", () => {
  it.each([
    ["idle", quiet, true, "idle: CPU max"],
    ["missing CPU", { cpu: NO_POINTS }, false, "no CPU metrics"],
    ["too few points", { cpu: series([1, 1, 1]), ...traffic([0, 0, 0]) }, false, "only 3 of 12"],
    [
      "points outside the window do not count",
      { cpu: series(Array(12).fill(1), NOW.getTime() - 2 * 3600_000), ...traffic(Array(12).fill(0)) },
      false,
      "no CPU metrics",
    ],
    ["busy CPU", { cpu: series([...Array(11).fill(1), 50]) }, false, "busy: CPU max 50%"],
    [
      "busy traffic",
      { cpu: series(Array(12).fill(1)), ...traffic([...Array(11).fill(0), 3]) },
      false,
      "outbound traffic 3 Mbps",
    ],
    ["missing traffic", { cpu: series(Array(12).fill(1)) }, false, "no traffic metrics"],
    // LAN busy in its last two points; WAN misses its first two: joined on timestamps, the busy tail counts.
    [
      "misaligned series",
      { cpu: series(Array(12).fill(1)), lan: series([...Array(10).fill(0.01), 5, 5]), wan: series(Array(10).fill(0)) },
      false,
      "outbound traffic 5 Mbps",
    ],
    [
      "no public IP: an empty WAN series reads as zero",
      { cpu: series(Array(12).fill(1)), lan: series(Array(12).fill(0.01)), wan: NO_POINTS, noPublicIp: true },
      true,
      "idle",
    ],
    [
      "no public IP: WAN points that are there still count",
      {
        cpu: series(Array(12).fill(1)),
        lan: series(Array(12).fill(0.01)),
        wan: series([...Array(11).fill(0), 4]),
        noPublicIp: true,
      },
      false,
      "outbound traffic 4.01 Mbps",
    ],
    [
      "a public IP and no WAN series: missing metrics, never idle",
      { cpu: series(Array(12).fill(1)), lan: series(Array(12).fill(0.01)), wan: NO_POINTS },
      false,
      "no traffic metrics",
    ],
    [
      "a point only one series has is missing",
      {
        cpu: series(Array(12).fill(1)),
        lan: series(Array(12).fill(0.01)),
        wan: seriesFrom(pointsOf(series(Array(12).fill(0))).filter((_, i) => i % 2 === 0)),
      },
      false,
      "no traffic metrics: 6 of 12",
    ],
  ])("%s", (_n, m, idle, reason) => {
    const j = judge(m as Parameters<typeof judge>[0], policy(), NOW);
    expect(j.idle).toBe(idle);
    expect(j.reason).toContain(reason);
  });

  it("p95 ignores a single spike that max would not", () => {
    const m = { cpu: series([...Array(19).fill(1), 50]), ...traffic(Array(20).fill(0)) };
    const p = policy({ AUTO_STOP_CPU_STAT: "p95", AUTO_STOP_LOOKBACK_MINUTES: "100" });
    expect(judge(m, p, NOW).idle).toBe(true);
    expect(judge(m, policy({ AUTO_STOP_LOOKBACK_MINUTES: "100" }), NOW).idle).toBe(false);
  });
});

describe("plan and the blast-radius guard", () => {
  const fleet = (idle: number, busy: number) =>
    Array.from({ length: idle + busy }, (_, i) => anInstance({ InstanceId: `ins-${String(i).padStart(8, "0")}` }));
  const metricsFor = (insts: RegionalInstance[], idle: number) =>
    new Map(insts.map((x, i) => [x.InstanceId, i < idle ? quiet : { cpu: series(Array(12).fill(60)) }]));

  it("stops the idle ones within the limit", () => {
    const insts = fleet(2, 4);
    const { decisions, guard } = plan({ instances: insts, metrics: metricsFor(insts, 2), policy: policy(), now: NOW });
    expect(decisions.filter((d) => d.action === "stop")).toHaveLength(2);
    expect(guard).toEqual({ tripped: false, inScope: 6, wouldAct: 2, limit: 3 });
  });

  it.each([
    ["fraction", {}, 4, 2, 3],
    ["count", { AUTO_STOP_MAX_COUNT: "1" }, 2, 4, 1],
  ])("trips on %s (the runner then stops nothing)", (_n, env, idle, busy, limit) => {
    const insts = fleet(idle, busy);
    const { guard } = plan({ instances: insts, metrics: metricsFor(insts, idle), policy: policy(env), now: NOW });
    expect(guard.tripped).toBe(true);
    expect(guard.limit).toBe(limit);
  });

  it("counts only the in-scope fleet: a name pattern's whole scope cannot be stopped at once", () => {
    // 10 idle batch machines in scope; 10 busy others and 5 opted-out are outside the pattern's scope.
    const insts = [
      ...Array.from({ length: 10 }, (_, i) =>
        anInstance({ InstanceId: `ins-b${String(i).padStart(7, "0")}`, InstanceName: `batch-${i}` }),
      ),
      ...Array.from({ length: 10 }, (_, i) =>
        anInstance({ InstanceId: `ins-o${String(i).padStart(7, "0")}`, InstanceName: `web-${i}` }),
      ),
      ...Array.from({ length: 5 }, (_, i) =>
        anInstance({
          InstanceId: `ins-x${String(i).padStart(7, "0")}`,
          InstanceName: `batch-keep-${i}`,
          Tags: [{ Key: "autopilot:auto-stop", Value: "off" }],
        }),
      ),
    ];
    const metrics = new Map(
      insts.map((x) => [
        x.InstanceId,
        x.InstanceName.startsWith("batch-") ? quiet : { cpu: series(Array(12).fill(60)) },
      ]),
    );
    const { decisions, guard } = plan({
      instances: insts,
      metrics,
      policy: policy({ AUTO_STOP_NAME_PATTERN: "^batch-" }),
      now: NOW,
    });
    expect(guard).toEqual({ tripped: true, inScope: 10, wouldAct: 10, limit: 5 });
    expect(decisions.filter((d) => d.action === "stop")).toHaveLength(10);
  });

  it("AUTO_STOP_OVERRIDE_GUARD lets a large stop through", () => {
    const insts = fleet(4, 0);
    const { decisions, guard } = plan({
      instances: insts,
      metrics: metricsFor(insts, 4),
      policy: policy({ AUTO_STOP_OVERRIDE_GUARD: "true" }),
      now: NOW,
    });
    expect(decisions.filter((d) => d.action === "stop")).toHaveLength(4);
    expect(guard.tripped).toBe(false);
  });
});

describe("name patterns run in linear time", () => {
  it("a catastrophic-backtracking pattern against a crafted name answers at once", () => {
    // With a backtracking engine this takes ~2^34 steps: the test would hang, not fail quietly.
    const p = policy({ AUTO_STOP_NAME_PATTERN: "^([a-z0-9]+-?)+$" });
    expect(screen(anInstance({ InstanceName: `${"a".repeat(34)}!` }), p, NOW)?.kind).toBe("name-mismatch");
    expect(screen(anInstance({ InstanceName: "dev-web-1" }), p, NOW)).toBeUndefined();
  });

  it("a pattern RE2 cannot run is refused with the reason", () => {
    expect(() => policy({ AUTO_STOP_NAME_PATTERN: "(a)\\1" })).toThrow(
      /AUTO_STOP_NAME_PATTERN: .*backreferences and lookaround are not supported/,
    );
  });
});

describe("config errors name the variable", () => {
  it.each([
    [{ AUTO_STOP_CPU_THRESHOLD: "abc" }, "AUTO_STOP_CPU_THRESHOLD"],
    [{ AUTO_STOP_MAX_FRACTION: "1.5" }, "AUTO_STOP_MAX_FRACTION"],
    [{ AUTO_STOP_INCLUDE_TAGS: "env" }, 'AUTO_STOP_INCLUDE_TAGS: "env" is not key=value'],
    [{ AUTO_STOP_SCHEDULE: "8pm-7am" }, "AUTO_STOP_SCHEDULE"],
    [{ AUTO_STOP_TIMEZONE: "Mars/Olympus" }, "AUTO_STOP_TIMEZONE: expected an IANA time zone"],
    [{ AUTO_STOP_NAME_PATTERN: "([" }, "AUTO_STOP_NAME_PATTERN: not a valid regular expression"],
    [{ AUTO_STOP_STOPPED_MODE: "HIBERNATE" }, "AUTO_STOP_STOPPED_MODE"],
    [{ AUTO_STOP_PRICES: "S5=cheap" }, "AUTO_STOP_PRICES"],
  ])("%j", (env, msg) => {
    expect(() => policy(env)).toThrow(msg);
  });
});
