import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ReportBase } from "../lib/report/report-head.ts";
import { startCli } from "./helpers/cli.ts";
import { startLocalServer } from "../lib/host/local-server.ts";
import { REGISTRY } from "../functions/registry.ts";
import { memoryLogger } from "../lib/log/logger.ts";
import { envFor } from "./helpers/functions.ts";
import { signedHeaders } from "./helpers/events.ts";
import { emulator } from "./helpers/world.ts";

describe("npm start (cvm-autopilot serve)", () => {
  it("with no credentials: embedded emulator, one run of each function, healthz, clean Ctrl-C", async () => {
    const { child, output } = await startCli(["serve"], { PORT: "0" }, /demo run complete/, 60_000);
    try {
      const text = output();
      expect(text.split("\n")[0]).toMatch(
        /^cvm-autopilot serve: no credentials set, so using the embedded emulator at http:\/\/127\.0\.0\.1:\d+/,
      );
      for (const f of [
        "auto-stop-idle: scanned",
        "image-sync: scanned",
        "renew-flag: scanned",
        "key-rotation: scanned",
      ])
        expect(text).toContain(f);
      expect(text).not.toMatch(/errors [1-9]/);
      const url = /health: GET (\S+)\/healthz/.exec(text)![1]!;
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ ok: true });
    } finally {
      child.kill("SIGINT");
    }
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code).toBe(0);
    expect(output()).toContain("stopped cleanly");
  });
});

describe("local webhook server", () => {
  it("runs a function on a signed POST and refuses overlapping runs of the same function", async () => {
    const emu = await emulator({ latencyMs: 30 });
    emu.state.addInstance({ Region: "ap-guangzhou", profile: { cpu: 1, traffic: 0 } });
    emu.state.addInstance({ Region: "ap-guangzhou", profile: { cpu: 60, traffic: 5 } });
    const env = {
      ...envFor(emu),
      WEBHOOK_SECRET: "local-secret-123-0123456789abcdef0123",
      SERVE_FUNCTIONS: "auto-stop-idle,renew-flag",
    };
    const lines: string[] = [];
    const log = memoryLogger();
    const server = await startLocalServer({
      functions: REGISTRY,
      env,
      port: 0,
      logger: log,
      say: (l) => lines.push(l),
      schedules: false,
    });
    try {
      const post = (body: string) =>
        fetch(`${server.url}/run/auto-stop-idle`, {
          method: "POST",
          body,
          headers: signedHeaders("local-secret-123-0123456789abcdef0123", body),
        });
      const [a, b] = await Promise.all([post('{"dryRun":true}'), post('{"dryRun":true,"regions":["ap-guangzhou"]}')]);
      expect([a.status, b.status].sort()).toEqual([200, 409]);
      expect((await fetch(`${server.url}/run/auto-stop-idle`, { method: "POST", body: "{}" })).status).toBe(401);
      // Logged as the platforms log it, with the reason and never the secret.
      const refused = log.records().find((r) => r.msg === "webhook refused");
      expect(refused).toMatchObject({ function: "auto-stop-idle", status: 401 });
      expect(JSON.stringify(log.records())).not.toContain("local-secret-123");
      expect((await fetch(`${server.url}/run/nope`, { method: "POST", body: "{}" })).status).toBe(404);
      expect((await fetch(`${server.url}/run/image-sync`, { method: "POST", body: "{}" })).status).toBe(404);
      expect(lines.some((l) => l.includes("already in flight"))).toBe(true);
    } finally {
      await server.stop();
    }
  });

  it("REPORT_DIR keeps each run's report as <function>/<runId>.json and latest.json", async () => {
    const emu = await emulator({ instances: 2, fleetRegions: ["ap-guangzhou"] });
    const dir = mkdtempSync(join(tmpdir(), "reports-"));
    const server = await startLocalServer({
      functions: REGISTRY,
      env: { ...envFor(emu), REPORT_DIR: dir, SERVE_FUNCTIONS: "renew-flag", DRY_RUN: "true" },
      port: 0,
      logger: memoryLogger(),
      say: () => undefined,
      schedules: false,
    });
    try {
      const first = (await server.runOnce("renew-flag", { source: "test" })) as ReportBase;
      const second = (await server.runOnce("renew-flag", { source: "test" })) as ReportBase;
      const files = readdirSync(join(dir, "renew-flag")).sort();
      expect(files).toEqual([`${first.runId}.json`, `${second.runId}.json`, "latest.json"].sort());
      expect(JSON.parse(readFileSync(join(dir, "renew-flag", "latest.json"), "utf8")).runId).toBe(second.runId);
      expect(readFileSync(join(dir, "renew-flag", `${first.runId}.json`), "utf8")).not.toContain(
        emu.credentials.secretKey,
      );
    } finally {
      await server.stop();
    }
  });

  it("refuses to start on a bad setting, listing it", async () => {
    const emu = await emulator();
    await expect(
      startLocalServer({
        functions: REGISTRY,
        env: { ...envFor(emu), SCHEDULE_RENEW_FLAG: "daily" },
        port: 0,
        logger: memoryLogger(),
        say: () => undefined,
      }),
    ).rejects.toThrow("SCHEDULE_RENEW_FLAG");
  });
});
