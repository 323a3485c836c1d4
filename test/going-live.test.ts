/**
 * Going live is a decision: with credentials and DRY_RUN unset, `npm start` (serve) and `run`
 * change nothing and say how to act; with DRY_RUN=false they act, and name the account, the
 * regions and each function's scope first. Through the real CLI, against the emulator.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../lib/deploy/build.ts";
import type { ChildProcess } from "node:child_process";
import { runCli, startCli } from "./helpers/cli.ts";
import { envFor } from "./helpers/functions.ts";
import { emulator } from "./helpers/world.ts";
import type { Emulator } from "../emulator/server.ts";
import { DEMO_UIN } from "../emulator/accounts.ts";

const GZ = "ap-guangzhou";

/** The lines docs/operating.md shows of a run, from the one starting with `first` to the next command. */
function docSample(first: string): string[] {
  const block = /\*\*Going live\.\*\*[\s\S]*?```\n([\s\S]*?)```/.exec(
    readFileSync(join(ROOT, "docs", "operating.md"), "utf8"),
  )![1]!;
  const lines = block.split("\n");
  const from = lines.findIndex((l) => l.startsWith(first));
  const to = lines.findIndex((l, i) => i > from && (l.startsWith("$") || !l));
  return lines.slice(from, to);
}
const timeless = (l: string) => l.replace(/\d{4}-\d\d-\d\d \d\d:\d\d/g, "<time>");

async function idleFleet() {
  const emu = await emulator();
  const idle = [0, 1, 2].map(() => emu.state.addInstance({ Region: GZ, profile: { cpu: 1, traffic: 0 } }).InstanceId);
  emu.state.addInstance({ Region: GZ, profile: { cpu: 70, traffic: 5 } });
  return { emu, idle };
}
/**
 * The fleet is mostly idle: the guard's share (AUTO_STOP_MAX_FRACTION) is not what these tests are
 * about. DRY_RUN is left as the operator set it (envFor's DRY_RUN=false taken out).
 */
function envOf(emu: Emulator, extra: Record<string, string> = {}): Record<string, string> {
  const { DRY_RUN: _acting, ...env } = envFor(emu, { AUTO_STOP_MAX_FRACTION: "1" });
  return { ...env, ...extra };
}
const stops = (emu: Emulator) => emu.callsFor("StopInstances").length;
const state = (emu: Emulator, id: string) => emu.state.settle(emu.state.instances.get(id)!).InstanceState;

async function stopped(child: ChildProcess): Promise<number | null> {
  child.kill("SIGINT");
  return new Promise((resolve) => child.on("close", resolve));
}

/** Resolves once `re` has matched `times` lines of the child's output. */
async function until(output: () => string, re: RegExp, times: number, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (
      output()
        .split("\n")
        .filter((l) => re.test(l)).length >= times
    )
      return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`not seen ${times}× ${re}:\n${output()}`);
}

describe("npm start with credentials", () => {
  it("DRY_RUN unset: changes nothing through its first scheduled runs and says how to go live", async () => {
    const { emu, idle } = await idleFleet();
    const env = {
      ...envOf(emu),
      PORT: "0",
      SERVE_FUNCTIONS: "auto-stop-idle",
      SERVE_RUN_ON_START: "true",
      // Every minute, so the first scheduled run comes within the test.
      SCHEDULE_AUTO_STOP_IDLE: "* * * * *",
    };
    const { child, output } = await startCli(["serve"], env, /^webhooks:/, 30_000);
    try {
      await until(output, /^auto-stop-idle \(dry run\): scanned 4, would act on 3/, 2, 75_000);
      const lines = output().split("\n");
      expect(lines[0]).toMatch(/^DRY RUN: credentials are set but DRY_RUN is not.*set DRY_RUN=false/);
      expect(docSample("DRY RUN")).toEqual([lines[0]]);
      expect(output()).not.toMatch(/LIVE/);
      expect(stops(emu)).toBe(0);
      for (const id of idle) expect(state(emu, id)).toBe("RUNNING");
    } finally {
      expect(await stopped(child)).toBe(0);
    }
  }, 100_000);

  // Under a loaded machine `serve` has twice exited by signal instead of 0 after SIGINT here (never
  // reproduced alone): retried once while the cause is found.
  it("DRY_RUN=false: the banner names the account, the regions and each function's scope and next run; then it acts", {
    timeout: 60_000,
    retry: 1,
  }, async () => {
    const { emu, idle } = await idleFleet();
    const env = {
      ...envOf(emu),
      PORT: "0",
      DRY_RUN: "false",
      SERVE_FUNCTIONS: "auto-stop-idle,renew-flag",
      SERVE_RUN_ON_START: "true",
    };
    const { child, output } = await startCli(["serve"], env, /now on schedule/, 30_000);
    try {
      const lines = output().split("\n");
      expect(lines[0]).toBe(`LIVE (DRY_RUN=false): acting on account ${DEMO_UIN} in ${GZ}`);
      expect(lines[1]).toMatch(
        /^ {2}auto-stop-idle: pay-as-you-go instances, not tagged autopilot:auto-stop=off, .*; next run \d{4}-\d\d-\d\d \d\d:\d\d UTC$/,
      );
      expect(lines[2]).toMatch(/^ {2}renew-flag: prepaid instances.*; next run .* UTC$/);
      expect(output()).toMatch(/^auto-stop-idle: scanned 4, done 3/m);
      // docs/operating.md shows these lines from such a run: the same words, times aside.
      expect(docSample("LIVE").map(timeless)).toEqual(lines.slice(0, 3).map(timeless));
      for (const id of idle) expect(["STOPPING", "STOPPED"]).toContain(state(emu, id));
    } finally {
      expect(await stopped(child)).toBe(0);
    }
  });
});

describe("run with credentials says the same in one line", () => {
  it("DRY_RUN unset: a dry run, and how to go live", async () => {
    const { emu, idle } = await idleFleet();
    const r = await runCli(["run", "auto-stop-idle", "-o", "json"], envOf(emu));
    expect(r.code).toBe(0);
    expect(r.stderr.split("\n")[0]).toBe(
      "auto-stop-idle: dry run: credentials are set but DRY_RUN is not; to act, set DRY_RUN=false (DRY_RUN=false cvm-autopilot run auto-stop-idle); DRY_RUN=true keeps it a dry run and silences this",
    );
    expect(JSON.parse(r.stdout)).toMatchObject({ dryRun: true, outcomes: { planned: 3, done: 0 } });
    expect(stops(emu)).toBe(0);
    expect(state(emu, idle[0]!)).toBe("RUNNING");
  });

  it("DRY_RUN=false: the account, the regions and the scope, before it acts", async () => {
    const { emu } = await idleFleet();
    const r = await runCli(["run", "auto-stop-idle", "-o", "json"], envOf(emu, { DRY_RUN: "false" }));
    expect(r.code).toBe(0);
    expect(r.stderr.split("\n")[0]).toMatch(
      /^LIVE \(DRY_RUN=false\): auto-stop-idle acts on account \d+ in ap-guangzhou: pay-as-you-go instances/,
    );
    expect(JSON.parse(r.stdout)).toMatchObject({ dryRun: false, outcomes: { done: 3 } });
  });

  it("--dry-run and DRY_RUN=true say nothing more", async () => {
    const { emu } = await idleFleet();
    for (const [args, extra] of [
      [["--dry-run"], {}],
      [[], { DRY_RUN: "true" }],
    ] as const) {
      const r = await runCli(["run", "auto-stop-idle", "-o", "json", ...args], envOf(emu, extra));
      expect(r.stderr).not.toMatch(/DRY_RUN is not|LIVE/);
      expect(JSON.parse(r.stdout)).toMatchObject({ dryRun: true });
    }
  });
});
