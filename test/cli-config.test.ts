/** Configuration through the CLI: misspelt settings, .env, `validate`, the demo's own settings, and usage errors. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.ts";
import { unknownVariableWarnings } from "../cli/settings-catalog.ts";

const CREDS = {
  TENCENTCLOUD_SECRET_ID: "AKIDexample0000000000000000000000000",
  TENCENTCLOUD_SECRET_KEY: "exampleSecretKey00000000000000000",
  TENCENTCLOUD_REGION: "ap-guangzhou",
  IMAGE_SYNC_DESTINATIONS: "ap-shanghai",
};

describe("a setting we do not know", () => {
  it("under one of our prefixes is a warning naming the closest known one; other variables are left alone", () => {
    expect(unknownVariableWarnings({ AUTO_STOP_CPU_TRESHOLD: "50", HOME: "/root", TENCENTCLOUD_APPID: "1" })).toEqual([
      "AUTO_STOP_CPU_TRESHOLD is not a setting cvm-autopilot reads, so it is ignored; did you mean AUTO_STOP_CPU_THRESHOLD?",
    ]);
    expect(unknownVariableWarnings({ OFFICE_HOURS_SCHEDULES: "{}", SCHEDULE_RENEW_FLAG: "0 9 * * *" })).toEqual([]);
  });

  it("is said before the command runs", async () => {
    const r = await runCli(["validate"], { ...CREDS, AUTO_STOP_CPU_TRESHOLD: "50" });
    expect(r.stdout).toContain(
      "warning: AUTO_STOP_CPU_TRESHOLD is not a setting cvm-autopilot reads, so it is ignored; did you mean AUTO_STOP_CPU_THRESHOLD?",
    );
    const run = await runCli(["run", "nope"], { ...CREDS, AUTO_STOP_CPU_TRESHOLD: "50" });
    expect(run.stderr.split("\n")[0]).toContain("warning: AUTO_STOP_CPU_TRESHOLD is not a setting");
  });
});

describe(".env", () => {
  it("fills in what the environment lacks; the environment wins", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dotenv-"));
    writeFileSync(join(dir, ".env"), "AUTO_STOP_CPU_THRESHOLD=7\nRENEW_WARN_DAYS=30\n# a comment\n");
    const fromFile = await runCli(["validate"], CREDS, 20_000, dir);
    expect(fromFile.code).toBe(0);
    expect(fromFile.stdout).toContain("AUTO_STOP_CPU_THRESHOLD = 7 (.env)");
    expect(fromFile.stdout).toContain("RENEW_WARN_DAYS = 30 (.env)");
    const envWins = await runCli(["validate"], { ...CREDS, AUTO_STOP_CPU_THRESHOLD: "9" }, 20_000, dir);
    expect(envWins.stdout).toContain("AUTO_STOP_CPU_THRESHOLD = 9 (env)");
  });
});

describe("validate", () => {
  it("prints each function's mode, scope, schedule and effective settings, and never a secret", async () => {
    const r = await runCli(["validate"], {
      ...CREDS,
      WEBHOOK_SECRET: "w".repeat(40),
      AUTO_STOP_INCLUDE_TAGS: "team=web",
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("auto-stop-idle: ok, a dry run (DRY_RUN is not set; DRY_RUN=false to act)");
    expect(r.stdout).toContain("  scope: pay-as-you-go instances tagged team=web, not tagged autopilot:auto-stop=off");
    expect(r.stdout).toMatch(
      / {2}schedule: every 15 minutes \("\*\/15 \* \* \* \*", SCHEDULE_AUTO_STOP_IDLE\); next \d{4}-/,
    );
    expect(r.stdout).toContain("AUTO_STOP_INCLUDE_TAGS = team=web (env)");
    expect(r.stdout).toContain("WEBHOOK_SECRET = (set, not shown)");
    expect(r.stdout + r.stderr).not.toContain(CREDS.TENCENTCLOUD_SECRET_KEY);
    expect(r.stdout).toMatch(/validate: the configuration is complete; nothing was called\n$/);
  });

  it("lists every problem of every function, exits 2, and says which settings the demo chose for itself", async () => {
    const { IMAGE_SYNC_DESTINATIONS: _, ...real } = CREDS;
    const r = await runCli(["validate"], { ...real, AUTO_STOP_CPU_THRESHOLD: "-1", SCHEDULE_RENEW_FLAG: "daily" });
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/AUTO_STOP_CPU_THRESHOLD: expected a number/);
    expect(r.stdout).toContain("SCHEDULE_RENEW_FLAG");
    expect(r.stdout).toContain(
      "(the demo sets IMAGE_SYNC_DESTINATIONS=ap-shanghai for itself; a real run needs its own)",
    );
  });

  it("a real run that lacks a setting the demo injects says so before any call", async () => {
    const { IMAGE_SYNC_DESTINATIONS: _, ...real } = CREDS;
    const r = await runCli(["run", "image-sync"], { ...real, CVM_AUTOPILOT_ENDPOINT: "http://127.0.0.1:9" });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("IMAGE_SYNC_DESTINATIONS: required");
    expect(r.stderr).toContain("the demo sets IMAGE_SYNC_DESTINATIONS=ap-shanghai for itself");
  });
});

describe("the demo names the settings it injects", () => {
  it("run with no credentials: the emulator, then the settings the demo chose, then -o text with its warnings", async () => {
    const r = await runCli(["run", "renew-flag", "-o", "text"], { RENEW_WARN_DAYS: "30" }, 60_000);
    expect(r.code).toBe(0);
    const [first, second] = r.stderr.split("\n");
    expect(first).toMatch(/^cvm-autopilot run: no credentials set, so using the embedded emulator/);
    expect(second).toBe(
      // The shared ones, then each function's own (FunctionSpec.demoSettings), in registry order.
      "demo settings (a real account sets its own; yours win): REGIONS=ap-guangzhou,ap-shanghai AUTO_STOP_PRICES=S5.MEDIUM4=0.23 IMAGE_SYNC_DESTINATIONS=ap-shanghai RENEW_RULES=env=prod:NOTIFY_AND_AUTO_RENEW,env=dev:NOTIFY_AND_MANUAL_RENEW RENEW_DEFAULT_FLAG=NOTIFY_AND_MANUAL_RENEW RIGHTSIZE_WINDOW=00:00-24:00",
    );
    // -o text: the summary, then each warning the report carries.
    const warned = Number(/warnings (\d+)/.exec(r.stdout)![1]);
    expect(warned).toBeGreaterThan(0);
    const lines = r.stdout.split("\n").filter((l) => l.startsWith("warnings: "));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThanOrEqual(warned + 1);
    expect(lines[0]).toMatch(/^warnings: .*ins-\w+/);
  });
});

describe("usage errors", () => {
  it("--region outside REGIONS is a usage error naming the closest, before any call", async () => {
    const r = await runCli(["run", "renew-flag", "--region", "ap-guangzho"], {
      ...CREDS,
      REGIONS: "ap-guangzhou,ap-shanghai",
      CVM_AUTOPILOT_ENDPOINT: "http://127.0.0.1:9",
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "--region ap-guangzho is not one of REGIONS (ap-guangzhou, ap-shanghai); did you mean ap-guangzhou?",
    );
  });

  it("emulator --port abc is a clear error, exit 2", async () => {
    const r = await runCli(["emulator", "--port", "abc"], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--port must be a whole number from 0 to 65535, got "abc"');
    expect(r.stderr).not.toContain("unexpected error");
  });
});

describe("serve's and the CLI's own settings are read by their declarations", () => {
  it.each([
    [["serve"], { PORT: "eighty" }, 'PORT: expected a whole number from 0 to 65535, got "eighty"'],
    [["serve"], { PORT: "70000" }, 'PORT: expected a whole number from 0 to 65535, got "70000"'],
    [["dashboard", "--url"], { PORT: "x", WEBHOOK_SECRET: "w".repeat(40) }, "PORT: expected a whole number from 0"],
    [["run", "renew-flag"], { LOG_FORMAT: "xml" }, 'LOG_FORMAT: expected one of human, json, got "xml"'],
    [["serve"], { SERVE_RUN_ON_START: "maybe", PORT: "0" }, 'SERVE_RUN_ON_START: expected true or false, got "maybe"'],
  ])("%j with %j stops before anything runs, naming the variable and what it takes", async (args, env, said) => {
    const r = await runCli(args, env, 20_000);
    expect(r.stderr).toContain(said);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
