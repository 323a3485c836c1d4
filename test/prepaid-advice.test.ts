/**
 * prepaid-advice against the emulator and a local history: the break-even and the saving computed
 * here from the emulator's own prices, the hours stopped without charge from the ledger (a
 * KEEP_CHARGING stop saves nothing), and a report that changes nothing.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HOURLY } from "../emulator/handlers/prices.ts";
import { monthlyOf } from "../emulator/instance-types.ts";
import type { Emulator } from "../emulator/server.ts";
import { localStore } from "../lib/history/local-store.ts";
import { historySink } from "../lib/history/recorder.ts";
import { recordKey, type LedgerEvent, type RunRecord } from "../lib/history/records.ts";
import type { RunReport } from "../lib/report/report.ts";
import { lastMonth } from "../functions/prepaid-advice/collect.ts";
import { runFunction } from "./helpers/functions.ts";
import { emulator } from "./helpers/world.ts";

const GZ = "ap-guangzhou";
const H = 3600_000;

/** A run record holding ledger events, as auto-stop or office-hours writes one. */
const aRecord = (at: string, events: LedgerEvent[], fn = "office-hours"): RunRecord => ({
  version: 1,
  function: fn,
  runId: `run-${Date.parse(at)}`,
  account: "100000000001",
  trigger: "schedule",
  startedAt: at,
  finishedAt: at,
  scanned: 1,
  outcomes: { planned: 0, done: events.length, "changed-under-us": 0, failed: 0, "skipped-by-guard": 0, finding: 0 },
  errors: [],
  actions: [],
  events,
  open: [],
});

/** Our stop at `from` and our start at `to` (hours into the month), as the ledger records them. */
async function stoppedBetween(dir: string, id: string, month: number, from: number, to: number, mode: string) {
  const store = localStore(dir);
  const at = (h: number) => new Date(month + h * H).toISOString();
  const stop = aRecord(at(from), [
    { type: "stop", id, region: GZ, at: at(from), stoppedMode: mode, currency: "CNY", tags: {} },
  ]);
  const start = aRecord(at(to), [
    { type: "close", id, region: GZ, at: at(to), lastStopped: at(to), stoppedAt: at(from), by: "our-start" },
  ]);
  for (const r of [stop, start]) await store.create(recordKey(r), JSON.stringify(r));
}

/** The test's own arithmetic: billed hours against a prepaid month's break-even at the emulator's prices. */
const expectation = (type: string, billed: number) => {
  const even = Math.round((monthlyOf(type) / HOURLY[type]!) * 100) / 100;
  return { even, saving: Math.round((billed * HOURLY[type]! - monthlyOf(type)) * 100) / 100 };
};

type Row = { id: string; outcome: string; reason: string };
const rowsOf = (r: RunReport) => new Map((r.results as Row[]).map((x) => [x.id, x]));

async function fleet(emu: Emulator) {
  const add = (o: Record<string, unknown> = {}) =>
    emu.state.addInstance({ Region: GZ, InstanceType: "S5.LARGE8", CreatedTime: "2026-01-01T00:00:00Z", ...o });
  return {
    always: add(),
    scheduled: add(),
    keptCharging: add(),
    stoppedFree: add({ InstanceType: "S5.2XLARGE16", InstanceState: "STOPPED", StopChargingMode: "STOP_CHARGING" }),
    prepaid: add({ InstanceChargeType: "PREPAID" }),
  };
}

describe("prepaid-advice", () => {
  it("advises prepaid past the break-even, counting the hours our schedules stopped machines without charge", async () => {
    const emu = await emulator();
    const m = await fleet(emu);
    const dir = mkdtempSync(join(tmpdir(), "prepaid-advice-"));
    const month = lastMonth(new Date());
    const hours = (month.to - month.from) / H;
    // 240 h stopped without charge by office-hours; 240 h stopped but still billed (KEEP_CHARGING) by auto-stop.
    await stoppedBetween(join(dir, "history"), m.scheduled.InstanceId, month.from, 200, 440, "STOP_CHARGING");
    await stoppedBetween(join(dir, "history"), m.keptCharging.InstanceId, month.from, 200, 440, "KEEP_CHARGING");
    const history = historySink(localStore(join(dir, "history")));
    const { report } = await runFunction<RunReport>("prepaid-advice", emu, { REGIONS: GZ }, {}, { history });
    const rows = rowsOf(report);
    const full = expectation("S5.LARGE8", hours);
    expect(full.even).toBe(576);
    expect(rows.get(m.always.InstanceId)).toMatchObject({ outcome: "finding" });
    expect(rows.get(m.always.InstanceId)!.reason).toContain(`break-even ${full.even} h`);
    expect(rows.get(m.always.InstanceId)!.reason).toContain(`saves ${full.saving} CNY/month`);
    // Billed 240 h less than it ran: under the break-even now, so no advice.
    expect(hours - 240).toBeLessThan(full.even);
    expect(rows.has(m.scheduled.InstanceId)).toBe(false);
    // A stop that kept charging saved no billed hour.
    expect(rows.get(m.keptCharging.InstanceId)!.reason).toContain(`saves ${full.saving} CNY/month`);
    // Stopped without charge now: advised, with the refusal it will meet.
    const big = expectation("S5.2XLARGE16", hours);
    expect(rows.get(m.stoppedFree.InstanceId)!.reason).toContain(`saves ${big.saving} CNY/month`);
    expect(rows.get(m.stoppedFree.InstanceId)!.reason).toContain("ModifyInstancesChargeType refuses");
    expect(rows.has(m.prepaid.InstanceId)).toBe(false);
    expect(report.outcomes).toMatchObject({ finding: 3, done: 0, planned: 0 });
    expect(report.notices ?? []).toEqual([]);
    // Report only: no write reached the emulator; the inquiry asked for the three it could (not the one stopped without charge).
    const sent = new Set(emu.calls.map((c) => c.action));
    expect([...sent].filter((a) => a && !/^(Describe|Inquiry|GetCallerIdentity)/.test(a))).toEqual([]);
    const asked = emu
      .callsFor("InquiryPriceModifyInstancesChargeType")
      .flatMap((c) => (c.params as { InstanceIds: string[] }).InstanceIds);
    expect(asked.sort()).toEqual([m.always, m.scheduled, m.keptCharging].map((i) => i.InstanceId).sort());
  });

  it("says when there is no history, and counts every hour as billed", async () => {
    const emu = await emulator();
    const m = await fleet(emu);
    const { report } = await runFunction<RunReport>("prepaid-advice", emu, { REGIONS: GZ });
    expect(report.notices?.[0]).toContain("no history is kept");
    expect(rowsOf(report).get(m.scheduled.InstanceId)).toMatchObject({ outcome: "finding" });
  });
});
