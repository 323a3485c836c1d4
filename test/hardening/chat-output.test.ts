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
import type { RunReport } from "../../lib/runtime/report.ts";
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
