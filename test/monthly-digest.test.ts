/**
 * The monthly digest over time, through the SCF handler's timer on the emulator (its bucket as
 * the history store) and a stand-in chat server: from the 30th to the 2nd, with the trigger run
 * twice on the 1st and by two instances at once, exactly one message goes out, with last month's
 * figures as `savings` computes them, by owner, and a dashboard link that opens. A dry run sends
 * nothing and writes no marker: its report alone carries the figures.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEMO_UIN, type Emulator } from "../emulator/server.ts";
import { FUNCTIONS, REGISTRY } from "../functions/registry.ts";
import { localStore } from "../lib/history/local-store.ts";
import { readMonth } from "../lib/history/month.ts";
import { CLAIM_TTL_MS, claimOnce, markDone } from "../lib/history/once.ts";
import { bucketStore } from "../lib/history/s3-store.ts";
import { memoryLogger } from "../lib/log/logger.ts";
import { makeHandlers } from "../lib/host/adapters.ts";
import { dashboardLinkProblem } from "../lib/host/dashboard-link.ts";
import { startLocalServer } from "../lib/host/local-server.ts";
import type { ReportBase } from "../lib/report/report-head.ts";
import { chatServer } from "./helpers/chat-server.ts";
import { scfTimer } from "./helpers/events.ts";
import { envFor } from "./helpers/functions.ts";
import { seedHistory } from "./helpers/seed-history.ts";
import { emulator } from "./helpers/world.ts";

const GZ = "ap-guangzhou";
const BUCKET = "history-1250000000";
const SECRET = "digest-secret-0123456789abcdef0123456789";
const DASHBOARD = "https://1250000000-abc.ap-guangzhou.tencentscf.com";
const HOUR = 3600_000;
const at = (iso: string) => Date.parse(iso);

async function world(extra: Record<string, string> = {}) {
  const emu: Emulator = await emulator();
  emu.storage.create(BUCKET, GZ, DEMO_UIN);
  const store = bucketStore({
    kind: "cos",
    bucket: BUCKET,
    region: GZ,
    endpoint: emu.url,
    credentials: () => ({ secretId: emu.credentials.secretId, secretKey: emu.credentials.secretKey }),
  });
  // November's ledger: ins-aaaa1111 of zhangsan stopped 47.75 h at 1.5 CNY (71.63 CNY).
  await seedHistory(store, at("2026-12-01T00:00:30Z"));
  const chat = await chatServer();
  const env = envFor(emu, {
    HISTORY_BUCKET: `cos://${BUCKET}`,
    NOTIFY_URLS: `${chat.urls.wecom},${chat.urls.feishu}`,
    WEBHOOK_SECRET: SECRET,
    DASHBOARD_URL: DASHBOARD,
    RENEW_RULES: "env=prod:NOTIFY_AND_AUTO_RENEW",
    ...extra,
  });
  let now = 0;
  // An instance of the deployed function: renew-flag, whose runs here have nothing to say of their own.
  const instance = () =>
    makeHandlers(FUNCTIONS["renew-flag"]!, { env, logger: memoryLogger(), nowS: () => Math.floor(now / 1000) });
  const timer = async (h: ReturnType<typeof instance>, iso: string) => {
    now = at(iso);
    return (await h.main_handler(scfTimer(), { request_id: `timer-${iso}` })) as ReportBase;
  };
  return { emu, store, chat, instance, timer, setNow: (iso: string) => (now = at(iso)) };
}

describe("the monthly digest", () => {
  it("from the 30th to the 2nd, the trigger twice on the 1st and two instances at once: one message, November's figures", async () => {
    const w = await world();
    const [a, b] = [w.instance(), w.instance()];
    const reports: ReportBase[] = [];
    reports.push(await w.timer(a, "2026-11-30T12:00:00Z"));
    reports.push(await w.timer(a, "2026-11-30T23:45:00Z"));
    reports.push(await w.timer(a, "2026-12-01T00:00:00Z"));
    reports.push(await w.timer(a, "2026-12-01T00:15:00Z"));
    w.setNow("2026-12-01T00:30:00Z");
    reports.push(...(await Promise.all([a, b].map((h) => h.main_handler(scfTimer(), {}) as Promise<ReportBase>))));
    reports.push(await w.timer(b, "2026-12-02T00:00:00Z"));
    expect(reports.map((r) => r.monthlyDigest?.status)).toEqual([
      undefined,
      undefined,
      "sent",
      "already sent",
      "already sent",
      "already sent",
      undefined,
    ]);
    const byKind = (k: string) => w.chat.received.filter((m) => m.kind === k);
    expect(byKind("wecom")).toHaveLength(1);
    expect(byKind("feishu")).toHaveLength(1);
    const { report } = await readMonth(w.store, "2026-11");
    expect(report.realised).toBe(71.63);
    const text = byKind("wecom")[0]!.text;
    expect(text).toContain("71.63 CNY saved in 2026-11");
    expect(text).toContain("zhangsan: 71.63 CNY");
    expect(reports[2]!.monthlyDigest).toMatchObject({ month: "2026-11", realised: 71.63, dashboardLink: true });
    // The link in the message opens the dashboard: signed with the secret, valid on the day it came.
    const link = /\[open the dashboard\]\((\S+)\)/.exec(text)![1]!;
    expect(link.startsWith(`${DASHBOARD}/dashboard?`)).toBe(true);
    expect(dashboardLinkProblem(SECRET, new URL(link).searchParams, at("2026-12-01T00:00:00Z") + HOUR)).toBe(undefined);
    expect(JSON.stringify(byKind("feishu")[0]!.body)).toContain(`"href":"${link}"`);
    expect((await w.store.list("digests/2026-11/")).filter((k) => k.includes("/done-"))).toHaveLength(1);
  });

  it("in a dry run, nothing is sent and no marker is written: the report alone has the figures", async () => {
    const w = await world({ DRY_RUN: "true" });
    const h = w.instance();
    const first = await w.timer(h, "2026-12-01T00:00:00Z");
    const again = await w.timer(h, "2026-12-01T00:15:00Z");
    for (const r of [first, again])
      expect(r.monthlyDigest).toEqual({
        month: "2026-11",
        status: "dry run: not sent",
        realised: 71.63,
        currency: "CNY",
      });
    expect(w.chat.received).toEqual([]);
    expect(await w.store.list("digests/")).toEqual([]);
  });

  it("a message that reached no destination is not marked: a later run that day sends it", async () => {
    const w = await world();
    const h = w.instance();
    w.chat.received.length = 0;
    // Both robots refuse the first run's message (and its retries).
    const refusing = await chatServer({ failFirst: Array(20).fill({ status: 500 }) });
    const broken = makeHandlers(FUNCTIONS["renew-flag"]!, {
      env: {
        ...envFor(w.emu, {
          HISTORY_BUCKET: `cos://${BUCKET}`,
          NOTIFY_URLS: refusing.urls.wecom,
          RENEW_RULES: "env=prod:NOTIFY_AND_AUTO_RENEW",
        }),
      },
      logger: memoryLogger(),
      nowS: () => Math.floor(at("2026-12-01T00:00:00Z") / 1000),
    });
    const failed = (await broken.main_handler(scfTimer(), {})) as ReportBase;
    expect(failed.monthlyDigest?.status).toBe("not delivered");
    // Past the failed run's claim (ten minutes), the next run sends it.
    const later = await w.timer(h, "2026-12-01T00:15:00Z");
    expect(later.monthlyDigest?.status).toBe("sent");
    expect(w.chat.received.filter((m) => m.kind === "wecom")).toHaveLength(1);
  });
});

describe("claimOnce, the digest's marker", () => {
  it("of claimants that all start before any claim is written, exactly one goes ahead; a done marker stops the rest", async () => {
    const store = localStore(mkdtempSync(join(tmpdir(), "once-")));
    let t = at("2026-12-01T00:00:00Z");
    // Each claimant's clock reads a millisecond later than the one before, as hosts' clocks would.
    const claims = await Promise.all([0, 1, 2, 3].map(() => claimOnce(store, "digests/2026-11/", () => t++)));
    expect(claims.filter((c) => c.state === "won")).toHaveLength(1);
    expect(claims.filter((c) => c.state === "held")).toHaveLength(3);
    await markDone(store, "digests/2026-11/", t, { ok: true });
    t += CLAIM_TTL_MS * 2;
    expect(await claimOnce(store, "digests/2026-11/", () => t)).toEqual({ state: "done" });
  });
});

describe("the monthly digest on serve", () => {
  it("after a scheduled run on the 1st, once, with serve's own address in the link; a webhook run sends none", async () => {
    const emu = await emulator();
    const dir = mkdtempSync(join(tmpdir(), "digest-serve-"));
    await seedHistory(join(dir, "history"), at("2026-12-01T00:00:30Z"));
    const chat = await chatServer();
    let now = at("2026-12-01T00:05:00Z");
    const said: string[] = [];
    const server = await startLocalServer({
      functions: REGISTRY,
      env: {
        ...envFor(emu),
        REPORT_DIR: dir,
        WEBHOOK_SECRET: SECRET,
        NOTIFY_URLS: chat.urls.wecom,
        SERVE_FUNCTIONS: "renew-flag,key-rotation",
        RENEW_RULES: "env=prod:NOTIFY_AND_AUTO_RENEW",
      },
      port: 0,
      logger: memoryLogger(),
      say: (l) => said.push(l),
      schedules: false,
      nowMs: () => now,
    });
    try {
      const hook = (await server.runOnce("renew-flag", { source: "webhook" })) as ReportBase;
      expect(hook.monthlyDigest).toBeUndefined();
      const [a, b] = (await Promise.all([
        server.runOnce("renew-flag", { source: "timer" }),
        server.runOnce("key-rotation", { source: "timer" }),
      ])) as ReportBase[];
      expect([a!.monthlyDigest?.status, b!.monthlyDigest?.status].sort()).toEqual(["already sent", "sent"]);
      now += HOUR;
      expect(((await server.runOnce("renew-flag", { source: "timer" })) as ReportBase).monthlyDigest?.status).toBe(
        "already sent",
      );
      const digests = chat.received.filter((m) => m.text.includes("saved in 2026-11"));
      expect(digests).toHaveLength(1);
      expect(digests[0]!.text).toContain(`(${server.url}/dashboard?`);
      expect(said).toContain("monthly digest for 2026-11: sent");
    } finally {
      await server.stop();
    }
  });
});
