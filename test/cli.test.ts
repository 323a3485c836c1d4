import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, startCli } from "./helpers/cli.ts";
import { emulator } from "./helpers/world.ts";
import { DEMO_CREDENTIALS } from "../emulator/server.ts";
import { TencentCloudClient } from "../lib/tencent/client.ts";
import { memoryLogger } from "../lib/log/logger.ts";

describe("cvm-autopilot call", () => {
  it.each(["TC3-HMAC-SHA256", "HmacSHA256", "HmacSHA1"])(
    "%s: prints the JSON response with its RequestId",
    async (method) => {
      const emu = await emulator({ instances: 4, fleetRegions: ["ap-guangzhou"] });
      const env = {
        TENCENTCLOUD_SECRET_ID: emu.credentials.secretId,
        TENCENTCLOUD_SECRET_KEY: emu.credentials.secretKey,
        CVM_AUTOPILOT_ENDPOINT: emu.url,
        CVM_AUTOPILOT_SIGN_METHOD: method,
      };
      const r = await runCli(["call", "DescribeInstances", "--region", "ap-guangzhou", "--params", '{"Limit":2}'], env);
      expect(r.code).toBe(0);
      const body = JSON.parse(r.stdout);
      expect(body.Response.TotalCount).toBe(4);
      expect(body.Response.RequestId).toBe(emu.calls[0]!.requestId);
    },
  );

  it("run exits 3 when the blast-radius guard holds the run back, and stops nothing", async () => {
    const emu = await emulator();
    for (let i = 0; i < 3; i++) emu.state.addInstance({ Region: "ap-guangzhou", profile: { cpu: 1, traffic: 0 } });
    emu.state.addInstance({ Region: "ap-guangzhou", profile: { cpu: 60, traffic: 5 } });
    const env = {
      TENCENTCLOUD_SECRET_ID: emu.credentials.secretId,
      TENCENTCLOUD_SECRET_KEY: emu.credentials.secretKey,
      CVM_AUTOPILOT_ENDPOINT: emu.url,
      TENCENTCLOUD_REGION: "ap-guangzhou",
    };
    const r = await runCli(["run", "auto-stop-idle"], env);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("blast-radius guard tripped");
    expect(emu.callsFor("StopInstances")).toEqual([]);
  });

  it("run --region narrows REGIONS to the named regions; one outside REGIONS is an error, not a silent no-op", async () => {
    const emu = await emulator({ instances: 2, fleetRegions: ["ap-guangzhou", "ap-shanghai"] });
    const env = {
      TENCENTCLOUD_SECRET_ID: emu.credentials.secretId,
      TENCENTCLOUD_SECRET_KEY: emu.credentials.secretKey,
      CVM_AUTOPILOT_ENDPOINT: emu.url,
      REGIONS: "ap-guangzhou,ap-shanghai",
    };
    const narrowed = await runCli(["run", "renew-flag", "--dry-run", "--region", "ap-shanghai"], env);
    expect(narrowed.code).toBe(0);
    expect(JSON.parse(narrowed.stdout).regions).toEqual(["ap-shanghai"]);
    expect(emu.calls.filter((c) => c.action === "DescribeInstances").map((c) => c.region)).toEqual(["ap-shanghai"]);

    // A region outside REGIONS is a usage error (exit 2), before any call, naming the closest.
    const calls = emu.calls.length;
    const typo = await runCli(["run", "renew-flag", "--dry-run", "--region", "ap-shanghai,ap-guangzou"], env);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain(
      "--region ap-guangzou is not one of REGIONS (ap-guangzhou, ap-shanghai); did you mean ap-guangzhou?",
    );
    expect(emu.calls.length).toBe(calls);
  });

  it("run --out DIR keeps the report as DIR/<function>/<runId>.json and latest.json; an unwritable DIR exits 1 naming it", async () => {
    const emu = await emulator({ instances: 2, fleetRegions: ["ap-guangzhou"] });
    const env = {
      TENCENTCLOUD_SECRET_ID: emu.credentials.secretId,
      TENCENTCLOUD_SECRET_KEY: emu.credentials.secretKey,
      CVM_AUTOPILOT_ENDPOINT: emu.url,
      TENCENTCLOUD_REGION: "ap-guangzhou",
    };
    const dir = mkdtempSync(join(tmpdir(), "out-"));
    const r = await runCli(["run", "renew-flag", "--dry-run", "--out", dir], env);
    expect(r.code).toBe(0);
    const { runId } = JSON.parse(r.stdout);
    expect(r.stderr).toContain(`report saved: ${join(dir, "renew-flag", `${runId}.json`)}`);
    expect(JSON.parse(readFileSync(join(dir, "renew-flag", "latest.json"), "utf8"))).toEqual(JSON.parse(r.stdout));

    writeFileSync(join(dir, "a-file"), "");
    const bad = await runCli(["run", "renew-flag", "--dry-run", "--out", join(dir, "a-file")], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`report not saved in ${join(dir, "a-file")}`);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });

  it("run --output table lists what would stop by name, id, region, zone, type and reason, with the counts; json when piped; text is the summary", async () => {
    const emu = await emulator();
    emu.state.addInstance({ Region: "ap-guangzhou", InstanceName: "批处理-idle", profile: { cpu: 1, traffic: 0 } });
    for (let i = 0; i < 3; i++) emu.state.addInstance({ Region: "ap-guangzhou", profile: { cpu: 60, traffic: 5 } });
    const env = {
      TENCENTCLOUD_SECRET_ID: emu.credentials.secretId,
      TENCENTCLOUD_SECRET_KEY: emu.credentials.secretKey,
      CVM_AUTOPILOT_ENDPOINT: emu.url,
      TENCENTCLOUD_REGION: "ap-guangzhou",
    };
    const table = await runCli(["run", "auto-stop-idle", "--dry-run", "--output", "table"], env);
    expect(table.code).toBe(0);
    const idle = [...emu.state.instances.values()].find((i) => i.InstanceName === "批处理-idle")!;
    const row = table.stdout.split("\n").find((l) => l.includes(idle.InstanceId))!;
    for (const cell of ["批处理-idle", "ap-guangzhou", idle.Placement.Zone, idle.InstanceType, "stop", "planned"])
      expect(row).toContain(cell);
    expect(table.stdout).toMatch(/scanned 4 · decided: .*1 idle/);
    expect(table.stdout).toContain("writes: 1 planned · kept: 3 busy: CPU");
    // The emulator's pay-as-you-go price for the idle machine's type, per hour and per 30 days.
    const hourly = { "S5.MEDIUM4": 0.25, "S5.LARGE8": 0.5 }[idle.InstanceType as string]!;
    expect(table.stdout).toContain(`estimated savings: ${hourly} CNY/hour, ${hourly * 720} CNY/month at this rate`);
    // And per machine, in its own column.
    expect(table.stdout).toContain("CNY/hour │");
    expect(row).toContain(`│ ${hourly}`);
    expect(() => JSON.parse(table.stdout)).toThrow();
    // No JSON on the screen: info logs are for piped runs (or LOG_LEVEL=info).
    expect(table.stderr).not.toContain('"level":"info"');
    // Progress lines are for a terminal; piped, nothing extra.
    expect(table.stderr).not.toContain("to act on");

    const piped = await runCli(["run", "auto-stop-idle", "--dry-run"], env);
    expect(JSON.parse(piped.stdout).outcomes.planned).toBe(1);
    // Text is the output itself, on stdout, so `> file` keeps it.
    const text = await runCli(["run", "auto-stop-idle", "--dry-run", "-o", "text"], env);
    expect(text.stdout).toContain("auto-stop-idle (dry run): scanned 4");
    expect(text.stderr).not.toContain("auto-stop-idle (dry run): scanned 4");
    // An error is named with its code and RequestId in the text, once.
    emu.faults.add({
      action: "DescribeInstances",
      kind: "error",
      code: "AuthFailure.UnauthorizedOperation",
      message: "no cvm:DescribeInstances",
    });
    const failed = await runCli(["run", "auto-stop-idle", "--dry-run", "-o", "text"], env);
    expect(failed.code).toBe(1);
    expect(
      failed.stdout.match(
        /^error: .*AuthFailure\.UnauthorizedOperation: no cvm:DescribeInstances \(RequestId [0-9a-f-]+\)$/gm,
      ),
    ).toHaveLength(1);
    emu.faults.clear();
    const bad = await runCli(["run", "auto-stop-idle", "--output", "yaml"], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--output must be one of table, json, text");
    expect(emu.callsFor("StopInstances")).toEqual([]);
  });

  it("exits 1 with Code / Message / RequestId on stderr for an API error", async () => {
    const emu = await emulator();
    const env = {
      TENCENTCLOUD_SECRET_ID: emu.credentials.secretId,
      TENCENTCLOUD_SECRET_KEY: emu.credentials.secretKey,
      CVM_AUTOPILOT_ENDPOINT: emu.url,
    };
    const r = await runCli(
      ["call", "StopInstances", "--region", "ap-guangzhou", "--params", '{"InstanceIds":["ins-1"]}'],
      env,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Code: InvalidInstanceId.Malformed");
    expect(r.stderr).toContain(`RequestId: ${emu.calls[0]!.requestId}`);
  });

  it.each([
    [["call", "DescribeRegions", "--params", "{oops"], "--params is not valid JSON"],
    [["call"], "call needs an Action"],
    [["call", "DescribeRegions", "--bogus"], "unknown option --bogus for call"],
    [
      ["call", "DescribeZones"],
      "call needs --region (or TENCENTCLOUD_REGION), e.g. cvm-autopilot call DescribeZones --region ap-guangzhou",
    ],
  ])("%j is a usage error (exit 2), not a stack trace", async (args, msg) => {
    const r = await runCli(args, { TENCENTCLOUD_SECRET_ID: "a", TENCENTCLOUD_SECRET_KEY: "bbbbbbbb" });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(msg);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("missing credentials name the variables", async () => {
    const r = await runCli(["call", "DescribeRegions"], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("TENCENTCLOUD_SECRET_ID: required");
    expect(r.stderr).toContain("TENCENTCLOUD_SECRET_KEY: required");
  });
});

describe("cvm-autopilot emulator", () => {
  it("starts a 250-instance fleet over two regions and answers with the demo credentials", async () => {
    const { child, line } = await startCli(
      ["emulator", "--port", "0", "--instances", "250", "--regions", "ap-guangzhou,ap-shanghai"],
      {},
      /listening on/,
    );
    try {
      const url = /listening on (\S+)/.exec(line)![1]!;
      const client = new TencentCloudClient({ credentials: DEMO_CREDENTIALS, endpoint: url, logger: memoryLogger() });
      const gz = await client.call<{ TotalCount: number }>("cvm", "DescribeInstances", {}, { region: "ap-guangzhou" });
      const sh = await client.call<{ TotalCount: number }>("cvm", "DescribeInstances", {}, { region: "ap-shanghai" });
      expect(gz.TotalCount + sh.TotalCount).toBe(250);
      expect(gz.TotalCount).toBe(125);
    } finally {
      child.kill("SIGINT");
    }
  });

  it("--accounts 2 serves two member accounts, each with its own fleet, reached by assuming their role", async () => {
    const { child, line } = await startCli(
      ["emulator", "--port", "0", "--instances", "30", "--regions", "ap-guangzhou", "--accounts", "2"],
      {},
      /listening on/,
    );
    try {
      expect(line).toContain("60 instances in 2 member accounts");
      const url = /listening on (\S+)/.exec(line)![1]!;
      const env = {
        TENCENTCLOUD_SECRET_ID: DEMO_CREDENTIALS.secretId,
        TENCENTCLOUD_SECRET_KEY: DEMO_CREDENTIALS.secretKey,
        CVM_AUTOPILOT_ENDPOINT: url,
        TENCENTCLOUD_REGION: "ap-guangzhou",
      };
      const r = await runCli(["run", "renew-flag", "--dry-run", "--output", "json"], {
        ...env,
        ACCOUNTS: "qcs::cam::uin/200000000001:roleName/cvm-autopilot,qcs::cam::uin/200000000002:roleName/cvm-autopilot",
      });
      const report = JSON.parse(r.stdout) as { accounts: Array<{ uin: string; scanned: number }>; errors: unknown[] };
      expect(report.errors).toEqual([]);
      expect(report.accounts.map((a) => a.uin)).toEqual(["200000000001", "200000000002"]);
    } finally {
      child.kill("SIGINT");
    }
  });
});

describe("help, options and ports", () => {
  it.each(["call", "run", "serve", "emulator", "build", "deploy", "history", "savings"])(
    "%s --help prints its usage, does nothing else, exits 0",
    async (command) => {
      const r = await runCli([command, "--help"], {});
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: cvm-autopilot ${command}`);
      expect(r.stdout).toContain("Exit codes:");
    },
  );

  it("--version prints the version", async () => {
    const r = await runCli(["--version"], {});
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("an unknown option is one line naming the closest valid one", async () => {
    const r = await runCli(["deploy", "--regoin", "ap-guangzhou"], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option --regoin for deploy; did you mean --region?");
    expect(r.stderr).not.toMatch(/at .*\.(ts|js|mjs):\d+/);
  });

  it("a busy port is one line naming the port and how to choose another", async () => {
    const emu = await emulator();
    const r = await runCli(["emulator", "--port", String(emu.port)], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`port ${emu.port} is already in use`);
    expect(r.stderr).not.toMatch(/at .*\.(ts|js|mjs):\d+/);
  });
});

describe("per-command help", () => {
  it.each(["call", "run", "serve", "emulator", "build", "deploy", "history", "savings"])(
    "%s --help lists every option with its meaning, the environment it reads, and only its exit codes",
    async (cmd) => {
      const { commandDoc } = await import("../cli/usage.ts");
      const r = await runCli([cmd, "--help"], {});
      expect(r.code).toBe(0);
      for (const o of Object.keys(commandDoc(cmd)!.options))
        expect(r.stdout).toMatch(new RegExp(`^  --${o}\\b.* \\S`, "m"));
      expect(r.stdout).toContain("Environment: ");
      const codes = [
        ...r.stdout.matchAll(/(\d) (?:done|an API error|usage or configuration|the blast-radius guard)/g),
      ].map((m) => Number(m[1]));
      expect(codes).toEqual(commandDoc(cmd)!.exits);
    },
  );
});

describe("an error is shown once", () => {
  it("table output lists it once, with its code and RequestId, and logs it nowhere else", async () => {
    const emu = await emulator();
    emu.state.addInstance({ Region: "ap-guangzhou", profile: { cpu: 1, traffic: 0 } });
    emu.faults.add({
      action: "DescribeInstances",
      kind: "error",
      code: "AuthFailure.UnauthorizedOperation",
      message: "no cvm:DescribeInstances",
    });
    const r = await runCli(["run", "auto-stop-idle", "--dry-run", "-o", "table"], {
      TENCENTCLOUD_SECRET_ID: emu.credentials.secretId,
      TENCENTCLOUD_SECRET_KEY: emu.credentials.secretKey,
      TENCENTCLOUD_REGION: "ap-guangzhou",
      CVM_AUTOPILOT_ENDPOINT: emu.url,
      CVM_AUTOPILOT_MAX_ATTEMPTS: "1",
    });
    expect(r.code).toBe(1);
    expect((r.stdout + r.stderr).match(/AuthFailure\.UnauthorizedOperation/g)).toHaveLength(1);
    expect(r.stdout).toMatch(/AuthFailure\.UnauthorizedOperation: no cvm:DescribeInstances \(RequestId [0-9a-f-]+\)/);
    expect(r.stdout).not.toContain("Nothing would be changed.");
  });
});

describe("one options table", () => {
  it("parses every option it lists, refuses any other, and the hint names the closest", async () => {
    const { COMMANDS, parseCommand } = await import("../cli/usage.ts");
    for (const [cmd, doc] of Object.entries(COMMANDS) as Array<
      [keyof typeof COMMANDS, { options: Record<string, { arg?: string }> }]
    >) {
      const args = Object.entries(doc.options).flatMap(([o, d]) => (d.arg ? [`--${o}`, "v"] : [`--${o}`]));
      const { values } = parseCommand(cmd, args, { positionals: true });
      for (const [o, d] of Object.entries(doc.options))
        expect((values as Record<string, unknown>)[o], `${cmd} --${o}`).toEqual(
          d.arg ? (o === "region" && cmd === "run" ? ["v"] : "v") : true,
        );
      expect(() => parseCommand(cmd, ["--no-such-option"])).toThrow(/unknown option --no-such-option/);
    }
    expect(() => parseCommand("deploy", ["--remov"])).toThrow(
      "unknown option --remov for deploy; did you mean --remove?",
    );
  });
});
