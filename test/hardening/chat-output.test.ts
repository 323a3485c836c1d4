/**
 * What reaches people, attacked: a chat server whose error reply echoes the request URL (and so
 * the robot token), and instance names any tenant can set to markdown that would be a phishing
 * link or a mention. Invariants: no secret in any output (stdout, the --out report, the report a
 * handler returns); no name becomes markup in a chat message.
 */
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RunReport } from "../../lib/report/report.ts";
import { parseDestination, type Destination } from "../../lib/config/destinations.ts";
import { notifyRun } from "../../lib/notify/notify.ts";
import { memoryLogger } from "../../lib/log/logger.ts";
import { chatServer } from "../helpers/chat-server.ts";
import { runCli } from "../helpers/cli.ts";
import { envFor, runFunction } from "../helpers/functions.ts";
import { emulator } from "../helpers/world.ts";

const TOKENS = ["wecom-key-0123456789", "ding-token-0123456789", "T000/B000/slacksecret0123456789"];
const leaks = (text: string) =>
  TOKENS.filter(
    (t) => text.includes(t) || text.includes(encodeURIComponent(t)) || text.includes(t.replaceAll("/", "\\/")),
  );

describe("a chat server that echoes its URL", () => {
  it("the robot token reaches no output: not the report, not stdout, not the --out file", async () => {
    const emu = await emulator();
    emu.state.addInstance({ Region: "ap-guangzhou", profile: { cpu: 1, traffic: 0 } });
    const chat = await chatServer({ echoUrl: true });
    const urls = [chat.urls.wecom, chat.urls.dingtalk, chat.urls.slack].join(",");
    const { report } = await runFunction<RunReport>(
      "auto-stop-idle",
      emu,
      { NOTIFY_URLS: urls, NOTIFY_DINGTALK_SECRET: "ding-secret-0123456789" },
      { dryRun: true },
    );
    expect(report.notifications?.length).toBe(3);
    expect(report.notifications!.every((n) => !n.ok && n.error)).toBe(true);
    expect(leaks(JSON.stringify(report))).toEqual([]);
    const dir = mkdtempSync(join(tmpdir(), "autopilot-out-"));
    const cli = await runCli(
      ["run", "auto-stop-idle", "--dry-run", "-o", "json", "--out", dir],
      envFor(emu, { NOTIFY_URLS: urls, NOTIFY_DINGTALK_SECRET: "ding-secret-0123456789" }),
    );
    expect(JSON.parse(cli.stdout).notifications).toHaveLength(3);
    const saved = readdirSync(join(dir, "auto-stop-idle"))
      .map((f) => readFileSync(join(dir, "auto-stop-idle", f), "utf8"))
      .join("\n");
    expect(leaks(cli.stdout + cli.stderr + saved)).toEqual([]);
  });
});

describe("instance names that are markdown", () => {
  const HOSTILE = [
    "[点击确认停机](https://evil.example/login)",
    "<@all>",
    '<font color="warning">urgent</font>',
    "**bold** _x_ `code` #h",
  ];
  it("are shown inert in WeCom and DingTalk (no link, mention or tag) and escaped in Slack", async () => {
    const emu = await emulator();
    for (const name of HOSTILE)
      emu.state.addInstance({ Region: "ap-guangzhou", InstanceName: name, profile: { cpu: 1, traffic: 0 } });
    const chat = await chatServer({ dingtalkSecret: "ding-secret-0123456789" });
    await runFunction(
      "auto-stop-idle",
      emu,
      {
        NOTIFY_URLS: [chat.urls.wecom, chat.urls.dingtalk, chat.urls.slack].join(","),
        NOTIFY_DINGTALK_SECRET: "ding-secret-0123456789",
        AUTO_STOP_MAX_FRACTION: "1",
      },
      { dryRun: true },
    );
    expect(chat.received.map((r) => r.kind).sort()).toEqual(["dingtalk", "slack", "wecom"]);
    for (const r of chat.received.filter((x) => x.kind !== "slack")) {
      expect(r.text, r.kind).not.toMatch(/\]\(|<@|<font|\*\*bold|`code`/);
      // Still readable: the name's words are there.
      expect(r.text).toContain("点击确认停机");
    }
    const slack = chat.received.find((x) => x.kind === "slack")!.text;
    expect(slack).not.toMatch(/<@all>|<font/);
  });
});

/**
 * 30 warned machines over 5 owners, each owner tag in one service's mention shape (Slack member
 * ids, Feishu open_ids, a mobile, plain userids): every machine with its three links in some
 * message of every service, every owner named in each, mentioned where the service can, and no
 * message over its robot's limit.
 */
const OWNERS = ["U0ALICE01", "U0BOB0002", "ou_carol0003x", "ou_dave00004x", "13800001111"];
const KINDS = ["wecom", "dingtalk", "slack", "feishu"] as const;
const LIMIT = (r: { kind: string; text: string; bytes: number }) =>
  r.kind === "feishu" ? r.bytes <= 20 * 1024 : Buffer.byteLength(r.text) <= 4096;
const FEISHU = "feishu-signing-secret-0123456789";

async function warnedFleet(machines: number) {
  const emu = await emulator();
  const ids: string[] = [];
  for (let i = 0; i < machines; i++)
    ids.push(
      emu.state.addInstance({
        Region: "ap-guangzhou",
        InstanceName: `dev-box-${String(i).padStart(2, "0")}`,
        profile: { cpu: 1, traffic: 0 },
        Tags: [{ Key: "autopilot:owner", Value: OWNERS[i % OWNERS.length]! }],
      }).InstanceId,
    );
  const chat = await chatServer({ dingtalkSecret: "ding-secret-0123456789", feishuSecret: FEISHU });
  const env = {
    NOTIFY_URLS: KINDS.map((k) => chat.urls[k]).join(","),
    NOTIFY_DINGTALK_SECRET: "ding-secret-0123456789",
    NOTIFY_FEISHU_SECRET: FEISHU,
    AUTO_STOP_MAX_FRACTION: "1",
    AUTO_STOP_WARN_MINUTES: "30",
    AUTO_STOP_LINK_URL: "https://1250000000-abc.ap-guangzhou.tencentscf.com",
    WEBHOOK_SECRET: "link-secret-0123456789abcdef0123456789",
  };
  const { report } = await runFunction<RunReport>("auto-stop-idle", emu, env);
  return { emu, ids, chat, report, env };
}

describe("every warned machine reaches its owner", () => {
  it("30 warned machines over 5 owners: all with their links, every owner named and mentioned, each message within its robot's limit", async () => {
    const { ids, chat, report } = await warnedFleet(30);
    expect(report.results.filter((r) => r.action === "warn" && r.outcome === "done")).toHaveLength(30);
    expect(chat.refused).toEqual([]);
    expect(report.notifications!.every((n) => n.ok)).toBe(true);
    for (const kind of KINDS) {
      const got = chat.received.filter((r) => r.kind === kind);
      expect(got.length, kind).toBeGreaterThan(1);
      expect(got.length, kind).toBeLessThanOrEqual(10);
      for (const m of got) expect(LIMIT(m), `${kind} ${m.bytes} bytes`).toBe(true);
      const all = got.map((m) => m.text).join("\n");
      // Nothing stopped: the headline says warned, never done.
      expect(got[0]!.text).toContain("warned 30");
      expect(got[0]!.text).toContain("writes: 30 tagged as warned");
      expect(all).not.toMatch(/done 30|and \d+ more: their links/);
      for (const id of ids) {
        expect(all.split(`instance=${id}&`).length - 1, `${kind} ${id}`).toBe(3);
        for (const label of ["keep running 2 h", "stop now"]) expect(all).toContain(`${label}`);
      }
      for (const o of OWNERS) expect(all, `${kind} names ${o}`).toContain(`owner ${o}`);
    }
    const text = (kind: string) =>
      chat.received
        .filter((r) => r.kind === kind)
        .map((m) => m.text)
        .join("\n");
    for (const o of OWNERS) expect(text("wecom")).toContain(`<@${o}>`);
    for (const o of ["U0ALICE01", "U0BOB0002"]) expect(text("slack")).toContain(`<@${o}>`);
    // Slack's links are <url|label>, the address as written (its & escaped, as Slack requires).
    expect(text("slack").match(/<https:\/\/[^|>]+\|stop now>/g)).toHaveLength(30);
    for (const o of ["ou_carol0003x", "ou_dave00004x"]) expect(text("feishu")).toContain(`@${o}`);
    const at = chat.received
      .filter((r) => r.kind === "dingtalk")
      .flatMap((r) => {
        const a = r.body.at as { atMobiles?: string[]; atUserIds?: string[] } | undefined;
        // Each @ written in the text is in the message's own `at` field, as DingTalk requires.
        for (const m of r.text.match(/(?<=@)[\w+-]+/g) ?? [])
          expect([...(a?.atMobiles ?? []), ...(a?.atUserIds ?? [])]).toContain(m);
        return [...(a?.atMobiles ?? []), ...(a?.atUserIds ?? [])];
      });
    expect(new Set(at)).toEqual(new Set(OWNERS));
  });
});

describe("past a robot's limits", () => {
  it("120 warned machines: at most 10 messages a robot, 3 s apart for WeCom; the last lists the rest by owner, every owner named, and says where their links are", async () => {
    const { report, chat } = await warnedFleet(120);
    const wecom = chat.received.filter((r) => r.kind === "wecom");
    expect(wecom).toHaveLength(10);
    for (const m of wecom) expect(Buffer.byteLength(m.text)).toBeLessThanOrEqual(4096);
    const last = wecom.at(-1)!.text;
    expect(last).toContain("Their links are in the run's report");
    expect(last).toMatch(/owner \w+.*<@\w+>/);
    const all = wecom.map((m) => m.text).join("\n");
    for (const o of OWNERS) expect(all).toContain(`<@${o}>`);
    // Every machine is named somewhere: with its links, or in the last message's list.
    for (const r of report.results) expect(all).toContain(r.id);
    // The pacing itself, through the notifier with a recording clock: one robot, 60 s / 20 apart.
    const slept: number[] = [];
    const dest = parseDestination(chat.urls.wecom) as Destination;
    const sent = await notifyRun(
      { destinations: [dest], always: false, secret: undefined, dingtalkSecret: undefined },
      report,
      { logger: memoryLogger(), sleep: async (ms) => void slept.push(ms) },
    );
    expect(sent).toEqual([expect.objectContaining({ ok: true, messages: { sent: 10, of: 10 } })]);
    expect(slept).toEqual(Array.from({ length: 9 }, () => 3000));
  });

  it("runs that together pass DingTalk's 20 a minute: the 21st message is refused with 130101, not retried, and the rest of that run's messages are not sent", async () => {
    const { report, chat } = await warnedFleet(30);
    const dest = parseDestination(chat.urls.dingtalk) as Destination;
    const n = { destinations: [dest], always: false, secret: undefined, dingtalkSecret: "ding-secret-0123456789" };
    const deps = { logger: memoryLogger(), sleep: async () => {} };
    const before = chat.received.filter((r) => r.kind === "dingtalk").length;
    const runs = [];
    // The robot's minute, in real time: these runs' spacing is slept on a test clock.
    while (runs.length < 5) runs.push((await notifyRun(n, report, deps))[0]!);
    const failed = runs.find((d) => !d.ok)!;
    expect(failed.error).toMatch(/errcode 130101: .* messages not sent/);
    expect(failed.attempts).toBe(failed.messages!.sent + 1);
    expect(chat.received.filter((r) => r.kind === "dingtalk")).toHaveLength(20);
    expect(before).toBeGreaterThan(1);
  });

  it("a Feishu robot whose secret does not match answers 19021: reported, nothing else sent to it", async () => {
    const emu = await emulator();
    emu.state.addInstance({ Region: "ap-guangzhou", profile: { cpu: 1, traffic: 0 } });
    const chat = await chatServer({ feishuSecret: FEISHU });
    const { report } = await runFunction<RunReport>(
      "auto-stop-idle",
      emu,
      { NOTIFY_URLS: chat.urls.feishu, NOTIFY_FEISHU_SECRET: "another-secret-0123456789" },
      { dryRun: true },
    );
    expect(chat.received).toEqual([]);
    expect(report.notifications).toEqual([expect.objectContaining({ ok: false, attempts: 1 })]);
    expect(report.notifications![0]!.error).toMatch(/^code 19021: /);
    expect(JSON.stringify(report)).not.toContain("feishu-hook-0123456789");
  });
});

describe("our own words reach people as written", () => {
  it("renew-flag: RENEW_DEFAULT_FLAG and day(s) unchanged, the flag set from → to, the expiring machine named", async () => {
    const emu = await emulator();
    const soon = new Date(Date.now() + 3 * 86400_000).toISOString().replace(/\.\d+Z$/, "Z");
    emu.state.addInstance({
      Region: "ap-guangzhou",
      InstanceChargeType: "PREPAID",
      RenewFlag: "NOTIFY_AND_AUTO_RENEW",
      ExpiredTime: soon,
      InstanceName: "billing_db [primary]",
    });
    const chat = await chatServer();
    await runFunction("renew-flag", emu, {
      NOTIFY_URLS: `${chat.urls.wecom},${chat.urls.slack}`,
      RENEW_DEFAULT_FLAG: "NOTIFY_AND_MANUAL_RENEW",
    });
    for (const m of chat.received) {
      expect(m.text, m.kind).toContain("NOTIFY_AND_AUTO_RENEW → NOTIFY_AND_MANUAL_RENEW (RENEW_DEFAULT_FLAG)");
      expect(m.text).toMatch(/billing_db .primary. \(ins-\w+, ap-guangzhou\) expires in 2 day\(s\)/);
      expect(m.text).not.toMatch(/[＿（）]/);
      expect(m.text).not.toMatch(/not the machine asked about/);
    }
    // Only the tenant's brackets become look-alikes in WeCom markdown: no link can start there.
    expect(chat.received.find((m) => m.kind === "wecom")!.text).toContain("billing_db ［primary］");
  });
});
