/**
 * A link says only what is true and acts only while its promise can be kept: regressions of
 * issue #37, each through a platform boundary (the SCF adapter's timer and function-URL entries,
 * or `serve`), on the emulator, with the wall clock moved between runs (only Date is faked).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Emulator } from "../emulator/server.ts";
import { FUNCTIONS, REGISTRY } from "../functions/registry.ts";
import { memoryLogger } from "../lib/log/logger.ts";
import { makeHandlers, type HttpReply } from "../lib/host/adapters.ts";
import { startLocalServer } from "../lib/host/local-server.ts";
import type { RunReport } from "../lib/report/report.ts";
import { SNOOZE_TAG } from "../lib/snooze/snooze.ts";
import { api } from "../lib/tencent/services.ts";
import { chatServer } from "./helpers/chat-server.ts";
import { envFor } from "./helpers/functions.ts";
import { scfFunctionUrl, scfTimer } from "./helpers/events.ts";
import { clientFor, emulator } from "./helpers/world.ts";

const GZ = "ap-guangzhou";
const SECRET = "link-secret-0123456789abcdef0123456789";
const idle = { cpu: 1, traffic: 0.01 };

beforeEach(() => void vi.useFakeTimers({ toFake: ["Date"] }));
afterEach(() => void vi.useRealTimers());
const at = (iso: string) => vi.setSystemTime(new Date(iso));
const later = (minutes: number) => vi.setSystemTime(Date.now() + minutes * 60_000);
const tag = (emu: Emulator, id: string, key: string) =>
  emu.state.instances.get(id)!.Tags?.find((t) => t.Key === key)?.Value;
const state = (emu: Emulator, id: string) => emu.state.settle(emu.state.instances.get(id)!).InstanceState;

/** auto-stop on SCF: its timer, and its function URL answering a link (GET shows, POST acts). */
function scf(emu: Emulator, extra: Record<string, string> = {}) {
  const h = makeHandlers(FUNCTIONS["auto-stop-idle"]!, {
    env: {
      ...envFor(emu),
      REGIONS: GZ,
      WEBHOOK_SECRET: SECRET,
      AUTO_STOP_WARN_MINUTES: "30",
      AUTO_STOP_MAX_FRACTION: "1",
      AUTO_STOP_LINK_URL: "https://fn.example.com",
      ...extra,
    },
    logger: memoryLogger(),
  });
  return {
    run: async () => (await h.main_handler(scfTimer(), { request_id: "timer" })) as RunReport,
    follow: async (url: string, method: "GET" | "POST" = "GET") =>
      (await h.main_handler(
        {
          ...scfFunctionUrl("", {}, "/snooze"),
          httpMethod: method,
          queryString: Object.fromEntries(new URL(url).searchParams),
        },
        { request_id: "link" },
      )) as HttpReply,
  };
}
const linkOf = (r: RunReport, id: string, label: RegExp) =>
  ((r.results.find((x) => x.id === id)?.detail?.links ?? []) as Array<{ label: string; url: string }>).find((l) =>
    label.test(l.label),
  )!.url;

describe("keep-running links", () => {
  it("followed after its own time: says so and writes nothing", async () => {
    at("2026-12-01T10:00:00Z");
    const emu = await emulator();
    const m = emu.state.addInstance({ Region: GZ, profile: idle });
    const fn = scf(emu, { AUTO_STOP_WARN_MINUTES: "180" });
    const keep = linkOf(await fn.run(), m.InstanceId, /2 h/);
    later(150);
    for (const method of ["GET", "POST"] as const) {
      const page = await fn.follow(keep, method);
      expect(page.body).toMatch(/has passed/);
      expect(page.body).not.toMatch(/keeps running until/);
    }
    expect(tag(emu, m.InstanceId, SNOOZE_TAG)).toBeUndefined();
    expect(emu.callsFor("TagResources")).toHaveLength(1);
  });

  it("the page says the machine's state now: a machine stopped since the warning is not said to keep running", async () => {
    at("2026-12-01T10:00:00Z");
    const emu = await emulator();
    const m = emu.state.addInstance({ Region: GZ, profile: idle, InstanceName: "desk-7" });
    const fn = scf(emu);
    const keep = linkOf(await fn.run(), m.InstanceId, /2 h/);
    later(5);
    await api(clientFor(emu).client).stopInstances(GZ, { InstanceIds: [m.InstanceId] });
    for (const method of ["GET", "POST"] as const) {
      const page = await fn.follow(keep, method);
      expect(page.body).toMatch(/desk-7.*is stopped now/s);
      expect(page.body).not.toMatch(/keeps running until/);
    }
    expect(tag(emu, m.InstanceId, SNOOZE_TAG)).toBeUndefined();
  });

  it("a GET shows a confirm button and changes nothing; the POST keeps it running", async () => {
    at("2026-12-01T10:00:00Z");
    const emu = await emulator();
    const m = emu.state.addInstance({ Region: GZ, profile: idle });
    const fn = scf(emu);
    const keep = linkOf(await fn.run(), m.InstanceId, /2 h/);
    const shown = await fn.follow(keep);
    expect(shown.body).toMatch(/<form method="post"/);
    expect(tag(emu, m.InstanceId, SNOOZE_TAG)).toBeUndefined();
    const done = await fn.follow(keep, "POST");
    expect(done.body).toMatch(/keeps running until/);
    expect(tag(emu, m.InstanceId, SNOOZE_TAG)).toBe("2026-12-01T12:00Z");
  });

  it("never shortens a snooze set later than its own time", async () => {
    at("2026-12-01T10:00:00Z");
    const emu = await emulator();
    const m = emu.state.addInstance({ Region: GZ, profile: idle });
    const fn = scf(emu);
    const keep = linkOf(await fn.run(), m.InstanceId, /2 h/);
    emu.state.instances.get(m.InstanceId)!.Tags!.push({ Key: SNOOZE_TAG, Value: "2026-12-04T18:00+08:00" });
    const page = await fn.follow(keep, "POST");
    expect(page.body).toMatch(/already kept running until 2026-12-04 10:00 \(UTC\)/);
    expect(tag(emu, m.InstanceId, SNOOZE_TAG)).toBe("2026-12-04T18:00+08:00");
  });
});

describe("stop-now links", () => {
  it("a GET shows what would happen and stops nothing; the POST stops it", async () => {
    at("2026-12-01T10:00:00Z");
    const emu = await emulator();
    const m = emu.state.addInstance({ Region: GZ, profile: idle });
    const fn = scf(emu);
    const stop = linkOf(await fn.run(), m.InstanceId, /stop now/);
    const shown = await fn.follow(stop);
    expect(shown.statusCode).toBe(200);
    expect(shown.body).toMatch(/<form method="post"/);
    expect(state(emu, m.InstanceId)).toBe("RUNNING");
    expect(emu.callsFor("StopInstances")).toHaveLength(0);
    const done = await fn.follow(stop, "POST");
    expect(done.body).toMatch(/is stopping/);
    expect(state(emu, m.InstanceId)).toBe("STOPPED");
  });

  it("acts only on the running period it was issued for: after a restart by its owner it stops nothing", async () => {
    at("2026-12-01T10:00:00Z");
    const emu = await emulator();
    const m = emu.state.addInstance({ Region: GZ, profile: idle });
    const fn = scf(emu);
    const stop = linkOf(await fn.run(), m.InstanceId, /stop now/);
    later(5);
    const { client } = clientFor(emu);
    await api(client).stopInstances(GZ, { InstanceIds: [m.InstanceId] });
    await api(client).startInstances(GZ, { InstanceIds: [m.InstanceId] });
    later(1);
    const page = await fn.follow(stop, "POST");
    expect(page.body).toMatch(/started again since/);
    expect(state(emu, m.InstanceId)).toBe("RUNNING");
    expect(emu.callsFor("StopInstances")).toHaveLength(1);
  });
});

describe("a dry run hands out nothing that acts", () => {
  it("through serve: its report and its chat message carry no link", async () => {
    const emu = await emulator();
    const chat = await chatServer();
    const m = emu.state.addInstance({ Region: GZ, profile: idle });
    const server = await startLocalServer({
      functions: REGISTRY,
      env: {
        ...envFor(emu),
        REGIONS: GZ,
        WEBHOOK_SECRET: SECRET,
        AUTO_STOP_WARN_MINUTES: "30",
        AUTO_STOP_MAX_FRACTION: "1",
        AUTO_STOP_LINK_URL: "http://127.0.0.1:9",
        NOTIFY_URLS: chat.urls.wecom,
        SERVE_FUNCTIONS: "auto-stop-idle",
      },
      port: 0,
      logger: memoryLogger(),
      say: () => {},
      schedules: false,
    });
    try {
      const r = (await server.runOnce("auto-stop-idle", { source: "cli", dryRun: true })) as RunReport;
      const d = r.results.find((x) => x.id === m.InstanceId)!;
      expect([d.action, d.outcome]).toEqual(["warn", "planned"]);
      expect(d.detail?.links).toBeUndefined();
      expect(JSON.stringify(r)).not.toContain("/snooze?");
      expect(chat.received.at(-1)!.text).not.toContain("/snooze?");
    } finally {
      await server.stop();
    }
  });
});

describe("removing an ended snooze never removes a newer one", () => {
  it("a snooze written after the run read the tags stays", async () => {
    at("2026-12-01T10:00:00Z");
    const fresh = "2026-12-01T12:00Z";
    let written = false;
    const emu = await emulator({
      afterRequest: (call, st) => {
        // A keep-running link followed just after the run's listing read the ended snooze.
        if (written || call.action !== "DescribeInstances") return;
        written = true;
        for (const i of st.instances.values())
          i.Tags = [...(i.Tags ?? []).filter((t) => t.Key !== SNOOZE_TAG), { Key: SNOOZE_TAG, Value: fresh }];
      },
    });
    const m = emu.state.addInstance({
      Region: GZ,
      profile: { cpu: 60, traffic: 4 },
      Tags: [{ Key: SNOOZE_TAG, Value: "2026-12-01T09:00Z" }],
    });
    const r = await scf(emu).run();
    expect(written).toBe(true);
    expect(r.results.find((x) => x.id === m.InstanceId)?.outcome).not.toBe("done");
    expect(tag(emu, m.InstanceId, SNOOZE_TAG)).toBe(fresh);
  });
});
