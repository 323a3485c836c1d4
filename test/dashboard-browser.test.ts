/**
 * The dashboard in a real browser: headless Chromium from Debian's `chromium` package, driven by
 * playwright-core, against `serve`'s local server with a seeded history. At a phone's width
 * (390 px) and a desk's (1200 px): no sideways scroll, the chart drawn and visible, the key
 * figures present and equal to what `savings` computes. Screenshots are kept in a temporary
 * directory (its path is printed). Without the binary the file is skipped, saying why.
 */
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { REGISTRY } from "../functions/registry.ts";
import { localStore } from "../lib/history/local-store.ts";
import { previousMonth, readMonth } from "../lib/history/month.ts";
import { memoryLogger } from "../lib/log/logger.ts";
import { dashboardQuery } from "../lib/host/dashboard-link.ts";
import { money } from "../lib/host/dashboard-format.ts";
import { startLocalServer } from "../lib/host/local-server.ts";
import { envFor } from "./helpers/functions.ts";
import { seedHistory } from "./helpers/seed-history.ts";
import { emulator } from "./helpers/world.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) console.warn(`dashboard-browser: skipped, no chromium at ${CHROMIUM} (apt-get install chromium)`);

const SECRET = "browser-dashboard-0123456789abcdef01234";
const SIZES = [
  { width: 390, height: 844 },
  { width: 1200, height: 800 },
] as const;
const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const SHOTS = mkdtempSync(join(tmpdir(), "dashboard-shots-"));

let browser: Browser;
beforeAll(async () => {
  if (HAVE_CHROMIUM) browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
});
afterAll(async () => void (await browser?.close()));

async function world(seeded: boolean) {
  const emu = await emulator();
  const dir = mkdtempSync(join(tmpdir(), "dashboard-browser-"));
  const now = Date.now();
  if (seeded) await seedHistory(join(dir, "history"), now);
  const server = await startLocalServer({
    functions: REGISTRY,
    env: { ...envFor(emu), REPORT_DIR: dir, WEBHOOK_SECRET: SECRET, SERVE_FUNCTIONS: "office-hours" },
    port: 0,
    logger: memoryLogger(),
    say: () => {},
    schedules: false,
  });
  onTestFinished(() => server.stop());
  return {
    url: `${server.url}/dashboard?${dashboardQuery(SECRET, now, 1)}`,
    store: localStore(join(dir, "history")),
    now,
  };
}

describe.skipIf(!HAVE_CHROMIUM)("the dashboard in Chromium", () => {
  it.each(SIZES)("at $width px: fits the width, the chart visible, the figures those of savings", async (size) => {
    const { url, store, now } = await world(true);
    const month = new Date(now).toISOString().slice(0, 7);
    const [mine, last] = [await readMonth(store, month), await readMonth(store, previousMonth(month))];
    const p = await browser.newPage({ viewport: size });
    await p.goto(url);
    await p.screenshot({ path: join(SHOTS, `dashboard-${size.width}.png`), fullPage: true });
    console.info(`dashboard-browser: screenshots in ${SHOTS}`);
    expect(await p.evaluate(() => document.scrollingElement!.scrollWidth)).toBeLessThanOrEqual(size.width);
    const chart = p.locator("svg.chart");
    expect(await chart.isVisible()).toBe(true);
    const box = (await chart.boundingBox())!;
    expect(box.width).toBeGreaterThan(size.width * 0.6);
    expect(box.height).toBeGreaterThan(100);
    expect(await p.locator("svg.chart rect.bar").count()).toBeGreaterThan(0);
    expect(await p.locator("#this-month .big").textContent()).toContain(money(mine.report.realised));
    expect(await p.locator("#last-month .big").textContent()).toContain(money(last.report.realised));
    expect(await p.locator("#owners li").first().textContent()).toContain("lisi");
    expect(await p.locator("#runs li").count()).toBeGreaterThan(3);
    expect(await p.locator("#next li").count()).toBeGreaterThan(0);
    await p.close();
  });

  it("an empty history at 390 px: the empty state, no NaN", async () => {
    const { url } = await world(false);
    const p = await browser.newPage({ viewport: SIZES[0] });
    await p.goto(url);
    await p.screenshot({ path: join(SHOTS, "dashboard-empty-390.png"), fullPage: true });
    expect(await p.evaluate(() => document.scrollingElement!.scrollWidth)).toBeLessThanOrEqual(390);
    const text = (await p.locator("body").textContent()) ?? "";
    expect(text).toContain("no realised savings yet this month");
    expect(text).not.toMatch(/NaN|undefined|Infinity/);
    await p.close();
  });
});
