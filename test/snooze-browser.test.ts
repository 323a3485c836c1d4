/**
 * The snooze pages in a real browser (#39, "Done when" 2): headless Chromium from Debian's
 * `chromium` package, driven by playwright-core, against `serve`'s local server and the emulator.
 * A warned machine's links are opened at a phone's width (390 px) and a desk's (1200 px): the
 * page names the machine and says its state as the emulator has it, fits the phone's width, and
 * stop-now acts only through its confirm button (a GET changes nothing). `.ci/run` installs
 * chromium; without the binary (a developer's machine) the file is skipped, saying why.
 */
import { existsSync, mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import type { Emulator } from "../emulator/server.ts";
import { REGISTRY } from "../functions/registry.ts";
import { memoryLogger } from "../lib/log/logger.ts";
import { type LocalServer, startLocalServer } from "../lib/host/local-server.ts";
import { stateWord } from "../lib/snooze/snooze-words.ts";
import type { RunReport } from "../lib/report/report.ts";
import { envFor } from "./helpers/functions.ts";
import { emulator } from "./helpers/world.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) console.warn(`snooze-browser: skipped, no chromium at ${CHROMIUM} (apt-get install chromium)`);

const GZ = "ap-guangzhou";
const SECRET = "browser-secret-0123456789abcdef0123456789";
const SIZES = [
  { width: 390, height: 844 },
  { width: 1200, height: 800 },
] as const;
// The flags the machine notes give for Chromium on this closed network (no background fetches).
const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const SHOTS = mkdtempSync(join(tmpdir(), "snooze-shots-"));

/** A free port on loopback, so the warning's links (AUTO_STOP_LINK_URL) can name the server before it starts. */
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });

let browser: Browser;
beforeAll(async () => {
  if (HAVE_CHROMIUM) browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
});
afterAll(async () => void (await browser?.close()));

/** An emulator (stopped after the test) and `serve`'s local server, whose links name itself. */
async function world(): Promise<{ emu: Emulator; server: LocalServer }> {
  const emu = await emulator();
  const port = await freePort();
  const server = await startLocalServer({
    functions: REGISTRY,
    env: {
      ...envFor(emu),
      REGIONS: GZ,
      DRY_RUN: "false",
      WEBHOOK_SECRET: SECRET,
      AUTO_STOP_WARN_MINUTES: "30",
      AUTO_STOP_MAX_FRACTION: "1",
      AUTO_STOP_TIMEZONE: "Asia/Shanghai",
      AUTO_STOP_LINK_URL: `http://127.0.0.1:${port}`,
      SERVE_FUNCTIONS: "auto-stop-idle",
    },
    port,
    logger: memoryLogger(),
    say: () => {},
    schedules: false,
  });
  onTestFinished(() => server.stop());
  return { emu, server };
}

/** The machine's state as the emulator has it now, in the page's words. */
const stateNow = (emu: Emulator, id: string, lang: "en" | "zh" = "en") =>
  stateWord(lang, emu.state.settle(emu.state.instances.get(id)!).InstanceState);
/** The page's state line: the value beside "State now" (当前状态). */
const stateLine = (p: Page, label = "State now") =>
  p.locator("dt", { hasText: label }).locator("xpath=following-sibling::dd[1]").textContent();

/** Opens a link as a phone or desk browser would (Accept-Language from the locale), keeps a screenshot, and checks it fits the width. */
async function open(url: string, size: (typeof SIZES)[number], shot: string, locale = "en-US"): Promise<Page> {
  const p = await browser.newPage({ viewport: size, locale });
  await p.goto(url);
  await p.screenshot({ path: join(SHOTS, `${shot}-${size.width}.png`), fullPage: true });
  expect(await p.evaluate(() => document.scrollingElement!.scrollWidth)).toBeLessThanOrEqual(size.width);
  return p;
}

/** A warned machine and its links, from one run of auto-stop-idle through the server. */
async function warned({ emu, server }: { emu: Emulator; server: LocalServer }, name: string) {
  const m = emu.state.addInstance({ Region: GZ, InstanceName: name, profile: { cpu: 1, traffic: 0.01 } });
  const r = (await server.runOnce("auto-stop-idle", { source: "cli", instanceIds: [m.InstanceId] })) as RunReport;
  const links = (r.results.find((x) => x.id === m.InstanceId)?.detail?.links ?? []) as Array<{
    label: string;
    url: string;
  }>;
  const url = (label: RegExp) => links.find((l) => label.test(l.label))!.url;
  return { id: m.InstanceId, keep: url(/2 h/), stop: url(/stop now/) };
}

describe.skipIf(!HAVE_CHROMIUM)("the snooze pages in Chromium", () => {
  it.each(SIZES)(
    "at $width px: name and state now, no sideways scroll, stop-now only through its button",
    async (size) => {
      // A tenant's name with no place to break a line (InstanceName allows 128 characters).
      const name = `desk_${size.width}_ml_training_gpu_node_team_b_experiment_07`;
      const w = await world();
      const { emu, server } = w;
      const m = await warned(w, name);
      expect(new URL(m.stop).origin).toBe(server.url);

      const keep = await open(m.keep, size, "keep");
      expect(await keep.locator("h1").textContent()).toContain(name);
      expect(await stateLine(keep)).toBe(stateNow(emu, m.id));
      expect(await keep.getByRole("button").isVisible()).toBe(true);
      await keep.close();

      const stop = await open(m.stop, size, "stop");
      expect(await stop.locator("h1").textContent()).toContain(name);
      expect(await stateLine(stop)).toBe(stateNow(emu, m.id));
      const zh = await open(m.stop, size, "stop-zh", "zh-CN");
      expect(await stateLine(zh, "当前状态")).toBe(stateNow(emu, m.id, "zh"));
      await zh.close();
      const button = stop.getByRole("button", { name: "Stop it now" });
      expect(await button.isVisible()).toBe(true);
      // Three GETs (chat previewers fetch links too) changed nothing.
      expect(stateNow(emu, m.id)).toBe("running");
      expect(emu.callsFor("StopInstances")).toHaveLength(0);

      // The confirm button POSTs the same link; the answer is the page after the stop.
      const [posted] = await Promise.all([
        stop.waitForResponse((r) => r.request().method() === "POST"),
        button.click(),
      ]);
      expect(posted.status()).toBe(200);
      await stop.waitForLoadState();
      expect(emu.callsFor("StopInstances")).toHaveLength(1);
      expect(["stopping", "stopped"]).toContain(stateNow(emu, m.id));
      expect(await stop.locator("h1").textContent()).toBe(`${name} is stopping`);
      expect(await stateLine(stop)).toBe(stateNow(emu, m.id));
      await stop.screenshot({ path: join(SHOTS, `stopped-${size.width}.png`), fullPage: true });
      expect(await stop.evaluate(() => document.scrollingElement!.scrollWidth)).toBeLessThanOrEqual(size.width);
      await stop.close();
    },
  );

  it("a forged link shows the forged-link page and changes nothing", async () => {
    const w = await world();
    const m = await warned(w, "forged-box");
    const forged = m.stop.replace(/sig=[^&]+/, "sig=forged");
    for (const size of SIZES) {
      const p = await open(forged, size, "forged");
      expect(await p.locator("h1").textContent()).toBe("Link not valid");
      expect(await p.locator("body").textContent()).toContain("it was changed, or not made by this function");
      expect(await p.getByRole("button").count()).toBe(0);
      await p.close();
    }
    expect(stateNow(w.emu, m.id)).toBe("running");
    expect(w.emu.callsFor("StopInstances")).toHaveLength(0);
  });
});
