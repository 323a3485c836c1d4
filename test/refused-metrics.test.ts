/**
 * A GetMonitorData call refused with a code that is not retried — LimitExceeded (what the end of
 * Cloud Monitor's free calls may look like: the code is not documented), UnauthorizedOperation,
 * FailedOperation — while a region of 120–300 idle machines streams its metric queries. Through
 * every boundary a person or a platform sees: the CLI's exit code and report, `serve` (still
 * answering and still on schedule), and the SCF and Lambda handlers. None may end in an unhandled
 * rejection; each failed region is an error in the report, and the run still notifies.
 */
import { describe, expect, it } from "vitest";
import { runCli, startCli } from "./helpers/cli.ts";
import { chatServer } from "./helpers/chat-server.ts";
import { emulator } from "./helpers/world.ts";
import { envFor } from "./helpers/functions.ts";
import { eventBridge, httpApiV2, scfApigw, scfTimer, signedHeaders } from "./helpers/events.ts";
import { makeHandlers, RunFailedError, type HttpReply } from "../lib/host/adapters.ts";
import { FUNCTIONS } from "../functions/registry.ts";
import { memoryLogger } from "../lib/log/logger.ts";
import type { Emulator } from "../emulator/server.ts";

const GZ = "ap-guangzhou";
const SH = "ap-shanghai";
const SECRET = "whsec-test-0123456789abcdef0123456789";
const CODES = ["LimitExceeded", "UnauthorizedOperation", "FailedOperation"] as const;

/** An emulator with `n` idle machines in Guangzhou whose third GetMonitorData call there (and only it) is refused with `code`. */
async function refusingWorld(n: number, code: string): Promise<Emulator> {
  const emu = await emulator();
  for (let i = 0; i < n; i++) emu.state.addInstance({ Region: GZ, profile: { cpu: 1, traffic: 0 } });
  // The third call: earlier batches are answered, others are still in flight when this one fails.
  emu.faults.add({
    action: "GetMonitorData",
    region: GZ,
    kind: "error",
    code,
    message: `refused (${code})`,
    after: 2,
    count: 1,
  });
  return emu;
}

describe("a refused GetMonitorData call", () => {
  it.each(CODES)(
    "%s: the CLI run reports the region's error, acts in the other region, notifies and exits 1",
    async (code) => {
      const emu = await refusingWorld(300, code);
      const idleSh = Array.from({ length: 10 }, () =>
        emu.state.addInstance({ Region: SH, profile: { cpu: 1, traffic: 0 } }),
      );
      for (let i = 0; i < 20; i++) emu.state.addInstance({ Region: SH, profile: { cpu: 60, traffic: 5 } });
      const chat = await chatServer();
      const r = await runCli(["run", "auto-stop-idle"], {
        ...envFor(emu),
        // Live: with credentials and DRY_RUN unset a run changes nothing.
        DRY_RUN: "false",
        REGIONS: `${GZ},${SH}`,
        NOTIFY_URLS: chat.urls.slack,
      });
      expect(r.stderr).not.toMatch(/unhandled|triggerUncaughtException|at async/i);
      expect(r.code).toBe(1);
      const report = JSON.parse(r.stdout);
      expect(report.errors).toEqual([expect.objectContaining({ region: GZ, code, action: "GetMonitorData" })]);
      // The failed region decides nothing, so nothing there is stopped on half the evidence; the other region acts.
      expect(emu.callsFor("StopInstances").map((c) => c.region)).toEqual([SH]);
      expect(report.outcomes.done).toBe(idleSh.length);
      expect(chat.received).toHaveLength(1);
      expect(chat.received[0]!.text).toContain(code);
    },
  );

  it("the month's free calls run out mid-run: the CLI reports why and how to fix it, and exits 1", async () => {
    // The emulator's own free tier (Cloud Monitor's 1,000,000 calls a month, here 3): refused past it.
    const emu = await emulator({ monitorFreeCalls: 3 });
    for (let i = 0; i < 300; i++) emu.state.addInstance({ Region: GZ, profile: { cpu: 1, traffic: 0 } });
    const r = await runCli(["run", "auto-stop-idle"], { ...envFor(emu), DRY_RUN: "false" });
    expect(r.stderr).not.toMatch(/unhandled|triggerUncaughtException|at async/i);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).errors).toEqual([
      expect.objectContaining({
        region: GZ,
        code: "LimitExceeded",
        message: expect.stringContaining("API请求按量付费"),
      }),
    ]);
    expect(emu.callsFor("StopInstances")).toEqual([]);
  });

  it.each(CODES)(
    "%s: the SCF and Lambda handlers (timer, schedule, webhook) fail the run with its report",
    async (code) => {
      const emu = await refusingWorld(120, code);
      const log = memoryLogger();
      const h = makeHandlers(FUNCTIONS["auto-stop-idle"]!, {
        env: { ...envFor(emu), WEBHOOK_SECRET: SECRET },
        logger: log,
      });
      for (const invoke of [
        () => h.main_handler(scfTimer(), { request_id: "scf-1" }),
        () => h.handler(eventBridge(), { awsRequestId: "aws-1" }),
      ]) {
        emu.faults.clear();
        emu.faults.add({ action: "GetMonitorData", kind: "error", code, message: "refused", after: 1, count: 1 });
        const failed = await invoke().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(failed).toBeInstanceOf(RunFailedError);
        expect((failed as RunFailedError).report.errors).toEqual([expect.objectContaining({ region: GZ, code })]);
      }
      expect(log.records().some((l) => l.msg === "run report")).toBe(true);
      // A signed webhook through the SCF API gateway and a Lambda function URL: 500 with the report.
      for (const event of [scfApigw, httpApiV2]) {
        emu.faults.clear();
        emu.faults.add({ action: "GetMonitorData", kind: "error", code, message: "refused", after: 1, count: 1 });
        // Two bodies: one signed body sent twice in a second is a replay, refused.
        const body = JSON.stringify({ dryRun: true, regions: event === scfApigw ? [GZ] : undefined });
        const e = event(body, signedHeaders(SECRET, body));
        const reply = (await (event === scfApigw
          ? h.main_handler(e, { request_id: "scf-2" })
          : h.handler(e, { awsRequestId: "aws-2" }))) as HttpReply;
        expect(reply.statusCode).toBe(500);
        expect(JSON.parse(reply.body).errors).toEqual([expect.objectContaining({ region: GZ, code })]);
      }
    },
  );

  it("serve: the failed run is reported, /healthz still answers and the next schedule runs", async () => {
    const emu = await refusingWorld(120, "LimitExceeded");
    const { child, output } = await startCli(
      ["serve"],
      {
        ...envFor(emu),
        PORT: "0",
        SERVE_FUNCTIONS: "auto-stop-idle",
        SERVE_RUN_ON_START: "true",
        SCHEDULE_AUTO_STOP_IDLE: "* * * * *",
        DRY_RUN: "true",
      },
      /now on schedule/,
    );
    try {
      expect(output()).toMatch(/auto-stop-idle \(dry run\): scanned 0, .*errors 1/);
      const url = /health: GET (\S+)\/healthz/.exec(output())![1]!;
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      // The next minute's schedule runs, and this time the metrics answer (two minutes: a tick that
      // falls while the first run is still in flight is skipped, as serve never overlaps runs).
      const deadline = Date.now() + 125_000;
      while (!/scanned 120/.test(output()) && Date.now() < deadline && child.exitCode === null)
        await new Promise((r) => setTimeout(r, 200));
      expect(child.exitCode).toBe(null);
      expect(output()).toMatch(/auto-stop-idle \(dry run\): scanned 120, .*errors 0/);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    } finally {
      child.kill("SIGINT");
    }
  }, 150_000);
});
