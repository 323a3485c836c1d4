/**
 * NOTIFY_URLS (issue 18): one aggregated message per run, in each service's documented shape,
 * sent from every trigger, bounded for a run of 1,000 stops, retried briefly, never failing the
 * run, and never showing a token.
 */
import { describe, expect, it } from "vitest";
import type { AutoStopReport } from "../functions/auto-stop-idle/index.ts";
import type { RenewReport } from "../functions/renew-flag/index.ts";
import { FUNCTIONS } from "../functions/registry.ts";
import { makeHandlers } from "../lib/host/adapters.ts";
import { memoryLogger } from "../lib/log/logger.ts";
import type { RunReport } from "../lib/report/report.ts";
import { chatServer } from "./helpers/chat-server.ts";
import { envFor, runFunction } from "./helpers/functions.ts";
import { scfTimer } from "./helpers/events.ts";
import { emulator } from "./helpers/world.ts";

const GZ = "ap-guangzhou";
const idle = { cpu: 1, traffic: 0.01 };
const JSON_SECRET = "notify-secret-0123456789abcdef0123456789";
const DING_SECRET = "SECdingtalk0123456789abcdef0123456789abcdef";
const FEISHU_SECRET = "feishu-signing-secret-0123456789";
const FIVE = ["dingtalk", "feishu", "json", "slack", "wecom"];

async function setUp(chatOpts: Parameters<typeof chatServer>[0] = {}) {
  const chat = await chatServer({
    jsonSecret: JSON_SECRET,
    dingtalkSecret: DING_SECRET,
    feishuSecret: FEISHU_SECRET,
    ...chatOpts,
  });
  const env = {
    NOTIFY_URLS: Object.values(chat.urls).join(","),
    NOTIFY_SECRET: JSON_SECRET,
    NOTIFY_DINGTALK_SECRET: DING_SECRET,
    NOTIFY_FEISHU_SECRET: FEISHU_SECRET,
    AUTO_STOP_PRICES: "S5.LARGE8=0.64",
  };
  return { chat, env };
}

describe("notifications", () => {
  it("a run that stops machines sends one message to each of the five services, naming them, their reasons and the savings", async () => {
    const emu = await emulator();
    const { chat, env } = await setUp();
    const a = emu.state.addInstance({
      Region: GZ,
      profile: idle,
      InstanceType: "S5.LARGE8",
      InstanceName: "build-agent-7",
    });
    emu.state.addInstance({ Region: GZ, profile: { cpu: 60, traffic: 4 } });
    const { report } = await runFunction<AutoStopReport>("auto-stop-idle", emu, env);
    expect(chat.refused).toEqual([]);
    expect(chat.received.map((r) => r.kind).sort()).toEqual(FIVE);
    for (const m of chat.received) {
      expect(m.text).toContain("auto-stop-idle");
      expect(m.text).toContain("build-agent-7");
      expect(m.text).toContain(a.InstanceId);
      expect(m.text).toMatch(/idle|CPU/i);
      expect(m.text).toContain("0.64 CNY/hour");
      expect(m.text).toContain(report.runId);
      expect(m.text).toContain(GZ);
      // The account it ran in, as GetCallerIdentity names it.
      expect(m.text).toContain("100000000001");
    }
    const json = chat.received.find((r) => r.kind === "json")!.body;
    expect(json).toMatchObject({
      function: "auto-stop-idle",
      runId: report.runId,
      outcomes: { done: 1 },
      resultsCount: 1,
    });
    // The report says where the message went by service and host only.
    expect(report.notifications!.map((n) => n.ok)).toEqual([true, true, true, true, true]);
    expect(JSON.stringify(report.notifications)).not.toMatch(/wecom-key|ding-token|slacksecret|feishu-hook/);
    expect(report.notifications!.map((n) => n.to)).toContain(`wecom ${new URL(chat.urls.wecom.slice(6)).host}`);
  });

  it("an uneventful run sends nothing; NOTIFY_ALWAYS=true sends anyway", async () => {
    const emu = await emulator();
    const { chat, env } = await setUp();
    emu.state.addInstance({ Region: GZ, profile: { cpu: 60, traffic: 4 } });
    const quiet = await runFunction<AutoStopReport>("auto-stop-idle", emu, env);
    expect(chat.requests()).toBe(0);
    expect(quiet.report.notifications).toBeUndefined();
    await runFunction<AutoStopReport>("auto-stop-idle", emu, { ...env, NOTIFY_ALWAYS: "true" });
    expect(chat.received).toHaveLength(5);
    expect(chat.received[0]!.text).toContain("done 0");
  });

  it("a dry run's plan and a tripped guard are each worth a message, and say so", async () => {
    const emu = await emulator();
    const { chat, env } = await setUp();
    for (let i = 0; i < 3; i++) emu.state.addInstance({ Region: GZ, profile: idle, InstanceType: "S5.LARGE8" });
    for (let i = 0; i < 4; i++) emu.state.addInstance({ Region: GZ, profile: { cpu: 60, traffic: 4 } });
    await runFunction("auto-stop-idle", emu, { ...env, NOTIFY_URLS: chat.urls.wecom }, { dryRun: true });
    expect(chat.received.at(-1)!.text).toMatch(/dry run.*would act on 3/);
    await runFunction("auto-stop-idle", emu, { ...env, NOTIFY_URLS: chat.urls.wecom, AUTO_STOP_MAX_COUNT: "2" });
    expect(chat.received.at(-1)!.text).toContain("blast-radius guard tripped");
    expect(emu.callsFor("StopInstances")).toHaveLength(0);
  });

  it("renew-flag's expiry warnings and key-rotation's results reach the message", async () => {
    const emu = await emulator();
    const { chat, env } = await setUp();
    const soon = new Date(Date.now() + 3 * 86400_000).toISOString().replace(/\.\d+Z$/, "Z");
    const p = emu.state.addInstance({
      Region: GZ,
      InstanceChargeType: "PREPAID",
      RenewFlag: "NOTIFY_AND_MANUAL_RENEW",
      ExpiredTime: soon,
      InstanceName: "billing-db",
    });
    const { report } = await runFunction<RenewReport>("renew-flag", emu, { ...env, NOTIFY_URLS: chat.urls.wecom });
    expect(report.notes.warnings).toHaveLength(1);
    const text = chat.received.at(-1)!.text;
    expect(text).toContain("Warnings");
    expect(text).toContain(p.InstanceId);
    expect(text).toMatch(/expire/i);

    const { seedRegion } = await import("./helpers/keys.ts");
    const f = seedRegion(emu.state, GZ);
    const rotation = await runFunction<RunReport>("key-rotation", emu, {
      ...env,
      NOTIFY_URLS: chat.urls.wecom,
      REGIONS: GZ,
    });
    const done = rotation.report.results.filter((r) => r.action === "rotate" && r.outcome === "done");
    expect(done.length).toBeGreaterThan(0);
    const rotated = chat.received.at(-1)!.text;
    expect(rotated).toContain("cvm-autopilot key-rotation");
    expect(rotated).toContain(`done ${rotation.report.outcomes.done}`);
    for (const r of done.slice(0, 3)) expect(rotated).toContain(r.id);
    // The keyless instance every seeded fleet has is an error worth naming, with its code.
    expect(rotated).toContain("KeyRotation.NoKeyBound");
    expect(f.key.KeyId).toBeTruthy();
  });

  it("a receiver that fails twice is retried and reached; one that keeps failing is reported, and the run's stops stand", async () => {
    const emu = await emulator();
    const flaky = await setUp({ failFirst: [{ status: 503 }, { errcode: 45009 }] });
    flaky.env = { ...flaky.env, AUTO_STOP_MAX_FRACTION: "1" } as typeof flaky.env;
    const a = emu.state.addInstance({ Region: GZ, profile: idle, InstanceType: "S5.LARGE8" });
    const first = await runFunction<AutoStopReport>("auto-stop-idle", emu, {
      ...flaky.env,
      NOTIFY_URLS: flaky.chat.urls.wecom,
    });
    expect(first.report.notifications).toEqual([expect.objectContaining({ ok: true, attempts: 3 })]);
    expect(flaky.chat.received).toHaveLength(1);

    const down = await setUp({ failFirst: Array.from({ length: 10 }, () => ({ status: 500 })) });
    down.env = { ...down.env, AUTO_STOP_MAX_FRACTION: "1" } as typeof down.env;
    const b = emu.state.addInstance({ Region: GZ, profile: idle, InstanceType: "S5.LARGE8" });
    const second = await runFunction<AutoStopReport>("auto-stop-idle", emu, {
      ...down.env,
      NOTIFY_URLS: down.chat.urls.wecom,
    });
    expect(down.chat.requests()).toBe(3);
    expect(second.report.notifications).toEqual([expect.objectContaining({ ok: false, attempts: 3, status: 500 })]);
    expect(second.report.errors).toEqual([]);
    expect(second.report.outcomes.done).toBe(1);
    for (const i of [a, b]) expect(emu.state.instances.get(i.InstanceId)!.InstanceState).toBe("STOPPED");
    const logged = JSON.stringify(second.log.records());
    expect(logged).toContain("notification not delivered");
    expect(logged).not.toContain("wecom-key-0123456789");
  });

  it("1,000 stops through the deployed SCF handler: one message per destination, each within its size limit", {
    timeout: 90_000,
  }, async () => {
    const emu = await emulator();
    const { chat, env } = await setUp();
    for (let i = 0; i < 1000; i++)
      emu.state.addInstance({
        Region: GZ,
        profile: idle,
        InstanceType: "S5.LARGE8",
        InstanceName: `batch-worker-${i}`,
      });
    const log = memoryLogger();
    const h = makeHandlers(FUNCTIONS["auto-stop-idle"]!, {
      env: { ...envFor(emu, env), AUTO_STOP_MAX_FRACTION: "1" },
      logger: log,
    });
    const report = (await h.main_handler(scfTimer(), { request_id: "scf-1" })) as unknown as RunReport;
    expect(report.outcomes.done).toBe(1000);
    expect(chat.refused).toEqual([]);
    expect(chat.received.map((r) => r.kind).sort()).toEqual(FIVE);
    for (const m of chat.received) {
      expect(m.text).toContain("done 1000");
      expect(m.text).toMatch(/… and 99\d more/);
      expect(m.text).toContain("640 CNY/hour");
      if (m.kind === "feishu") expect(m.bytes).toBeLessThanOrEqual(20 * 1024);
      else if (m.kind !== "json") expect(Buffer.byteLength(m.text)).toBeLessThanOrEqual(4096);
      expect(m.bytes).toBeLessThan(64 * 1024);
    }
  });

  it("a run that fails outright still sends its message, with the code and RequestId", async () => {
    const emu = await emulator();
    const { chat, env } = await setUp();
    emu.faults.add({ action: "DescribeRegions", kind: "error", code: "AuthFailure.UnauthorizedOperation" });
    await expect(
      runFunction("auto-stop-idle", emu, {
        ...env,
        NOTIFY_URLS: chat.urls.slack,
        REGIONS: "all",
        CVM_AUTOPILOT_MAX_ATTEMPTS: "1",
      }),
    ).rejects.toThrow();
    expect(chat.received).toHaveLength(1);
    expect(chat.received[0]!.text).toContain("run failed");
    expect(chat.received[0]!.text).toContain("AuthFailure.UnauthorizedOperation");
    expect(chat.received[0]!.text).toMatch(/RequestId [0-9a-f-]{36}/);
  });

  it.each([
    [{ NOTIFY_URLS: "not a url" }, /NOTIFY_URLS: "…" is not a URL/],
    [
      { NOTIFY_URLS: "http://chat.example.com/hook?key=abc" },
      /NOTIFY_URLS: http:\/\/chat\.example\.com must use https/,
    ],
    [{ NOTIFY_URLS: "https://chat.example.com/hook" }, /NOTIFY_SECRET: required for a generic JSON destination/],
    [
      { NOTIFY_URLS: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", NOTIFY_SECRET: "short" },
      /NOTIFY_SECRET: at least 32 characters/,
    ],
  ])("config %j is refused with the variable named", async (extra, message) => {
    const emu = await emulator();
    let err: Error | undefined;
    try {
      FUNCTIONS["auto-stop-idle"]!.load(envFor(emu, extra));
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message).toMatch(message);
    expect(err?.message).not.toContain("key=abc");
  });

  it("service is read from the host: WeCom, DingTalk, Slack and Feishu/Lark addresses need no prefix", async () => {
    const emu = await emulator();
    const { config: c } = FUNCTIONS["auto-stop-idle"]!.load(
      envFor(emu, {
        NOTIFY_URLS:
          "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k1x2y3z4, https://oapi.dingtalk.com/robot/send?access_token=t1x2y3z4 https://hooks.slack.com/services/T1/B2/abcdef123456 https://open.larksuite.com/open-apis/bot/v2/hook/f1e2d3c4",
      }),
    );
    expect(c.notify.destinations.map((d) => d.label)).toEqual([
      "wecom qyapi.weixin.qq.com",
      "dingtalk oapi.dingtalk.com",
      "slack hooks.slack.com",
      "feishu open.larksuite.com",
    ]);
  });
});

describe("notifications through `cvm-autopilot serve`", () => {
  it("a signed webhook run sends one message per destination, and the serve log never shows a token", async () => {
    const { startCli } = await import("./helpers/cli.ts");
    const { signedHeaders } = await import("./helpers/events.ts");
    const emu = await emulator();
    const { chat, env } = await setUp();
    emu.state.addInstance({ Region: GZ, profile: idle, InstanceType: "S5.LARGE8", InstanceName: "ci-runner-3" });
    emu.state.addInstance({ Region: GZ, profile: { cpu: 60, traffic: 4 } });
    const secret = "serve-secret-0123456789abcdef0123456789";
    const { child, output } = await startCli(
      ["serve"],
      { ...envFor(emu, env), WEBHOOK_SECRET: secret, PORT: "0", SERVE_FUNCTIONS: "auto-stop-idle", LOG_FILE: "-" },
      /schedules \(UTC\)/,
      30_000,
    );
    try {
      const url = /webhooks: POST (\S+)\/run\//.exec(output())![1]!;
      const body = "{}";
      const res = await fetch(`${url}/run/auto-stop-idle`, {
        method: "POST",
        body,
        headers: signedHeaders(secret, body),
      });
      expect(res.status).toBe(200);
      const report = (await res.json()) as RunReport;
      expect(report.notifications).toHaveLength(5);
      expect(chat.received.map((r) => r.kind).sort()).toEqual(FIVE);
      for (const m of chat.received) expect(m.text).toContain("ci-runner-3");
      expect(output()).toContain("notification sent");
      expect(output()).not.toMatch(
        /wecom-key-0123456789|ding-token-0123456789|slacksecret0123456789|feishu-hook-0123456789/,
      );
    } finally {
      child.kill("SIGINT");
      await new Promise((resolve) => child.on("close", resolve));
    }
  });
});
