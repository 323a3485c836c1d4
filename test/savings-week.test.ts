/**
 * A simulated week on the emulator: auto-stop stops idle machines (one crosses the 96-hour price
 * step while stopped), people start some by hand, office-hours starts and stops its machines each
 * working day and keeps them stopped over the weekend. `savings -o json`'s figures are then checked
 * against a sum computed here from the emulator's own record of accepted StopInstances and
 * StartInstances calls and its own price table, not from the ledger.
 */
import { describe, expect, it } from "vitest";
import { HOURLY, STEPS } from "../emulator/handlers/prices.ts";
import { DEMO_UIN, type Emulator } from "../emulator/server.ts";
import { historySink } from "../lib/history/recorder.ts";
import { bucketStore } from "../lib/history/s3-store.ts";
import { earlierStops, recordsBetween } from "../lib/history/read.ts";
import { monthRange, realisedSavings, type SavingsReport } from "../lib/history/realised.ts";
import { api } from "../lib/tencent/services.ts";
import { runFunction } from "./helpers/functions.ts";
import type { RunReport } from "../lib/report/report.ts";
import { clientFor, emulator } from "./helpers/world.ts";

const GZ = "ap-guangzhou";
const HOUR = 3600_000;
const START = Date.parse("2026-11-02T00:00:00Z"); // Monday, 08:00 in Beijing
const END = START + 7 * 24 * HOUR;
const STEP = 30 * 60_000; // office-hours every 30 minutes; auto-stop every hour
const idle = { cpu: 1, traffic: 0.01 };

/** The emulator's own price for one hour of a machine `age` hours old (its table, read directly). */
const truthPrice = (type: string, age: number) => {
  const [second, third] = STEPS[type] ?? [HOURLY[type]!, HOURLY[type]!];
  return age >= 360 ? third : age >= 96 ? second : HOURLY[type]!;
};

/** Billing-stopped hours and their cost per machine, from the accepted Stop/StartInstances calls. */
function truth(emu: Emulator, price: (id: string, at: number) => number, lastRun: (id: string) => number) {
  const out = new Map<string, { hours: number; saved: number }>();
  const stoppedSince = new Map<string, number>();
  const close = (id: string, to: number) => {
    const from = stoppedSince.get(id);
    if (from === undefined) return;
    stoppedSince.delete(id);
    const t = out.get(id) ?? { hours: 0, saved: 0 };
    // Minute by minute: each minute at the step its age puts it in.
    for (let m = from; m < to; m += 60_000) t.saved += price(id, m) / 60;
    t.hours += (to - from) / HOUR;
    out.set(id, t);
  };
  for (const c of emu.calls) {
    if (c.code || (c.action !== "StopInstances" && c.action !== "StartInstances")) continue;
    const p = c.params as { InstanceIds: string[]; StoppedMode?: string };
    for (const id of p.InstanceIds) {
      if (c.action === "StartInstances") close(id, c.time);
      else if (p.StoppedMode === "STOP_CHARGING") stoppedSince.set(id, c.time);
    }
  }
  // Savings are as of each function's last run: what is still stopped counts until then.
  for (const id of [...stoppedSince.keys()]) close(id, lastRun(id));
  return out;
}

describe("savings over a simulated week", () => {
  it("equals the emulator's own account of billing-stopped hours, within one run interval per machine", {
    timeout: 240_000,
  }, async () => {
    let t = START;
    const emu = await emulator({ now: () => t });
    const clock = { now: () => t, sleep: async (ms: number) => void (t += 0 * ms) };
    emu.storage.create("history-1250000000", GZ, DEMO_UIN);
    const store = bucketStore({
      kind: "cos",
      bucket: "history-1250000000",
      region: GZ,
      endpoint: emu.url,
      credentials: () => ({ secretId: emu.credentials.secretId, secretKey: emu.credentials.secretKey }),
      clock: () => t,
    });
    const history = historySink(store);
    const s = emu.state;
    const created = (hoursBefore: number) =>
      new Date(START - hoursBefore * HOUR).toISOString().replace(/\.\d{3}Z$/, "Z");
    const owner = (o: string) => [{ Key: "autopilot:owner", Value: o }];
    const idleBig = s.addInstance({
      Region: GZ,
      profile: idle,
      InstanceType: "S5.8XLARGE64",
      CreatedTime: created(90),
      Tags: owner("ana"),
    });
    const idleSmall = s.addInstance({
      Region: GZ,
      profile: idle,
      InstanceType: "S5.LARGE8",
      CreatedTime: created(500),
      Tags: owner("bo"),
    });
    const restarted = s.addInstance({
      Region: GZ,
      profile: idle,
      InstanceType: "S5.MEDIUM4",
      CreatedTime: created(48),
      Tags: owner("ana"),
    });
    const office = [0, 1].map((i) =>
      s.addInstance({
        Region: GZ,
        profile: { cpu: 50, traffic: 5 },
        InstanceType: "S5.LARGE8",
        CreatedTime: created(1000),
        Tags: [{ Key: "autopilot:office-hours", Value: "office" }, ...owner(i ? "bo" : "cy")],
      }),
    );
    const fn = new Map<string, string>([
      ...[idleBig, idleSmall, restarted].map((i) => [i.InstanceId, "auto-stop-idle"] as [string, string]),
      ...office.map((i) => [i.InstanceId, "office-hours"] as [string, string]),
    ]);
    const { client: person } = clientFor(emu, { clock });
    const byHand = async (id: string) => {
      await api(person).startInstances(GZ, { InstanceIds: [id] });
    };
    const run = (name: string, env: Record<string, string>) =>
      runFunction<RunReport>(name, emu, env, {}, { now: () => new Date(t), clock, history });

    for (let step = 0; t < END; step++, t += STEP) {
      // People start two machines by hand: one on Tuesday morning, and an office machine on Saturday.
      if (t === START + 30 * HOUR) await byHand(restarted.InstanceId);
      if (t === START + 5 * 24 * HOUR + 4 * HOUR) await byHand(office[0]!.InstanceId);
      // The restarted machine is busy for a day, then idle again.
      restarted.profile = t >= START + 30 * HOUR && t < START + 54 * HOUR ? { cpu: 60, traffic: 5 } : idle;
      const oh = await run("office-hours", { OFFICE_HOURS_PRICES: "S5.LARGE8=0.5", OFFICE_HOURS_MAX_FRACTION: "1" });
      expect(oh.report.errors).toEqual([]);
      if (step % 2 === 0) {
        const as = await run("auto-stop-idle", { AUTO_STOP_MAX_FRACTION: "1" });
        expect(as.report.errors).toEqual([]);
      }
    }
    t = END;

    const [from, to] = monthRange("2026-11");
    const records = await recordsBetween(store, from, to);
    const report: SavingsReport = realisedSavings("2026-11", records, await earlierStops(store, records));
    expect(report).toMatchObject({ month: "2026-11", currency: "CNY" });

    const price = (id: string, at: number) => {
      const i = s.instances.get(id)!;
      return fn.get(id) === "office-hours" ? 0.5 : truthPrice(i.InstanceType, (at - Date.parse(i.CreatedTime)) / HOUR);
    };
    const lastRun = (id: string) => (fn.get(id) === "office-hours" ? END - STEP : END - 2 * STEP);
    const expected = truth(emu, price, lastRun);
    let slack = 0;
    for (const [id, want] of expected) {
      const got = report.instances.find((i) => i.id === id);
      const interval = fn.get(id) === "office-hours" ? STEP : 2 * STEP;
      // Within one run interval per machine: the ledger counts only the hours it saw the machine stopped.
      expect(got, id).toBeDefined();
      expect(got!.function).toBe(fn.get(id));
      expect(Math.abs(got!.hoursNotBilled - want.hours), id).toBeLessThanOrEqual(interval / HOUR + 0.01);
      expect(Math.abs(got!.saved! - want.saved), id).toBeLessThanOrEqual((interval / HOUR) * price(id, END) + 0.05);
      slack += (interval / HOUR) * 4;
    }
    const total = [...expected.values()].reduce((a, b) => a + b.saved, 0);
    expect(Math.abs(report.realised - total)).toBeLessThanOrEqual(slack);
    expect(report.realised).toBeGreaterThan(100);
    // Each machine that stopped and stayed stopped is a separate figure: nothing here is an estimate.
    expect(Object.keys(report.byFunction).sort()).toEqual(["auto-stop-idle", "office-hours"]);
    expect(report.byOwner.ana).toBeGreaterThan(0);
  });
});
