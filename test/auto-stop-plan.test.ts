import { describe, expect, it } from "vitest";
import { loadConfig } from "../functions/auto-stop-idle/config.ts";
import { judge, plan, screen, type RegionalInstance } from "../functions/auto-stop-idle/plan.ts";

const NOW = new Date("2026-11-23T14:00:00Z"); // 22:00 in Asia/Shanghai
const policy = (extra: Record<string, string> = {}) =>
  loadConfig({ TENCENTCLOUD_SECRET_ID: "a", TENCENTCLOUD_SECRET_KEY: "bbbbbbbb", TENCENTCLOUD_REGION: "ap-guangzhou", ...extra }).policy;

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
const quiet = { cpu: Array(12).fill(1), outTraffic: Array(12).fill(0.01) };

describe("screen", () => {
  it.each([
    ["prepaid", anInstance({ InstanceChargeType: "PREPAID" }), {}, "charge type PREPAID"],
    ["stopped", anInstance({ InstanceState: "STOPPED" }), {}, "state STOPPED"],
    ["opt-out tag", anInstance({ Tags: [{ Key: "autopilot:auto-stop", Value: "off" }] }), {}, "opted out"],
    ["custom opt-out tag", anInstance({ Tags: [{ Key: "keep", Value: "yes" }] }), { AUTO_STOP_OPT_OUT_TAG: "keep=yes" }, "opted out"],
    ["young", anInstance({ CreatedTime: "2026-11-23T13:30:00Z" }), {}, "younger than the 60-minute"],
    ["name pattern", anInstance({ InstanceName: "prod-db" }), { AUTO_STOP_NAME_PATTERN: "^dev-" }, "name does not match"],
    ["outside window", anInstance(), { AUTO_STOP_SCHEDULE: "01:00-06:00", AUTO_STOP_TIMEZONE: "Asia/Shanghai" }, "outside the stop window"],
    ["bad schedule tag", anInstance({ Tags: [{ Key: "autopilot:schedule", Value: "nightly" }] }), {}, "is not HH:MM-HH:MM"],
  ])("%s is skipped", (_n, inst, env, reason) => {
    expect(screen(inst, policy(env), NOW)).toContain(reason);
  });

  it.each([
    ["no schedule", anInstance(), {}],
    ["inside a wrapping window", anInstance(), { AUTO_STOP_SCHEDULE: "20:00-07:00", AUTO_STOP_TIMEZONE: "Asia/Shanghai" }],
    ["tag window wins over env window", anInstance({ Tags: [{ Key: "autopilot:schedule", Value: "21:00-23:00" }] }), { AUTO_STOP_SCHEDULE: "01:00-02:00", AUTO_STOP_TIMEZONE: "Asia/Shanghai" }],
  ])("%s is a candidate", (_n, inst, env) => {
    expect(screen(inst, policy(env), NOW)).toBeUndefined();
  });
});

describe("judge", () => {
  it.each([
    ["idle", quiet, true, "idle: CPU max"],
    ["missing CPU", { cpu: [] }, false, "no CPU metrics"],
    ["too few points", { cpu: [1, 1, 1], outTraffic: [0, 0, 0] }, false, "only 3 of 12"],
    ["busy CPU", { cpu: [...Array(11).fill(1), 50] }, false, "busy: CPU max 50%"],
    ["busy traffic", { cpu: Array(12).fill(1), outTraffic: [...Array(11).fill(0), 3] }, false, "outbound traffic 3 Mbps"],
    ["missing traffic", { cpu: Array(12).fill(1) }, false, "no traffic metrics"],
  ])("%s", (_n, m, idle, reason) => {
    const j = judge(m, policy());
    expect(j.idle).toBe(idle);
    expect(j.reason).toContain(reason);
  });

  it("p95 ignores a single spike that max would not", () => {
    const m = { cpu: [...Array(19).fill(1), 50], outTraffic: Array(20).fill(0) };
    const p = policy({ AUTO_STOP_CPU_STAT: "p95", AUTO_STOP_LOOKBACK_MINUTES: "100" });
    expect(judge(m, p).idle).toBe(true);
    expect(judge(m, policy({ AUTO_STOP_LOOKBACK_MINUTES: "100" })).idle).toBe(false);
  });
});

describe("plan and the blast-radius guard", () => {
  const fleet = (idle: number, busy: number) =>
    Array.from({ length: idle + busy }, (_, i) => anInstance({ InstanceId: `ins-${String(i).padStart(8, "0")}` }));
  const metricsFor = (insts: RegionalInstance[], idle: number) =>
    new Map(insts.map((x, i) => [x.InstanceId, i < idle ? quiet : { cpu: Array(12).fill(60) }]));

  it("stops the idle ones within the limit", () => {
    const insts = fleet(2, 4);
    const { decisions, guard } = plan({ instances: insts, metrics: metricsFor(insts, 2), policy: policy(), now: NOW });
    expect(decisions.filter((d) => d.action === "stop")).toHaveLength(2);
    expect(guard).toEqual({ tripped: false, inScope: 6, wouldStop: 2, limit: 3 });
  });

  it.each([
    ["fraction", {}, 4, 2, 3],
    ["count", { AUTO_STOP_MAX_COUNT: "1" }, 2, 4, 1],
  ])("trips on %s and then stops nothing", (_n, env, idle, busy, limit) => {
    const insts = fleet(idle, busy);
    const { decisions, guard } = plan({ instances: insts, metrics: metricsFor(insts, idle), policy: policy(env), now: NOW });
    expect(guard.tripped).toBe(true);
    expect(guard.limit).toBe(limit);
    expect(decisions.filter((d) => d.action === "stop")).toHaveLength(0);
    expect(decisions[0]!.reason).toContain("blast-radius guard");
  });

  it("AUTO_STOP_OVERRIDE_GUARD lets a large stop through", () => {
    const insts = fleet(4, 0);
    const { decisions } = plan({ instances: insts, metrics: metricsFor(insts, 4), policy: policy({ AUTO_STOP_OVERRIDE_GUARD: "true" }), now: NOW });
    expect(decisions.filter((d) => d.action === "stop")).toHaveLength(4);
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
