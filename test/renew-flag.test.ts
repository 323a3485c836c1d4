import { describe, expect, it } from "vitest";
import { loadConfig } from "../functions/renew-flag/config.ts";
import { plan, type RegionalInstance } from "../functions/renew-flag/plan.ts";
import type { RenewReport } from "../functions/renew-flag/index.ts";
import { runFunction } from "./helpers/functions.ts";
import { emulator } from "./helpers/world.ts";
import { summarize } from "../lib/runtime/runner.ts";
import { defineFunction } from "../lib/runtime/spec.ts";
import renewFlag from "../functions/renew-flag/index.ts";

const NOW = new Date("2026-11-23T00:00:00Z");
const GZ = "ap-guangzhou";
const policy = (env: Record<string, string> = {}) =>
  loadConfig({ TENCENTCLOUD_SECRET_ID: "a", TENCENTCLOUD_SECRET_KEY: "bbbbbbbb", TENCENTCLOUD_REGION: GZ, ...env })
    .policy;
const days = (n: number) => new Date(NOW.getTime() + n * 86400_000).toISOString();
const tags = (o: Record<string, string>) => Object.entries(o).map(([Key, Value]) => ({ Key, Value }));

const aPrepaid = (o: Partial<RegionalInstance> = {}): RegionalInstance => ({
  InstanceId: "ins-aaaaaaaa",
  InstanceName: "x",
  InstanceState: "RUNNING",
  InstanceChargeType: "PREPAID",
  InstanceType: "S5.MEDIUM4",
  CPU: 2,
  Memory: 4,
  Placement: { Zone: "ap-guangzhou-3", ProjectId: 0 },
  CreatedTime: "2026-01-01T00:00:00Z",
  ImageId: "img-aaaaaaaa",
  ExpiredTime: days(90),
  RenewFlag: "NOTIFY_AND_MANUAL_RENEW",
  RestrictState: "NORMAL",
  Tags: [],
  Region: GZ,
  ...o,
});

describe("renew-flag plan", () => {
  const RULES = {
    RENEW_RULES:
      "env=prod:NOTIFY_AND_AUTO_RENEW,team=data:DISABLE_NOTIFY_AND_MANUAL_RENEW,env=dev:NOTIFY_AND_MANUAL_RENEW",
  };
  it.each([
    [
      "rule changes the flag",
      aPrepaid({ Tags: tags({ env: "prod" }) }),
      {},
      "to-auto-renew",
      "NOTIFY_AND_AUTO_RENEW",
      "rule env=prod",
    ],
    [
      "already compliant",
      aPrepaid({ Tags: tags({ env: "dev" }) }),
      {},
      "compliant",
      "NOTIFY_AND_MANUAL_RENEW",
      "rule env=dev",
    ],
    [
      "conflict: the first matching rule wins",
      aPrepaid({ Tags: tags({ team: "data", env: "prod" }) }),
      {},
      "to-auto-renew",
      "NOTIFY_AND_AUTO_RENEW",
      "first matching rule wins over team=data",
    ],
    [
      "override tag beats rules",
      aPrepaid({ Tags: tags({ env: "prod", "autopilot:renew": "DISABLE_NOTIFY_AND_MANUAL_RENEW" }) }),
      {},
      "to-disable-notify",
      "DISABLE_NOTIFY_AND_MANUAL_RENEW",
      "override tag",
    ],
    [
      "no rule, no default: left alone",
      aPrepaid({ Tags: tags({ env: "qa" }) }),
      {},
      "no-policy",
      undefined,
      "RENEW_DEFAULT_FLAG is unset",
    ],
    [
      "default applies",
      aPrepaid({ Tags: tags({ env: "qa" }) }),
      { RENEW_DEFAULT_FLAG: "NOTIFY_AND_AUTO_RENEW" },
      "to-auto-renew",
      "NOTIFY_AND_AUTO_RENEW",
      "RENEW_DEFAULT_FLAG",
    ],
    [
      "invalid override tag is ignored, not obeyed",
      aPrepaid({ Tags: tags({ env: "prod", "autopilot:renew": "FOREVER" }) }),
      {},
      "bad-override-tag",
      undefined,
      "ignored invalid tag",
    ],
  ])("%s", (_n, inst, env, kind, to, reason) => {
    const [d] = plan([inst], policy({ ...RULES, ...env }), NOW).decisions;
    expect(d!.kind).toBe(kind);
    expect(d!.action).toBe(kind.startsWith("to-") ? "set-renew-flag" : undefined);
    expect(d!.detail.to).toBe(to);
    expect(d!.reason).toContain(reason);
  });

  it("postpaid and CDH instances are not touched", () => {
    const { decisions } = plan(
      [aPrepaid({ InstanceChargeType: "POSTPAID_BY_HOUR" }), aPrepaid({ InstanceChargeType: "CDHPAID" })],
      policy({ RENEW_DEFAULT_FLAG: "NOTIFY_AND_AUTO_RENEW" }),
      NOW,
    );
    expect(decisions).toEqual([]);
  });

  it.each([
    ["expiring soon, manual", aPrepaid({ ExpiredTime: days(3) }), 1, "expires in 3 day(s)"],
    [
      "expiring soon but will auto-renew",
      aPrepaid({ ExpiredTime: days(3), RenewFlag: "NOTIFY_AND_AUTO_RENEW" }),
      0,
      "",
    ],
    ["far from expiry", aPrepaid({ ExpiredTime: days(30) }), 0, ""],
    ["expired", aPrepaid({ ExpiredTime: days(-2), RestrictState: "EXPIRED" }), 1, "has EXPIRED"],
    [
      "isolated",
      aPrepaid({ ExpiredTime: days(-9), RestrictState: "PROTECTIVELY_ISOLATED" }),
      1,
      "PROTECTIVELY_ISOLATED",
    ],
    [
      "past its expiry, not yet restricted: said as past, never 'in -4 days'",
      aPrepaid({ ExpiredTime: days(-4) }),
      1,
      "expired 4 day(s) ago",
    ],
  ])("warning: %s", (_n, inst, count, text) => {
    const { warnings } = plan([inst], policy(), NOW);
    expect(warnings).toHaveLength(count);
    if (count) expect(warnings[0]!.message).toContain(text);
  });

  it("a flag the plan will set to auto-renew silences the warning", () => {
    const { warnings } = plan([aPrepaid({ ExpiredTime: days(2), Tags: tags({ env: "prod" }) })], policy(RULES), NOW);
    expect(warnings).toEqual([]);
  });

  it.each([
    [
      { RENEW_RULES: "env=prod:ALWAYS" },
      "is not a renew flag: expected one of NOTIFY_AND_AUTO_RENEW, NOTIFY_AND_MANUAL_RENEW, DISABLE_NOTIFY_AND_MANUAL_RENEW",
    ],
    [{ RENEW_RULES: "prod" }, "is not key=value:FLAG"],
    [{ RENEW_DEFAULT_FLAG: "AUTO" }, "RENEW_DEFAULT_FLAG: expected one of"],
    [{ RENEW_WARN_DAYS: "soon" }, "RENEW_WARN_DAYS"],
  ])("config error %j", (env, msg) => {
    expect(() => policy(env)).toThrow(msg);
  });
});

describe("renew-flag end to end", () => {
  const RULES = { RENEW_RULES: "env=prod:NOTIFY_AND_AUTO_RENEW,env=dev:NOTIFY_AND_MANUAL_RENEW" };

  it("250 prepaid instances: writes grouped by flag, 100 ids a call; a second run writes nothing", async () => {
    const emu = await emulator();
    for (let i = 0; i < 250; i++)
      emu.state.addInstance({
        Region: GZ,
        InstanceChargeType: "PREPAID",
        RenewFlag: "NOTIFY_AND_MANUAL_RENEW",
        ExpiredTime: days(60),
        Tags: tags({ env: "prod" }),
      });
    for (let i = 0; i < 30; i++)
      emu.state.addInstance({
        Region: GZ,
        InstanceChargeType: "PREPAID",
        RenewFlag: "DISABLE_NOTIFY_AND_MANUAL_RENEW",
        ExpiredTime: days(60),
        Tags: tags({ env: "dev" }),
      });
    for (let i = 0; i < 20; i++) emu.state.addInstance({ Region: GZ, Tags: tags({ env: "prod" }) });
    const { report } = await runFunction<RenewReport>("renew-flag", emu, RULES);
    expect(report.scanned).toBe(280);
    expect(report.outcomes.done).toBe(280);
    const writes = emu
      .callsFor("ModifyInstancesRenewFlag")
      .map((c) => c.params as { InstanceIds: string[]; RenewFlag: string });
    expect(writes.map((w) => `${w.RenewFlag}:${w.InstanceIds.length}`).sort()).toEqual(
      [
        "NOTIFY_AND_AUTO_RENEW:100",
        "NOTIFY_AND_AUTO_RENEW:100",
        "NOTIFY_AND_AUTO_RENEW:50",
        "NOTIFY_AND_MANUAL_RENEW:30",
      ].sort(),
    );
    expect(
      [...emu.state.instances.values()]
        .filter((i) => i.InstanceChargeType === "PREPAID" && i.Tags![0]!.Value === "prod")
        .every((i) => i.RenewFlag === "NOTIFY_AND_AUTO_RENEW"),
    ).toBe(true);
    const second = await runFunction<RenewReport>("renew-flag", emu, RULES);
    expect(second.report.byKind).toEqual({ compliant: 280 });
    expect(emu.callsFor("ModifyInstancesRenewFlag")).toHaveLength(4);
  });

  it("one id failing with InvalidInstanceId.NotFound: the rest of its batch still changes", async () => {
    const emu = await emulator();
    const xs = Array.from({ length: 9 }, () =>
      emu.state.addInstance({
        Region: GZ,
        InstanceChargeType: "PREPAID",
        RenewFlag: "NOTIFY_AND_MANUAL_RENEW",
        Tags: tags({ env: "prod" }),
      }),
    );
    const gone = xs[4]!.InstanceId;
    emu.faults.add({
      action: "ModifyInstancesRenewFlag",
      kind: "error",
      code: "InvalidInstanceId.NotFound",
      match: (p) => (p.InstanceIds as string[]).includes(gone),
    });
    const { report } = await runFunction<RenewReport>("renew-flag", emu, RULES);
    expect(report.outcomes).toMatchObject({ done: 8, failed: 1 });
    expect(report.errors).toEqual([
      expect.objectContaining({ id: gone, code: "InvalidInstanceId.NotFound", requestId: expect.any(String) }),
    ]);
  });

  it("dry-run shows the diff and changes nothing", async () => {
    const emu = await emulator();
    const a = emu.state.addInstance({
      Region: GZ,
      InstanceChargeType: "PREPAID",
      RenewFlag: "NOTIFY_AND_MANUAL_RENEW",
      Tags: tags({ env: "prod" }),
    });
    const { report } = await runFunction<RenewReport>("renew-flag", emu, { ...RULES, DRY_RUN: "1" });
    expect(report.results).toEqual([
      expect.objectContaining({
        id: a.InstanceId,
        outcome: "planned",
        kind: "to NOTIFY_AND_AUTO_RENEW",
        detail: { from: "NOTIFY_AND_MANUAL_RENEW", to: "NOTIFY_AND_AUTO_RENEW" },
      }),
    ]);
    expect(emu.callsFor("ModifyInstancesRenewFlag")).toHaveLength(0);
    expect(emu.state.instances.get(a.InstanceId)!.RenewFlag).toBe("NOTIFY_AND_MANUAL_RENEW");
  });

  it("warns about expiring instances that will not auto-renew, across regions", async () => {
    const emu = await emulator();
    const soon = emu.state.addInstance({
      Region: "ap-shanghai",
      InstanceChargeType: "PREPAID",
      RenewFlag: "NOTIFY_AND_MANUAL_RENEW",
      ExpiredTime: new Date(Date.now() + 2 * 86400_000).toISOString(),
    });
    const { report } = await runFunction<RenewReport>("renew-flag", emu, { REGIONS: "ap-guangzhou,ap-shanghai" });
    expect(report.notes.warnings!.map((w) => w.instanceId)).toEqual([soon.InstanceId]);
    expect(report.byKind).toEqual({ "no rule matches": 1 });
  });

  it("the report stays bounded: past 1,000 expiry warnings the list stops and notesCount holds the total (issue 19)", async () => {
    const emu = await emulator();
    const soon = new Date(Date.now() + 2 * 86400_000).toISOString();
    for (const Region of ["ap-guangzhou", "ap-shanghai"]) {
      for (let i = 0; i < 600; i++)
        emu.state.addInstance({
          Region,
          InstanceChargeType: "PREPAID",
          RenewFlag: "NOTIFY_AND_MANUAL_RENEW",
          ExpiredTime: soon,
        });
    }
    const { report } = await runFunction<RenewReport>("renew-flag", emu, { REGIONS: "ap-guangzhou,ap-shanghai" });
    expect(report.notes.warnings).toHaveLength(1000);
    expect(report.notesCount).toEqual({ warnings: 1200 });
    expect(summarize({ name: "renew-flag" }, report)).toContain("warnings 1200");
  });

  it("writes start while the listing is still read: with no guard, 100 changes to one flag are one call at once (issue 19)", async () => {
    const done: string[] = [];
    const emu = await emulator({
      afterRequest: (c) =>
        done.push(
          c.action === "DescribeInstances" ? `page ${(c.params as { Offset?: number }).Offset}` : String(c.action),
        ),
    });
    for (let i = 0; i < 800; i++)
      emu.state.addInstance({
        Region: GZ,
        InstanceChargeType: "PREPAID",
        RenewFlag: "NOTIFY_AND_MANUAL_RENEW",
        Tags: tags({ env: "prod" }),
      });
    // The last page is held until a write has arrived (at most 2 s): a run whose writes waited for
    // the whole listing would answer it first.
    emu.faults.add({
      action: "DescribeInstances",
      kind: "slow",
      delayMs: 2000,
      match: (p) => p.Offset === 700,
      until: () => emu.callsFor("ModifyInstancesRenewFlag").length > 0,
    });
    const { report } = await runFunction<RenewReport>("renew-flag", emu, { ...RULES, REGIONS: GZ });
    expect(report.outcomes.done).toBe(800);
    expect(emu.callsFor("ModifyInstancesRenewFlag")).toHaveLength(8);
    expect(done.indexOf("ModifyInstancesRenewFlag")).toBeLessThan(done.indexOf("page 700"));
  });

  it("a write already made is reported when its region fails later in the listing", async () => {
    const emu = await emulator();
    for (let i = 0; i < 800; i++)
      emu.state.addInstance({
        Region: GZ,
        InstanceChargeType: "PREPAID",
        RenewFlag: "NOTIFY_AND_MANUAL_RENEW",
        Tags: tags({ env: "prod" }),
      });
    emu.faults.add({
      action: "DescribeInstances",
      kind: "slow",
      delayMs: 2000,
      match: (p) => p.Offset === 700,
      until: () => emu.callsFor("ModifyInstancesRenewFlag").length > 0,
    });
    emu.faults.add({
      action: "DescribeInstances",
      kind: "error",
      code: "UnauthorizedOperation",
      match: (p) => p.Offset === 700,
    });
    const { report } = await runFunction<RenewReport>("renew-flag", emu, { ...RULES, REGIONS: GZ });
    const written = emu.callsFor("ModifyInstancesRenewFlag").length;
    expect(written).toBeGreaterThan(0);
    expect(report.outcomes.done).toBe(written * 100);
    expect(report.errors).toEqual([expect.objectContaining({ region: GZ, code: "UnauthorizedOperation" })]);
  });

  it("a function with a guard cannot stream its writes", () => {
    expect(() =>
      defineFunction({ ...renewFlag, guard: () => ({ tripped: false, inScope: 0, wouldAct: 0, limit: 0 }) }),
    ).toThrow(/guard cannot stream/);
  });
});
