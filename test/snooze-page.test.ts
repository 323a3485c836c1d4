/**
 * The snooze page, for a phone (#39 item 3): through the SCF function URL, the machine's name,
 * owner, region and state now, times in AUTO_STOP_TIMEZONE with the zone named, Chinese or
 * English by Accept-Language, clear pages for expired and forged links, and no external assets.
 */
import { describe, expect, it } from "vitest";
import type { Emulator } from "../emulator/server.ts";
import { FUNCTIONS } from "../functions/registry.ts";
import { memoryLogger } from "../lib/log/logger.ts";
import { makeHandlers, type HttpReply } from "../lib/host/adapters.ts";
import { langOf } from "../lib/snooze/snooze-words.ts";
import { linkQuery } from "../lib/snooze/snooze.ts";
import { envFor } from "./helpers/functions.ts";
import { scfFunctionUrl } from "./helpers/events.ts";
import { emulator } from "./helpers/world.ts";

const GZ = "ap-guangzhou";
const SECRET = "page-secret-0123456789abcdef0123456789";
const UNTIL = Date.parse("2099-01-01T04:00:00Z");

function fn(emu: Emulator) {
  const h = makeHandlers(FUNCTIONS["auto-stop-idle"]!, {
    env: { ...envFor(emu), REGIONS: GZ, WEBHOOK_SECRET: SECRET, AUTO_STOP_TIMEZONE: "Asia/Shanghai" },
    logger: memoryLogger(),
  });
  return async (query: string, lang?: string) =>
    (await h.main_handler(
      {
        ...scfFunctionUrl("", lang ? { "Accept-Language": lang } : {}, "/snooze"),
        httpMethod: "GET",
        queryString: Object.fromEntries(new URLSearchParams(query)),
      },
      { request_id: "page" },
    )) as HttpReply;
}
const link = (id: string, o: { exp?: number; until?: number | "stop" } = {}) =>
  linkQuery(SECRET, {
    instance: id,
    region: GZ,
    account: "",
    until: o.until ?? UNTIL,
    exp: o.exp ?? Date.now() + 3600_000,
    run: "none",
  });

describe("the snooze page", () => {
  it("names the machine, its owner, region and state now, with times in the zone, in English or Chinese", async () => {
    const emu = await emulator();
    const m = emu.state.addInstance({
      Region: GZ,
      InstanceName: "build-box",
      Tags: [{ Key: "autopilot:owner", Value: "zhangsan" }],
    });
    const get = fn(emu);
    const en = (await get(link(m.InstanceId), "en-US,en;q=0.9")).body;
    for (const s of ["build-box", m.InstanceId, "zhangsan", GZ, "running", "2099-01-01 12:00 (Asia/Shanghai)"])
      expect(en).toContain(s);
    expect(en).toContain('<html lang="en">');
    const zh = (await get(link(m.InstanceId), "zh-CN,zh;q=0.9,en;q=0.8")).body;
    for (const s of ["build-box", "负责人", "zhangsan", "运行中", "保持运行至 2099-01-01 12:00 (Asia/Shanghai)"])
      expect(zh).toContain(s);
    expect(zh).toContain('<html lang="zh-CN">');
    const stop = (await get(link(m.InstanceId, { until: "stop" }), "zh")).body;
    expect(stop).toMatch(/<form method="post" action="\?[^"]+"><button type="submit">立即关机<\/button><\/form>/);
    // Nothing loaded from elsewhere: inline style, no scripts, images or stylesheets.
    for (const page of [en, zh, stop]) {
      expect(page).toContain("<style>");
      expect(page).not.toMatch(/<script|<img|<link|src=|https?:\/\//);
    }
    expect(emu.callsFor("TagResources")).toHaveLength(0);
  });

  it("says plainly when a link has expired, and when it was forged", async () => {
    const emu = await emulator();
    const m = emu.state.addInstance({ Region: GZ });
    const get = fn(emu);
    const expired = await get(link(m.InstanceId, { exp: Date.now() - 60_000 }));
    expect(expired.statusCode).toBe(403);
    expect(expired.body).toContain("This link has expired");
    expect((await get(link(m.InstanceId, { exp: Date.now() - 60_000 }), "zh-CN")).body).toContain("链接已过期");
    const forged = await get(link(m.InstanceId).replace(/sig=[^&]+/, "sig=forged"));
    expect(forged.statusCode).toBe(403);
    expect(forged.body).toContain("it was changed, or not made by this function");
  });

  it.each([
    [undefined, "en"],
    ["zh-CN,zh;q=0.9", "zh"],
    ["en-GB,zh;q=0.5", "en"],
    ["fr-FR,zh-TW;q=0.8,en;q=0.5", "zh"],
    ["zh;q=0,en", "en"],
  ] as const)("Accept-Language %s reads as %s", (header, lang) => {
    expect(langOf(header)).toBe(lang);
  });
});
