/** The ledger's fold, table-tested: how intervals open and close, how hours are priced, how a month is cut. */
import { describe, expect, it } from "vitest";
import { intervals, intervalSavings } from "../lib/history/ledger.ts";
import { realisedSavings } from "../lib/history/realised.ts";
import type { LedgerEvent, OpenInterval, RunRecord, StopEvent } from "../lib/history/records.ts";

const H = 3600_000;
const T0 = Date.parse("2026-11-01T00:00:00Z");
const iso = (h: number) => new Date(T0 + h * H).toISOString();

const aStop = (h: number, o: Partial<StopEvent> = {}): StopEvent => ({
  type: "stop",
  id: "ins-1",
  region: "ap-guangzhou",
  at: iso(h),
  stoppedMode: "STOP_CHARGING",
  price: { first: 1 },
  currency: "CNY",
  createdTime: iso(-1000),
  tags: {},
  ...o,
});
const close = (
  h: number,
  last: number,
  by: "our-start" | "seen-running" = "seen-running",
  stoppedAt = 0,
): LedgerEvent => ({
  type: "close",
  id: "ins-1",
  region: "ap-guangzhou",
  at: iso(h),
  lastStopped: iso(last),
  stoppedAt: iso(stoppedAt),
  by,
});
const seen = (h: number, stoppedAt = 0): OpenInterval => ({
  id: "ins-1",
  region: "ap-guangzhou",
  stoppedAt: iso(stoppedAt),
  record: "r",
  seen: iso(h),
});
const aRecord = (h: number, events: LedgerEvent[], open: OpenInterval[] = [], fn = "auto-stop-idle"): RunRecord => ({
  version: 1,
  function: fn,
  runId: `run-${h}`,
  account: "100000000001",
  trigger: "schedule",
  startedAt: iso(h),
  finishedAt: iso(h),
  scanned: 1,
  outcomes: { planned: 0, done: events.length, "changed-under-us": 0, failed: 0, "skipped-by-guard": 0, finding: 0 },
  errors: [],
  actions: [],
  events,
  open,
});

describe("intervals", () => {
  it.each([
    [
      "our own start closes it at the start",
      [aRecord(0, [aStop(0)], [seen(0)]), aRecord(10, [close(10, 10, "our-start")])],
      10,
      true,
    ],
    [
      "a machine found running closes it at the last run that saw it stopped",
      [aRecord(0, [aStop(0)], [seen(0)]), aRecord(1, [], [seen(1)]), aRecord(2, [close(2, 1)])],
      1,
      true,
    ],
    [
      "still stopped: counted to the last run that saw it",
      [aRecord(0, [aStop(0)], [seen(0)]), aRecord(5, [], [seen(5)])],
      5,
      false,
    ],
    [
      "two runs closing the same interval count it once, at the earlier evidence",
      [aRecord(0, [aStop(0)], [seen(0)]), aRecord(3, [close(3, 2)]), aRecord(3, [close(3, 2)])],
      2,
      true,
    ],
  ])("%s", (_name, records, toHours, closed) => {
    const [iv] = intervals(records);
    expect(intervals(records)).toHaveLength(1);
    expect((iv!.to - iv!.from) / H).toBe(toHours);
    expect(iv!.closed).toBe(closed);
  });
});

describe("intervalSavings", () => {
  const iv = (stop: StopEvent, hours: number) => ({
    account: "a",
    function: "auto-stop-idle",
    runId: "r",
    stop,
    from: Date.parse(stop.at),
    to: Date.parse(stop.at) + hours * H,
    closed: true,
  });
  it.each([
    ["flat price", aStop(0), 10, { hoursStopped: 10, hoursNotBilled: 10, saved: 10 }],
    [
      "KEEP_CHARGING saves nothing",
      aStop(0, { stoppedMode: "KEEP_CHARGING" }),
      10,
      { hoursStopped: 10, hoursNotBilled: 0, saved: 0 },
    ],
    [
      "no price: hours counted, money not guessed",
      aStop(0, { price: undefined }),
      4,
      { hoursStopped: 4, hoursNotBilled: 4, saved: undefined },
    ],
    [
      "crossing 96 h splits the interval at the step (6 h at 4.0, then 4 h at 3.6)",
      aStop(0, { createdTime: iso(-90), price: { first: 4, second: 3.6, third: 3.2 } }),
      10,
      { hoursStopped: 10, hoursNotBilled: 10, saved: 6 * 4 + 4 * 3.6 },
    ],
    [
      "past 360 h the third step, falling back to the second where none is given",
      aStop(0, { createdTime: iso(-400), price: { first: 4, second: 3.6 } }),
      2,
      { hoursStopped: 2, hoursNotBilled: 2, saved: 7.2 },
    ],
  ])("%s", (_name, stop, hours, want) => {
    const got = intervalSavings(iv(stop, hours), -Infinity, Infinity);
    expect(got.hoursStopped).toBeCloseTo(want.hoursStopped);
    expect(got.hoursNotBilled).toBeCloseTo(want.hoursNotBilled);
    if (want.saved === undefined) expect(got.saved).toBeUndefined();
    else expect(got.saved).toBeCloseTo(want.saved);
  });
});

describe("realisedSavings", () => {
  it("cuts at the month, splits by UTC day, and groups by owner and any tag", () => {
    // Stopped 2026-10-31 12:00 and last seen stopped 2026-11-02 12:00: 12 h in October, 36 in November.
    const stop = aStop(-12, { tags: { "autopilot:owner": "ana", team: "web" }, price: { first: 0.5 } });
    const records = [aRecord(-12, [stop], [seen(-12, -12)]), aRecord(36, [], [seen(36, -12)])];
    const nov = realisedSavings("2026-11", records.slice(1), new Map([["x", { record: records[0]!, stop }]]), "team");
    expect(nov).toMatchObject({
      realised: 18,
      hoursNotBilled: 36,
      byDay: { "2026-11-01": 12, "2026-11-02": 6 },
      byOwner: { ana: 18 },
      byTag: { key: "team", groups: { web: 18 } },
      byFunction: { "auto-stop-idle": 18 },
    });
    expect(nov.instances).toEqual([
      expect.objectContaining({ id: "ins-1", owner: "ana", hoursStopped: 36, saved: 18 }),
    ]);
    const oct = realisedSavings("2026-10", records, new Map());
    expect(oct.realised).toBe(6);
  });
});
