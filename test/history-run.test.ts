/** History at the edges of a run: a store that fails never fails the actions, concurrent runs lose nothing, and the CLI reads it back. */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEMO_UIN, type Emulator } from "../emulator/server.ts";
import { historySink } from "../lib/history/recorder.ts";
import { bucketStore } from "../lib/history/s3-store.ts";
import { earlierStops, recordsBetween } from "../lib/history/read.ts";
import { monthRange, realisedSavings } from "../lib/history/realised.ts";
import type { RunReport } from "../lib/report/report.ts";
import { api } from "../lib/tencent/services.ts";
import { envFor, runFunction } from "./helpers/functions.ts";
import { runCli } from "./helpers/cli.ts";
import { clientFor, emulator } from "./helpers/world.ts";

const GZ = "ap-guangzhou";
const BUCKET = "history-1250000000";
const idle = { cpu: 1, traffic: 0.01 };
const HOUR = 3600_000;

function world(emu: Emulator) {
  const store = bucketStore({
    kind: "cos",
    bucket: BUCKET,
    region: GZ,
    endpoint: emu.url,
    credentials: () => ({ secretId: emu.credentials.secretId, secretKey: emu.credentials.secretKey }),
  });
  return { store, history: historySink(store) };
}
const autoStop = (
  emu: Emulator,
  history: ReturnType<typeof historySink>,
  env: Record<string, string> = {},
  only?: string[],
) =>
  runFunction<RunReport>(
    "auto-stop-idle",
    emu,
    { AUTO_STOP_MAX_FRACTION: "1", ...env },
    only ? { instanceIds: only } : {},
    { history },
  );

describe("a history store that fails", () => {
  it.each([
    [
      "refuses the write",
      "AccessDenied",
      (emu: Emulator) => void (emu.storage.create(BUCKET, GZ, DEMO_UIN).refuseWrites = true),
    ],
    ["is missing", "NoSuchBucket", () => undefined],
  ])("one that %s leaves the stop done and reports the store's error", async (_what, code, prepare) => {
    const emu = await emulator();
    prepare(emu);
    const machine = emu.state.addInstance({ Region: GZ, profile: idle });
    const { report } = await autoStop(emu, world(emu).history);
    expect(report.outcomes.done).toBe(1);
    expect(emu.state.instances.get(machine.InstanceId)!.InstanceState).toBe("STOPPED");
    // The run's record, and the region's busy memory (test/busy-memory.test.ts), each name the store's error.
    expect(report.errors).toEqual([
      expect.objectContaining({ action: "History", code, region: GZ }),
      expect.objectContaining({ action: "History", code }),
    ]);
    expect(report.errors[0]!.message).toContain(`busy memory not`);
    expect(report.errors[1]!.message).toContain(`history not kept in cos bucket ${BUCKET}`);
  });
});

describe("the ledger", () => {
  it("two concurrent runs each keep their stop, and the next run closes both when people start them", async () => {
    const emu = await emulator();
    emu.storage.create(BUCKET, GZ, DEMO_UIN);
    const { store, history } = world(emu);
    const [a, b] = [0, 1].map(() => emu.state.addInstance({ Region: GZ, profile: idle }));
    // Two runs at once, each narrowed to one machine: each reads the same (empty) past and writes its own object.
    const runs = await Promise.all([
      autoStop(emu, history, {}, [a!.InstanceId]),
      autoStop(emu, history, {}, [b!.InstanceId]),
    ]);
    expect(runs.map((r) => r.report.outcomes.done)).toEqual([1, 1]);
    const { client } = clientFor(emu);
    await api(client).startInstances(GZ, { InstanceIds: [a!.InstanceId, b!.InstanceId] });
    a!.profile = b!.profile = { cpu: 60, traffic: 5 };
    const next = await autoStop(emu, history);
    expect(next.report.errors).toEqual([]);
    const now = Date.now();
    const records = await recordsBetween(store, now - HOUR, now + HOUR);
    expect(records).toHaveLength(3);
    const closes = records.flatMap((r) => r.events.filter((e) => e.type === "close").map((e) => [e.id, e.by]));
    expect(closes.sort()).toEqual(
      [
        [a!.InstanceId, "seen-running"],
        [b!.InstanceId, "seen-running"],
      ].sort(),
    );
    expect(records.at(-1)!.open).toEqual([]);
  });

  it("a KEEP_CHARGING stop counts its hours stopped but saves nothing: billing went on", async () => {
    const emu = await emulator();
    emu.storage.create(BUCKET, GZ, DEMO_UIN);
    const { store, history } = world(emu);
    emu.state.addInstance({ Region: GZ, profile: idle, InstanceType: "S5.LARGE8" });
    const at = (h: number) => () => new Date(Date.parse("2026-11-10T00:00:00Z") + h * HOUR);
    const clock = { now: () => Date.now(), sleep: async () => undefined };
    for (const h of [0, 5])
      await runFunction<RunReport>(
        "auto-stop-idle",
        emu,
        { AUTO_STOP_MAX_FRACTION: "1", AUTO_STOP_STOPPED_MODE: "KEEP_CHARGING" },
        {},
        { history, now: at(h), clock },
      );
    const [from, to] = monthRange("2026-11");
    const records = await recordsBetween(store, from, to);
    const s = realisedSavings("2026-11", records, await earlierStops(store, records));
    expect(s.instances).toEqual([expect.objectContaining({ hoursStopped: 5, hoursNotBilled: 0, saved: 0 })]);
    expect(s.realised).toBe(0);
  });
});

describe("the history and savings commands", () => {
  it("read back what `run` kept in REPORT_DIR/history: runs, and the month's savings as json and csv", async () => {
    const emu = await emulator();
    const dir = await mkdtemp(join(tmpdir(), "history-cli-"));
    const machine = emu.state.addInstance({ Region: GZ, profile: idle, InstanceType: "S5.LARGE8" });
    const env = { ...envFor(emu), DRY_RUN: "false", REPORT_DIR: dir, AUTO_STOP_MAX_FRACTION: "1" };
    const run = await runCli(["run", "auto-stop-idle", "-o", "json"], env);
    expect(run.code).toBe(0);
    const month = new Date().toISOString().slice(0, 7);
    const hist = await runCli(["history", "-o", "json", "--instance", machine.InstanceId], env);
    expect(hist.code).toBe(0);
    expect(JSON.parse(hist.stdout)).toEqual([
      expect.objectContaining({
        function: "auto-stop-idle",
        actions: [expect.objectContaining({ action: "stop", outcome: "done" })],
      }),
    ]);
    const json = await runCli(["savings", "-o", "json"], env);
    expect(json.code).toBe(0);
    const s = JSON.parse(json.stdout);
    expect(s).toMatchObject({ month, currency: "CNY", realised: 0, byFunction: {} });
    expect(s.instances).toEqual([
      expect.objectContaining({ id: machine.InstanceId, function: "auto-stop-idle", hoursStopped: 0, saved: 0 }),
    ]);
    const csv = await runCli(["savings", "--by", "owner", "-o", "csv"], env);
    expect(csv.stdout.split("\n")[0]).toBe("owner,realised_cny");
    const bad = await runCli(["savings", "--month", "2026-13"], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--month needs YYYY-MM");
    const help = await runCli(["savings", "--help"], env);
    expect(help.stdout).toContain("--by GROUP");
  });
});
