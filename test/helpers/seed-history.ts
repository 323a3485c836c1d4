/**
 * A seeded history for the dashboard and digest tests: run records written straight into a local
 * store, placed relative to a given instant so "this month" and "last month" always have data.
 * - last month: ins-aaaa1111 (owner zhangsan, 1.5 CNY/h) stopped by auto-stop, found running 47.75 h later;
 * - this month: ins-bbbb2222 (owner lisi, 2 CNY/h) stopped by office-hours and started by it;
 *   ins-cccc3333 (an owner tag with markup in it, 0.8 CNY/h) stopped and still stopped;
 *   and one run that failed.
 */
import { localStore } from "../../lib/history/local-store.ts";
import { monthRange } from "../../lib/history/realised.ts";
import { recordKey, type LedgerEvent, type OpenInterval, type RunRecord } from "../../lib/history/records.ts";
import type { HistoryStore } from "../../lib/history/store.ts";

const HOUR = 3600_000;
const iso = (ms: number) => new Date(ms).toISOString();
export const MARKUP_OWNER = `<img src=x onerror=alert(1)>`;

function record(
  fn: string,
  at: number,
  events: LedgerEvent[],
  open: OpenInterval[],
  extra: Partial<RunRecord> = {},
): RunRecord {
  return {
    version: 1,
    function: fn,
    runId: `run-${fn}-${at}`,
    account: "self",
    trigger: "timer",
    startedAt: iso(at),
    finishedAt: iso(at + 5000),
    scanned: 10,
    outcomes: {
      planned: 0,
      done: events.filter((e) => e.type === "stop").length,
      failed: 0,
      "changed-under-us": 0,
      "skipped-by-guard": 0,
      finding: 0,
    } as RunRecord["outcomes"],
    errors: [],
    actions: [],
    events,
    open,
    ...extra,
  };
}

const stop = (id: string, at: number, price: number, owner: string): LedgerEvent => ({
  type: "stop",
  id,
  region: "ap-guangzhou",
  at: iso(at),
  stoppedMode: "STOP_CHARGING",
  price: { first: price },
  currency: "CNY",
  tags: { "autopilot:owner": owner },
});

/** Writes the seeded records into a store (a directory's path: the local store there); `now` must be at least an hour into its month. */
export async function seedHistory(to: string | HistoryStore, now: number): Promise<HistoryStore> {
  const store = typeof to === "string" ? localStore(to) : to;
  const month = new Date(now).toISOString().slice(0, 7);
  const [from] = monthRange(month);
  const [lastFrom] = monthRange(new Date(from - 1).toISOString().slice(0, 7));
  const span = now - from;
  const at = (f: number) => from + Math.floor((span * f) / 60_000) * 60_000;
  const a = lastFrom + 2 * 24 * HOUR;
  const b1 = at(0.1);
  const c1 = at(0.5);
  const records = [
    record(
      "auto-stop-idle",
      a,
      [stop("ins-aaaa1111", a, 1.5, "zhangsan")],
      [{ id: "ins-aaaa1111", region: "ap-guangzhou", stoppedAt: iso(a), record: "", seen: iso(a) }],
    ),
    record(
      "auto-stop-idle",
      a + 48 * HOUR,
      [
        {
          type: "close",
          id: "ins-aaaa1111",
          region: "ap-guangzhou",
          at: iso(a + 48 * HOUR),
          lastStopped: iso(a + 47.75 * HOUR),
          stoppedAt: iso(a),
          by: "seen-running",
        },
      ],
      [],
    ),
    record("office-hours", b1, [stop("ins-bbbb2222", b1, 2, "lisi")], []),
    record(
      "office-hours",
      at(0.3),
      [
        {
          type: "close",
          id: "ins-bbbb2222",
          region: "ap-guangzhou",
          at: iso(at(0.3)),
          lastStopped: iso(at(0.3)),
          stoppedAt: iso(b1),
          by: "our-start",
        },
      ],
      [],
    ),
    record(
      "auto-stop-idle",
      c1,
      [stop("ins-cccc3333", c1, 0.8, MARKUP_OWNER)],
      [{ id: "ins-cccc3333", region: "ap-guangzhou", stoppedAt: iso(c1), record: "", seen: iso(c1) }],
    ),
    record(
      "auto-stop-idle",
      at(0.9),
      [],
      [{ id: "ins-cccc3333", region: "ap-guangzhou", stoppedAt: iso(c1), record: "", seen: iso(at(0.9)) }],
    ),
    record("renew-flag", at(0.95), [], [], {
      errors: [{ code: "RequestLimitExceeded", message: "too many requests" }],
    }),
  ];
  for (const r of records) await store.create(recordKey(r), JSON.stringify(r));
  return store;
}
