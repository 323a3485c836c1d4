/**
 * Warn before stopping, with signed snooze links: end to end on the emulator through `serve`
 * (the message to the local chat stand-in, the link followed over HTTP, the runs after it), and
 * the same links through the SCF and Lambda function-URL events.
 */
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import type { Emulator } from "../emulator/server.ts";
import type { AutoStopReport } from "../functions/auto-stop-idle/index.ts";
import { FUNCTIONS, REGISTRY } from "../functions/registry.ts";
import { memoryLogger } from "../lib/log/logger.ts";
import { makeHandlers, type HttpReply } from "../lib/host/adapters.ts";
import { startLocalServer } from "../lib/host/local-server.ts";
import { linkQuery, SNOOZE_TAG } from "../lib/snooze/snooze.ts";
import { warningTagKey } from "../lib/snooze/warning-tag.ts";
import { chatServer } from "./helpers/chat-server.ts";
import { envFor, runFunction } from "./helpers/functions.ts";
import { httpApiV2, scfFunctionUrl } from "./helpers/events.ts";
import { emulator } from "./helpers/world.ts";

const GZ = "ap-guangzhou";
const SECRET = "snooze-secret-0123456789abcdef0123456789";
const idle = { cpu: 1, traffic: 0.01 };
const tag = (emu: Emulator, id: string, key: string) =>
  emu.state.instances.get(id)!.Tags?.find((t) => t.Key === key)?.Value;
const state = (emu: Emulator, id: string) => emu.state.settle(emu.state.instances.get(id)!).InstanceState;
const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

describe("warn first, snooze links, through serve", () => {
  it("warns with signed links in the chat message; a followed link snoozes; after expiry it is warned again; stop now stops; bad links change nothing", async () => {
    const emu = await emulator();
    const chat = await chatServer();
    const machine = emu.state.addInstance({ Region: GZ, profile: idle, InstanceName: "dev-box-1" });
    const busy = emu.state.addInstance({ Region: GZ, profile: { cpu: 60, traffic: 4 } });
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const env = {
      ...envFor(emu),
      REGIONS: GZ,
      WEBHOOK_SECRET: SECRET,
      AUTO_STOP_WARN_MINUTES: "30",
      AUTO_STOP_LINK_URL: base,
      NOTIFY_URLS: chat.urls.wecom,
      SERVE_FUNCTIONS: "auto-stop-idle",
      AUTO_STOP_MAX_FRACTION: "1",
    };
    const log = memoryLogger();
    const server = await startLocalServer({
      functions: REGISTRY,
      env,
      port,
      logger: log,
      say: () => {},
      schedules: false,
    });
    try {
      // 1. Idle: warned, not stopped; the stop-after tag written; the message carries the links.
      const first = (await server.runOnce("auto-stop-idle", { source: "cli" })) as AutoStopReport;
      expect(first.results.map((r) => [r.id, r.action, r.outcome])).toEqual([[machine.InstanceId, "warn", "done"]]);
      expect(state(emu, machine.InstanceId)).toBe("RUNNING");
      expect(tag(emu, machine.InstanceId, warningTagKey("auto-stop-idle"))).toMatch(
        /^at=\S+Z stop=\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00Z run=none seal=[\w-]{22}$/,
      );
      const text = chat.received.at(-1)!.text;
      expect(text).toMatch(
        new RegExp(
          `\\[keep running 2 h\\]\\(${base.replace(/[.]/g, "\\.")}/snooze\\?instance=${machine.InstanceId}&region=ap-guangzhou&account=&until=[^&]+&exp=\\d+&run=none&sig=[\\w-]+\\)`,
        ),
      );
      expect(text).toContain("[stop now](");
      const keep = /\[keep running 2 h\]\(([^)]+)\)/.exec(text)![1]!;

      // 2. The link, followed: a small page with a button, and nothing written; the button (a POST) writes the snooze tag, nothing else.
      const shown = await fetch(keep);
      expect(shown.status).toBe(200);
      expect(shown.headers.get("content-type")).toContain("text/html");
      expect(await shown.text()).toContain(`dev-box-1 (${machine.InstanceId}) in ap-guangzhou is running now.`);
      expect(tag(emu, machine.InstanceId, SNOOZE_TAG)).toBeUndefined();
      const page = await fetch(keep, { method: "POST" });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain(`dev-box-1 (${machine.InstanceId}) in ap-guangzhou keeps running until`);
      const until = tag(emu, machine.InstanceId, SNOOZE_TAG)!;
      expect(until).toMatch(/Z$/);
      expect(emu.callsFor("StopInstances")).toHaveLength(0);
      // Followed again (a replay): the same tag, changed nothing.
      expect((await fetch(keep, { method: "POST" })).status).toBe(200);
      expect(tag(emu, machine.InstanceId, SNOOZE_TAG)).toBe(until);

      // 3. Forged, widened to another instance, expired: refused, logged, nothing written.
      const tagWrites = emu.callsFor("TagResources").length;
      const url = new URL(keep);
      const forged = new URL(url);
      forged.searchParams.set("sig", "A".repeat(43));
      const other = new URL(url);
      other.searchParams.set("instance", busy.InstanceId);
      const later = new URL(url);
      later.searchParams.set("until", "2099-01-01T00:00Z");
      const expired = `${base}/snooze?${linkQuery(SECRET, { instance: machine.InstanceId, region: GZ, account: "", until: Date.now() + 3600_000, exp: Date.now() - 1000, run: "none" })}`;
      for (const u of [forged.href, other.href, later.href, expired]) expect((await fetch(u)).status).toBe(403);
      expect(emu.callsFor("TagResources")).toHaveLength(tagWrites);
      expect(
        log
          .records()
          .filter((r) => r.msg === "snooze link refused")
          .map((r) => r.problem),
      ).toEqual(["bad signature", "bad signature", "bad signature", "expired link"]);

      // 4. The next run: snoozed, said so, not stopped.
      const second = (await server.runOnce("auto-stop-idle", { source: "cli" })) as AutoStopReport;
      expect(second.kept.find((k) => k.id === machine.InstanceId)?.reason).toBe(
        `snoozed until ${until} (tag autopilot:snooze-until)`,
      );
      expect(second.results).toEqual([]);
    } finally {
      await server.stop();
    }

    // 5. Three hours on, the snooze is over and the old warning stale: warned again, with new links.
    emu.advance(3 * 3600_000);
    const at = {
      now: () => new Date(emu.state.now()),
      clock: { now: () => emu.state.now(), sleep: async (ms: number) => emu.advance(ms) },
    };
    const { report: third } = await runFunction<AutoStopReport>(
      "auto-stop-idle",
      emu,
      {
        REGIONS: GZ,
        WEBHOOK_SECRET: SECRET,
        AUTO_STOP_WARN_MINUTES: "30",
        AUTO_STOP_LINK_URL: base,
        AUTO_STOP_MAX_FRACTION: "1",
      },
      {},
      at,
    );
    expect(third.results.map((r) => [r.id, r.action])).toEqual([[machine.InstanceId, "warn"]]);
    // 6. Its warning's time come, still idle: stopped.
    emu.advance(31 * 60_000);
    const { report: fourth } = await runFunction<AutoStopReport>(
      "auto-stop-idle",
      emu,
      // The same WEBHOOK_SECRET: warnings are sealed with it (another secret would warn again).
      { REGIONS: GZ, WEBHOOK_SECRET: SECRET, AUTO_STOP_WARN_MINUTES: "30", AUTO_STOP_MAX_FRACTION: "1" },
      {},
      at,
    );
    expect(fourth.results.map((r) => [r.id, r.action, r.outcome])).toEqual([[machine.InstanceId, "stop", "done"]]);
    expect(state(emu, machine.InstanceId)).toBe("STOPPED");
  });

  it("stop now: stops that one machine through every scope rule; an opted-out machine's link stops nothing", async () => {
    const emu = await emulator();
    const busy = emu.state.addInstance({ Region: GZ, profile: { cpu: 60, traffic: 4 } });
    const optedOut = emu.state.addInstance({
      Region: GZ,
      profile: idle,
      Tags: [{ Key: "autopilot:auto-stop", Value: "off" }],
    });
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const env = {
      ...envFor(emu),
      REGIONS: GZ,
      WEBHOOK_SECRET: SECRET,
      SERVE_FUNCTIONS: "auto-stop-idle",
      AUTO_STOP_MAX_FRACTION: "1",
    };
    const server = await startLocalServer({
      functions: REGISTRY,
      env,
      port,
      logger: memoryLogger(),
      say: () => {},
      schedules: false,
    });
    const stopLink = (id: string) =>
      `${base}/snooze?${linkQuery(SECRET, { instance: id, region: GZ, account: "", until: "stop", exp: Date.now() + 3600_000, run: "none" })}`;
    try {
      const refused = await fetch(stopLink(optedOut.InstanceId), { method: "POST" });
      expect(await refused.text()).toContain("was not stopped: opted out by tag autopilot:auto-stop=off");
      expect(state(emu, optedOut.InstanceId)).toBe("RUNNING");
      // Busy, but a person asked: stopped, with no metrics read.
      const page = await fetch(stopLink(busy.InstanceId), { method: "POST" });
      expect(await page.text()).toContain(`${busy.InstanceId}) in ap-guangzhou is stopping`);
      expect(state(emu, busy.InstanceId)).toBe("STOPPED");
      expect(emu.callsFor("GetMonitorData")).toHaveLength(0);
    } finally {
      await server.stop();
    }
  });

  it("an ended snooze is reported once, by the run whose interval its end falls in, and its tag is never removed (a removal could erase a snooze written meanwhile)", async () => {
    const emu = await emulator();
    const t0 = new Date(emu.state.now());
    // Ended five minutes ago: within this run's 15-minute interval.
    const ended = `${new Date(Math.floor((t0.getTime() - 5 * 60_000) / 60_000) * 60_000).toISOString().slice(0, 16)}Z`;
    const m = emu.state.addInstance({
      Region: GZ,
      profile: { cpu: 60, traffic: 4 },
      Tags: [{ Key: SNOOZE_TAG, Value: ended }],
    });
    const outOfScope = emu.state.addInstance({
      Region: GZ,
      profile: idle,
      Tags: [
        { Key: SNOOZE_TAG, Value: ended },
        { Key: "autopilot:auto-stop", Value: "off" },
      ],
    });
    const { report } = await runFunction<AutoStopReport>("auto-stop-idle", emu, { REGIONS: GZ }, {}, { now: () => t0 });
    expect(report.errors).toEqual([]);
    expect(report.results).toEqual([]);
    const said = report.kept.find((k) => k.id === m.InstanceId)!;
    expect(said.kind).toBe("snooze ended");
    expect(said.reason).toMatch(new RegExp(`^its snooze ended at ${ended}; busy: CPU`));
    expect(report.kept.find((k) => k.id === outOfScope.InstanceId)?.kind).not.toBe("snooze ended");
    // Nothing written: a person may be writing a new snooze right now, and the Tag API removes by key.
    expect(emu.callsFor("UnTagResources")).toEqual([]);
    expect(tag(emu, m.InstanceId, SNOOZE_TAG)).toBe(ended);
    expect(report.guard).toMatchObject({ wouldAct: 0 });
    // The next run (15 minutes on) does not say it again.
    const t1 = new Date(t0.getTime() + 15 * 60_000);
    emu.advance(15 * 60_000);
    const again = await runFunction<AutoStopReport>("auto-stop-idle", emu, { REGIONS: GZ }, {}, { now: () => t1 });
    expect(again.report.kept.find((k) => k.id === m.InstanceId)?.kind).not.toBe("snooze ended");
    expect(again.report.results).toEqual([]);
  });

  it("a bad snooze value is reported and keeps the machine running, never guessed at", async () => {
    const emu = await emulator();
    const m = emu.state.addInstance({ Region: GZ, profile: idle, Tags: [{ Key: SNOOZE_TAG, Value: "tomorrow" }] });
    const { report } = await runFunction<AutoStopReport>("auto-stop-idle", emu, { REGIONS: GZ });
    expect(report.kept.find((k) => k.id === m.InstanceId)?.reason).toContain(
      'tag autopilot:snooze-until="tomorrow" is not a time with its zone',
    );
    expect(state(emu, m.InstanceId)).toBe("RUNNING");
  });
});

describe("snooze links through the platforms' function URLs", () => {
  for (const [platform, call] of [
    [
      "SCF",
      (h: ReturnType<typeof makeHandlers>, query: string) =>
        h.main_handler(
          {
            ...scfFunctionUrl("", {}, "/snooze"),
            httpMethod: "POST",
            queryString: Object.fromEntries(new URLSearchParams(query)),
          },
          { request_id: "r1" },
        ),
    ],
    [
      "Lambda",
      (h: ReturnType<typeof makeHandlers>, query: string) => {
        const e = httpApiV2("", {}, "/snooze");
        return h.handler(
          {
            ...e,
            rawQueryString: query,
            requestContext: { ...e.requestContext, http: { ...e.requestContext.http, method: "POST" } },
          },
          { awsRequestId: "r1" },
        );
      },
    ],
  ] as const) {
    it(`${platform}: a link's button sets the snooze tag; a forged one does not`, async () => {
      const emu = await emulator();
      const m = emu.state.addInstance({ Region: GZ, profile: idle });
      const h = makeHandlers(FUNCTIONS["auto-stop-idle"]!, {
        env: { ...envFor(emu), WEBHOOK_SECRET: SECRET, REGIONS: GZ },
        logger: memoryLogger(),
      });
      const query = linkQuery(SECRET, {
        instance: m.InstanceId,
        region: GZ,
        account: "",
        until: Date.now() + 7200_000,
        exp: Date.now() + 3600_000,
        run: "none",
      });
      const bad = (await call(h, query.replace(/sig=[^&]+/, "sig=forged"))) as HttpReply;
      expect(bad.statusCode).toBe(403);
      expect(tag(emu, m.InstanceId, SNOOZE_TAG)).toBeUndefined();
      const ok = (await call(h, query)) as HttpReply;
      expect(ok.statusCode).toBe(200);
      expect(ok.body).toContain("keeps running until");
      expect(tag(emu, m.InstanceId, SNOOZE_TAG)).toMatch(/Z$/);
    });
  }
});

describe("owners are mentioned, from the autopilot:owner tag only", () => {
  it('WeCom <@userid>, DingTalk at.atMobiles/atUserIds with @ in the text, Slack <@U…>; a name or an owner of "all" mentions nobody', async () => {
    const emu = await emulator();
    const chat = await chatServer({ dingtalkSecret: "ding-secret-0123456789" });
    const owned = (owner: string, name: string) =>
      emu.state.addInstance({
        Region: GZ,
        profile: idle,
        InstanceName: name,
        Tags: [{ Key: "autopilot:owner", Value: owner }],
      });
    owned("zhangsan", "<@all> build box");
    owned("13800138000", "ci-2");
    owned("U024BE7LH", "ci-3");
    owned("all", "ci-4");
    const env = {
      REGIONS: GZ,
      AUTO_STOP_WARN_MINUTES: "30",
      AUTO_STOP_MAX_FRACTION: "1",
      NOTIFY_URLS: [chat.urls.wecom, chat.urls.dingtalk, chat.urls.slack].join(","),
      NOTIFY_DINGTALK_SECRET: "ding-secret-0123456789",
    };
    await runFunction<AutoStopReport>("auto-stop-idle", emu, env);
    expect(chat.refused).toEqual([]);
    const by = (k: string) => chat.received.find((r) => r.kind === k)!;
    const wecom = by("wecom").text;
    expect(wecom).toContain("<@zhangsan>");
    expect(wecom).toContain("<@13800138000>");
    expect(wecom).not.toMatch(/<@all>/);
    const ding = by("dingtalk");
    expect(ding.body.at).toEqual({ atMobiles: ["13800138000"], atUserIds: ["zhangsan", "U024BE7LH"], isAtAll: false });
    expect(ding.text).toContain("@13800138000 @zhangsan @U024BE7LH");
    const slack = by("slack").text;
    expect(slack).toContain("<@U024BE7LH>");
    expect(slack).not.toContain("<@zhangsan>");
    expect(slack).not.toMatch(/<@all>/);
  });
});

describe("the morning link", () => {
  it("is the next 09:00 in the zone at least an hour away", async () => {
    const { nextNine } = await import("../functions/auto-stop-idle/warn-links.ts");
    // 04:30 Beijing: this morning's 09:00; 08:30: tomorrow's; 20:00: tomorrow's.
    expect(nextNine(new Date("2026-12-03T04:30+08:00"), "Asia/Shanghai")).toEqual({
      at: Date.parse("2026-12-03T09:00+08:00"),
      date: "2026-12-03",
    });
    expect(nextNine(new Date("2026-12-03T08:30+08:00"), "Asia/Shanghai")).toEqual({
      at: Date.parse("2026-12-04T09:00+08:00"),
      date: "2026-12-04",
    });
    expect(nextNine(new Date("2026-12-03T20:00+08:00"), "Asia/Shanghai")).toEqual({
      at: Date.parse("2026-12-04T09:00+08:00"),
      date: "2026-12-04",
    });
    expect(nextNine(new Date("2026-12-03T20:00Z"), "UTC")).toEqual({
      at: Date.parse("2026-12-04T09:00Z"),
      date: "2026-12-04",
    });
  });
});

describe("office-hours warns first too", () => {
  it("OFFICE_HOURS_WARN_MINUTES: tagged at the end of hours, stopped once the warning's time has come", async () => {
    const emu = await emulator();
    const m = emu.state.addInstance({
      Region: GZ,
      InstanceName: "desk-1",
      Tags: [{ Key: "autopilot:office-hours", Value: "office" }],
    });
    const at = (local: string) => ({ now: () => new Date(`${local}+08:00`) });
    const env = { REGIONS: GZ, OFFICE_HOURS_WARN_MINUTES: "15" };
    const { report: first } = await runFunction<AutoStopReport>(
      "office-hours",
      emu,
      env,
      {},
      at("2026-11-30T19:05:00"),
    );
    expect(first.results.map((r) => [r.id, r.action, r.outcome])).toEqual([[m.InstanceId, "warn", "done"]]);
    expect(tag(emu, m.InstanceId, warningTagKey("office-hours"))).toMatch(
      /^at=2026-11-30T11:05:00Z stop=2026-11-30T11:20:00Z run=none seal=[\w-]{22}$/,
    );
    expect(state(emu, m.InstanceId)).toBe("RUNNING");
    const { report: second } = await runFunction<AutoStopReport>(
      "office-hours",
      emu,
      env,
      {},
      at("2026-11-30T19:25:00"),
    );
    expect(second.results.map((r) => [r.id, r.action, r.outcome])).toEqual([[m.InstanceId, "stop", "done"]]);
    expect(state(emu, m.InstanceId)).toBe("STOPPED");
  });
});

describe("a warning list longer than a message", () => {
  it("is spread over several messages, each within 4096 bytes, every machine with its links (issue 39)", async () => {
    const emu = await emulator();
    const chat = await chatServer();
    for (let i = 0; i < 14; i++) emu.state.addInstance({ Region: GZ, profile: idle, InstanceName: `dev-${i}` });
    const { report } = await runFunction<AutoStopReport>("auto-stop-idle", emu, {
      REGIONS: GZ,
      WEBHOOK_SECRET: SECRET,
      AUTO_STOP_WARN_MINUTES: "30",
      AUTO_STOP_LINK_URL: "https://fn.example.com",
      AUTO_STOP_MAX_FRACTION: "1",
      NOTIFY_URLS: chat.urls.wecom,
    });
    expect(report.results.filter((r) => (r.detail?.links as unknown[] | undefined)?.length === 3)).toHaveLength(14);
    const all = chat.received.map((m) => m.text).join("\n");
    expect([chat.received.length > 1, /and \d+ more/.test(all)]).toEqual([true, false]);
    for (const m of chat.received) expect(Buffer.byteLength(m.text)).toBeLessThanOrEqual(4096);
    for (const r of report.results) expect(all).toContain(`[stop now](https://fn.example.com/snooze?instance=${r.id}&`);
  });
});

describe("links in a run over several accounts", () => {
  it("are left out (they name the function's own account only); the warning and its tag stand", async () => {
    const member = "200000000001";
    const emu = await emulator({ accounts: [{ uin: member }] });
    const m = emu.account(member).state.addInstance({ Region: GZ, profile: idle });
    const { report } = await runFunction<AutoStopReport>("auto-stop-idle", emu, {
      ACCOUNTS: `qcs::cam::uin/${member}:roleName/cvm-autopilot`,
      REGIONS: GZ,
      WEBHOOK_SECRET: SECRET,
      AUTO_STOP_WARN_MINUTES: "30",
      AUTO_STOP_LINK_URL: "https://fn.example.com",
      AUTO_STOP_MAX_FRACTION: "1",
    });
    const r = report.results.find((x) => x.id === m.InstanceId)!;
    expect([r.action, r.outcome, r.account]).toEqual(["warn", "done", member]);
    expect(r.detail?.links).toBeUndefined();
    expect(
      emu
        .account(member)
        .state.instances.get(m.InstanceId)!
        .Tags?.find((t) => t.Key === warningTagKey("auto-stop-idle")),
    ).toBeDefined();
  });
});
