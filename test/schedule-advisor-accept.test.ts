/**
 * schedule-advisor's accept links over HTTP through `serve`, and on a function URL: a GET shows
 * what it would write and writes nothing; the button's POST writes the office-hours tag, once
 * (a second POST writes nothing); an expired, forged or altered link, or a machine gone since,
 * changes nothing; a dry run only says what it would write.
 */
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { addWeeklyMachine } from "../emulator/fleet.ts";
import type { Emulator } from "../emulator/server.ts";
import { FUNCTIONS, REGISTRY } from "../functions/registry.ts";
import { memoryLogger } from "../lib/log/logger.ts";
import { makeHandlers, type HttpReply } from "../lib/host/adapters.ts";
import { startLocalServer } from "../lib/host/local-server.ts";
import type { RunReport } from "../lib/report/report.ts";
import { acceptQuery } from "../lib/snooze/accept-link.ts";
import { scfFunctionUrl } from "./helpers/events.ts";
import { envFor } from "./helpers/functions.ts";
import { emulator } from "./helpers/world.ts";

const SH = "ap-shanghai";
const SECRET = "accept-secret-0123456789abcdef0123456789";
const TAG = "autopilot:office-hours";
const tagOf = (emu: Emulator, id: string) => emu.state.instances.get(id)!.Tags?.find((t) => t.Key === TAG)?.Value;
const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

async function served(emu: Emulator, extra: Record<string, string> = {}) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = {
    ...envFor(emu),
    REGIONS: SH,
    WEBHOOK_SECRET: SECRET,
    SCHEDULE_ADVISOR_LINK_URL: base,
    SERVE_FUNCTIONS: "schedule-advisor",
    ...extra,
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
  return { server, base, log };
}

describe("schedule-advisor's accept link", () => {
  it("shows on GET, writes the tag on POST once, and refuses expired, forged and altered links", async () => {
    const emu = await emulator();
    const office = addWeeklyMachine(emu.state, { region: SH, pattern: "office-hours", ageDays: 30, name: "ci-runner" });
    const other = addWeeklyMachine(emu.state, { region: SH, pattern: "weekends-only", ageDays: 30 });
    const { server, base, log } = await served(emu);
    try {
      const report = (await server.runOnce("schedule-advisor", { source: "cli" })) as RunReport;
      const found = report.results.find((r) => r.id === office.InstanceId)!;
      const url = (found.detail!.links as Array<{ label: string; url: string }>)[0]!.url;
      expect(url.startsWith(`${base}/accept?`)).toBe(true);

      // GET: the machine, what it would write and the entry to add; a button; nothing written.
      const shown = await fetch(url);
      expect(shown.status).toBe(200);
      const html = await shown.text();
      expect(html).toContain("Accepting writes the tag autopilot:office-hours=mon-fri.0900-1900.");
      expect(html).toContain("OFFICE_HOURS_SCHEDULES");
      expect(html).toContain('<form method="post"');
      expect(tagOf(emu, office.InstanceId)).toBeUndefined();
      expect(emu.callsFor("TagResources")).toHaveLength(0);

      // POST: written; again: nothing more to write.
      const done = await fetch(url, { method: "POST" });
      expect(done.status).toBe(200);
      expect(await done.text()).toContain("Written: autopilot:office-hours=mon-fri.0900-1900.");
      expect(tagOf(emu, office.InstanceId)).toBe("mon-fri.0900-1900");
      const writes = emu.callsFor("TagResources").length;
      const again = await fetch(url, { method: "POST" });
      expect(await again.text()).toContain("nothing to change");
      expect(emu.callsFor("TagResources")).toHaveLength(writes);

      // Forged, moved to another machine, another schedule, expired: 403, nothing written.
      const u = new URL(url);
      const altered = (k: string, v: string) => {
        const x = new URL(u);
        x.searchParams.set(k, v);
        return x.href;
      };
      const entry = u.searchParams.get("entry")!;
      const expired = `${base}/accept?${acceptQuery(SECRET, { instance: other.InstanceId, region: SH, account: "", schedule: "mon-fri.0900-1900", entry, exp: Date.now() - 1000 })}`;
      for (const bad of [
        altered("sig", "A".repeat(43)),
        altered("instance", other.InstanceId),
        altered("schedule", "sat.sun.0000-2400"),
        expired,
      ]) {
        const r = await fetch(bad, { method: "POST" });
        expect(r.status).toBe(403);
        expect(await r.text()).toContain("changes nothing");
      }
      expect(await (await fetch(expired)).text()).toContain("This link has expired");
      expect(tagOf(emu, other.InstanceId)).toBeUndefined();
      expect(emu.callsFor("TagResources")).toHaveLength(writes);
      expect(
        log
          .records()
          .filter((r) => r.msg === "accept link refused")
          .map((r) => r.problem),
      ).toEqual(["bad signature", "bad signature", "bad signature", "expired link", "expired link"]);

      // A machine gone since the link was made: said so, nothing written.
      const gone = `${base}/accept?${acceptQuery(SECRET, { instance: "ins-gone0000", region: SH, account: "", schedule: "x", entry: "{}", exp: Date.now() + 60_000 })}`;
      const r = await fetch(gone, { method: "POST" });
      expect(r.status).toBe(404);
      expect(await r.text()).toContain("no longer exists; nothing was changed");
      expect(emu.callsFor("TagResources")).toHaveLength(writes);
    } finally {
      await server.stop();
    }
  });

  it("in a dry run, says what it would write and writes nothing", async () => {
    const emu = await emulator();
    const m = addWeeklyMachine(emu.state, { region: SH, pattern: "office-hours", ageDays: 30 });
    const { server, base } = await served(emu, { DRY_RUN: "true" });
    try {
      const link = `${base}/accept?${acceptQuery(SECRET, { instance: m.InstanceId, region: SH, account: "", schedule: "mon-fri.0900-1900", entry: "{}", exp: Date.now() + 60_000 })}`;
      const r = await fetch(link, { method: "POST" });
      expect(await r.text()).toContain("it would write autopilot:office-hours=mon-fri.0900-1900, and wrote nothing");
      expect(emu.callsFor("TagResources")).toHaveLength(0);
    } finally {
      await server.stop();
    }
  });

  it("is served on the function URL too: GET shows, POST writes", async () => {
    const emu = await emulator();
    const m = addWeeklyMachine(emu.state, { region: SH, pattern: "office-hours", ageDays: 30 });
    const env = { ...envFor(emu), REGIONS: SH, WEBHOOK_SECRET: SECRET };
    const h = makeHandlers(FUNCTIONS["schedule-advisor"]!, { env, logger: memoryLogger() });
    const query = acceptQuery(SECRET, {
      instance: m.InstanceId,
      region: SH,
      account: "",
      schedule: "mon-fri.0900-1900",
      entry: "{}",
      exp: Date.now() + 60_000,
    });
    const call = async (httpMethod: string) =>
      (await h.main_handler(
        {
          ...scfFunctionUrl("", {}, "/accept"),
          httpMethod,
          queryString: Object.fromEntries(new URLSearchParams(query)),
        },
        { request_id: "r1" },
      )) as HttpReply;
    expect((await call("GET")).statusCode).toBe(200);
    expect(tagOf(emu, m.InstanceId)).toBeUndefined();
    expect((await call("POST")).statusCode).toBe(200);
    expect(tagOf(emu, m.InstanceId)).toBe("mon-fri.0900-1900");
  });
});
