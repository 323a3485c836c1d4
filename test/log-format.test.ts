/** Log lines a person reads at a terminal, JSON everywhere else; a planning deploy logs no failure it expects. */
import { describe, expect, it } from "vitest";
import { createLogger } from "../lib/log/logger.ts";
import { logFormat } from "../cli/log-format.ts";
import { runCli } from "./helpers/cli.ts";
import { emulator } from "./helpers/world.ts";

describe("log format", () => {
  it("human: level, message, what to act on, the RequestId; secrets still masked", () => {
    const lines: string[] = [];
    const log = createLogger({ level: "info", sink: (l) => lines.push(l), format: "human" });
    log.warn("api call failed", {
      service: "monitor",
      action: "GetMonitorData",
      region: "ap-guangzhou",
      requestId: "76cd35df",
      code: "InvalidParameterValue",
      durationMs: 4,
      SecretKey: "topsecretvalue123",
    });
    expect(lines).toEqual([
      "warn  api call failed: GetMonitorData ap-guangzhou InvalidParameterValue (RequestId 76cd35df)",
    ]);
  });

  it("LOG_FORMAT wins; unset, human on a terminal and JSON when piped", () => {
    expect(logFormat({ LOG_FORMAT: "json" }, { isTTY: true })).toBe("json");
    expect(logFormat({ LOG_FORMAT: "human" }, { isTTY: false })).toBe("human");
    expect(logFormat({}, { isTTY: true })).toBe("human");
    expect(logFormat({}, { isTTY: false })).toBe("json");
    expect(() => logFormat({ LOG_FORMAT: "xml" }, { isTTY: true })).toThrow(
      'LOG_FORMAT: expected one of human, json, got "xml"',
    );
  });

  it("deploy --dry-run on a fresh account logs no failure for the not-found answers it plans from", async () => {
    const emu = await emulator();
    const env = {
      TENCENTCLOUD_SECRET_ID: emu.credentials.secretId,
      TENCENTCLOUD_SECRET_KEY: emu.credentials.secretKey,
      TENCENTCLOUD_REGION: "ap-guangzhou",
      CVM_AUTOPILOT_ENDPOINT: emu.url,
      WEBHOOK_SECRET: "w".repeat(40),
    };
    const r = await runCli(["deploy", "--dry-run"], env, 60_000);
    expect(r.code).toBe(0);
    expect(emu.calls.some((c) => c.code?.startsWith("ResourceNotFound"))).toBe(true);
    expect(r.stderr).not.toContain("api call failed");
  });
});
