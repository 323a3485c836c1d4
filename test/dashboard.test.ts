/**
 * The dashboard through real HTTP: `serve`'s server and the SCF and Lambda handlers. Never open
 * (403 without a link, with a forged, altered or expired one), off without WEBHOOK_SECRET (and
 * saying which variable turns it on), a GET that changes nothing, and figures that agree with
 * `cvm-autopilot savings` on a seeded history; an empty history shows an empty state, not NaN.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { DEMO_UIN, type Emulator } from "../emulator/server.ts";
import { FUNCTIONS, REGISTRY } from "../functions/registry.ts";
import { bucketStore } from "../lib/history/s3-store.ts";
import { memoryLogger } from "../lib/log/logger.ts";
import { makeHandlers, type HttpReply } from "../lib/host/adapters.ts";
import { dashboardQuery } from "../lib/host/dashboard-link.ts";
import { startLocalServer } from "../lib/host/local-server.ts";
import { money } from "../lib/host/dashboard-format.ts";
import { runCli } from "./helpers/cli.ts";
import { envFor } from "./helpers/functions.ts";
import { MARKUP_OWNER, seedHistory } from "./helpers/seed-history.ts";
import { emulator } from "./helpers/world.ts";

const SECRET = "dashboard-secret-0123456789abcdef012345";
const GZ = "ap-guangzhou";
const BUCKET = "history-1250000000";
const DAY = 86_400_000;

async function serve(emu: Emulator, extra: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "dashboard-"));
  const server = await startLocalServer({
    functions: REGISTRY,
    env: { ...envFor(emu), REPORT_DIR: dir, WEBHOOK_SECRET: SECRET, SERVE_FUNCTIONS: "office-hours", ...extra },
    port: 0,
    logger: memoryLogger(),
    say: () => {},
    schedules: false,
  });
  onTestFinished(() => server.stop());
  return { server, dir, history: join(dir, "history") };
}

/** The figure in a card of the page: `#this-month` or `#last-month`. */
const figure = (html: string, id: string) =>
  new RegExp(`id="${id}"[^]*?<p class="big">([\\d,.]+) <small>CNY`).exec(html)?.[1];

describe("the dashboard on serve", () => {
  it("answers 403 without a link, with a forged, altered or expired one, and 405 to a POST", async () => {
    const { server } = await serve(await emulator());
    const good = dashboardQuery(SECRET, Date.now(), 1);
    const forged = dashboardQuery("another-secret-0123456789abcdef0123456", Date.now(), 1);
    const altered = good.replace(/exp=(\d+)/, (_m, e: string) => `exp=${Number(e) + 86_400}`);
    const expired = dashboardQuery(SECRET, Date.now() - 2 * DAY, 1);
    for (const q of ["", "?token=x", `?${forged}`, `?${altered}`, `?${expired}`]) {
      const res = await fetch(`${server.url}/dashboard${q}`);
      expect(res.status, q).toBe(403);
      const html = await res.text();
      expect(html).toContain("Not allowed");
      expect(html).not.toContain("savings by day");
    }
    const post = await fetch(`${server.url}/dashboard?${good}`, { method: "POST" });
    expect(post.status).toBe(405);
    expect((await fetch(`${server.url}/dashboard?${good}`)).status).toBe(200);
  });

  it("is off without WEBHOOK_SECRET and says which variable turns it on", async () => {
    const { server } = await serve(await emulator(), { WEBHOOK_SECRET: "" });
    const res = await fetch(`${server.url}/dashboard?${dashboardQuery(SECRET, Date.now(), 1)}`);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain("Set WEBHOOK_SECRET");
  });

  it("shows the same figures as `savings` on a seeded history, tenant text escaped", async () => {
    const emu = await emulator();
    const { server, dir, history } = await serve(emu);
    const now = Date.now();
    await seedHistory(history, now);
    const res = await fetch(`${server.url}/dashboard?${dashboardQuery(SECRET, now, 1)}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await res.text();
    const month = new Date(now).toISOString().slice(0, 7);
    const last = new Date(Date.parse(`${month}-01T00:00:00Z`) - 1).toISOString().slice(0, 7);
    const savings = async (m: string) => {
      const r = await runCli(["savings", "--month", m, "-o", "json"], { REPORT_DIR: dir });
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { realised: number; byOwner: Record<string, number> };
    };
    const [mine, before] = [await savings(month), await savings(last)];
    expect(mine.realised).toBeGreaterThan(0);
    expect(before.realised).toBe(71.63); // 47.75 h × 1.5 CNY, computed here, not by the ledger
    expect(figure(html, "this-month")).toBe(money(mine.realised));
    expect(figure(html, "last-month")).toBe(money(before.realised));
    expect(html).toContain(money(mine.byOwner.lisi!));
    expect(html).not.toContain(MARKUP_OWNER);
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(html).toContain("errors 1"); // renew-flag's failed run, among the recent runs
    expect(html).toMatch(/<li><b>(start|stop|no start)<\/b>/); // office-hours' default schedule
    expect(html).not.toMatch(/NaN|undefined/);
    expect(emu.calls.filter((c) => !c.action?.startsWith("Describe"))).toEqual([]);
  });

  it("shows an empty history as such, with no NaN", async () => {
    const { server } = await serve(await emulator(), { SERVE_FUNCTIONS: "renew-flag" });
    const html = await (await fetch(`${server.url}/dashboard?${dashboardQuery(SECRET, Date.now(), 1)}`)).text();
    expect(figure(html, "this-month")).toBe("0.00");
    expect(html).toContain("no realised savings yet this month");
    expect(html).toContain("no runs recorded yet");
    expect(html).toContain("office-hours is not served here");
    expect(html).not.toMatch(/NaN|Infinity|undefined/);
  });
});

describe("the dashboard on a function URL", () => {
  async function handlers() {
    const emu = await emulator();
    emu.storage.create(BUCKET, GZ, DEMO_UIN);
    const store = bucketStore({
      kind: "cos",
      bucket: BUCKET,
      region: GZ,
      endpoint: emu.url,
      credentials: () => ({ secretId: emu.credentials.secretId, secretKey: emu.credentials.secretKey }),
    });
    await seedHistory(store, Date.now());
    const env = envFor(emu, { WEBHOOK_SECRET: SECRET, HISTORY_BUCKET: `cos://${BUCKET}` });
    return makeHandlers(FUNCTIONS["office-hours"]!, { env, logger: memoryLogger() });
  }
  const scf = (query: Record<string, string>) => ({
    httpMethod: "GET",
    path: "/dashboard",
    headers: { host: "1250000000-abc.ap-guangzhou.tencentscf.com" },
    queryString: query,
  });
  const lambda = (query: string) => ({
    version: "2.0",
    rawPath: "/dashboard",
    rawQueryString: query,
    headers: {},
    requestContext: { http: { method: "GET", path: "/dashboard" }, requestId: "r1" },
    isBase64Encoded: false,
  });

  it("SCF: 403 without the link or with a wrong one, 200 with it", async () => {
    const h = await handlers();
    const good = Object.fromEntries(new URLSearchParams(dashboardQuery(SECRET, Date.now(), 1)));
    const no = (await h.main_handler(scf({}), {})) as HttpReply;
    const wrong = (await h.main_handler(scf({ ...good, sig: `${good.sig!.slice(1)}A` }), {})) as HttpReply;
    const yes = (await h.main_handler(scf(good), {})) as HttpReply;
    expect([no.statusCode, wrong.statusCode, yes.statusCode]).toEqual([403, 403, 200]);
    expect(yes.body).toContain('id="this-month"');
    expect(yes.body).toContain("71.63");
  });

  it("Lambda: 403 without the link, 200 with it", async () => {
    const h = await handlers();
    const no = (await h.handler(lambda(""), {})) as HttpReply;
    const yes = (await h.handler(lambda(dashboardQuery(SECRET, Date.now(), 1)), {})) as HttpReply;
    expect([no.statusCode, yes.statusCode]).toEqual([403, 200]);
  });
});

describe("cvm-autopilot dashboard --url", () => {
  it("prints a link that serve's page accepts; without WEBHOOK_SECRET it says what to set", async () => {
    const { server } = await serve(await emulator());
    const r = await runCli(["dashboard", "--url", "--days", "2"], {
      WEBHOOK_SECRET: SECRET,
      DASHBOARD_URL: server.url,
    });
    expect(r.code, r.stderr).toBe(0);
    const link = r.stdout.trim();
    expect(link.startsWith(`${server.url}/dashboard?exp=`)).toBe(true);
    expect((await fetch(link)).status).toBe(200);
    const off = await runCli(["dashboard", "--url"], {});
    expect(off.code).toBe(2);
    expect(off.stderr).toContain("WEBHOOK_SECRET is not set");
    const help = await runCli(["dashboard", "--help"], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("dashboard --url [--days N]");
  });
});
