/**
 * Reading history back: the intervals a function's next run must look at, and the records of a
 * period for `history` and `savings`. Records are listed by day, so a run reads one or two days'
 * keys and a handful of objects, however long the history.
 */
import { dayPrefix, parseRecord, type OpenInterval, type RunRecord, type StopEvent } from "./records.ts";
import type { HistoryStore } from "./store.ts";

const DAY = 86_400_000;
/** Runs that may have overlapped the latest one: SCF and Lambda stop a run after 15 minutes at most; 20 is a margin. */
const OVERLAP_MS = 20 * 60_000;
/** How far back a run looks for its function's last record (a function paused longer starts afresh). */
const LOOK_BACK_DAYS = 40;

const dayOf = (t: number) => new Date(t).toISOString().slice(0, 10);
/** A record key's start time: `runs/<day>/<fn>/<account>/<HHMMSSmmm>Z-<runId>.json`. */
export function keyTime(key: string): number {
  const m = /^runs\/(\d{4}-\d{2}-\d{2})\/[^/]+\/[^/]+\/(\d{2})(\d{2})(\d{2})\.(\d{3})Z-/.exec(key);
  return m ? Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4]}.${m[5]}Z`) : Number.NaN;
}

/** Reads records, skipping what is not one. */
export async function readRecords(store: HistoryStore, keys: readonly string[]): Promise<RunRecord[]> {
  const out: RunRecord[] = [];
  // A few at a time: a bucket answers in parallel, and a month is thousands of small objects.
  for (let i = 0; i < keys.length; i += 16) {
    const got = await Promise.all(keys.slice(i, i + 16).map(async (k) => parseRecord(await store.get(k))));
    for (const r of got) if (r) out.push(r);
  }
  return out;
}

/**
 * The intervals open after a function's latest runs in an account: the union of the open lists
 * of every record that may have overlapped the latest (concurrent runs each carry their own),
 * less those any of them closed. Nothing is lost to a concurrent writer: each wrote its own object.
 */
export async function readOpen(store: HistoryStore, fn: string, account: string, now: Date): Promise<OpenInterval[]> {
  let keys: string[] = [];
  for (let d = 0; d <= LOOK_BACK_DAYS && !keys.length; d++) {
    keys = await store.list(dayPrefix(dayOf(now.getTime() - d * DAY), fn, account));
    // A window that starts before midnight needs the day before too.
    if (keys.length && keyTime(keys.at(-1)!) - OVERLAP_MS < Date.parse(`${dayOf(now.getTime() - d * DAY)}T00:00:00Z`))
      keys = [...(await store.list(dayPrefix(dayOf(now.getTime() - (d + 1) * DAY), fn, account))), ...keys];
  }
  if (!keys.length) return [];
  const latest = Math.max(...keys.map(keyTime).filter(Number.isFinite));
  const recent = await readRecords(
    store,
    keys.filter((k) => keyTime(k) >= latest - OVERLAP_MS),
  );
  const closed = new Set(
    recent.flatMap((r) => r.events.flatMap((e) => (e.type === "close" ? [`${e.region}/${e.id}/${e.stoppedAt}`] : []))),
  );
  const out = new Map<string, OpenInterval>();
  for (const r of recent)
    for (const o of r.open) {
      const k = `${o.region}/${o.id}/${o.stoppedAt}`;
      if (closed.has(k)) continue;
      const have = out.get(k);
      if (!have || have.seen < o.seen) out.set(k, o);
    }
  return [...out.values()];
}

/** Every record whose run started in [from, to) (UTC days). */
export async function recordsBetween(store: HistoryStore, from: number, to: number): Promise<RunRecord[]> {
  const keys: string[] = [];
  for (let t = Date.parse(`${dayOf(from)}T00:00:00Z`); t < to; t += DAY)
    keys.push(...(await store.list(dayPrefix(dayOf(t)))));
  return readRecords(
    store,
    keys.filter((k) => keyTime(k) >= from && keyTime(k) < to),
  );
}

/** The stop events that open intervals of `records` point to but that lie outside them (stops before the period). */
export async function earlierStops(
  store: HistoryStore,
  records: readonly RunRecord[],
): Promise<Map<string, { record: RunRecord; stop: StopEvent }>> {
  const have = new Set(
    records.flatMap((r) =>
      r.events.filter((e) => e.type === "stop").map((e) => `${r.account}/${e.region}/${e.id}/${e.at}`),
    ),
  );
  const wanted = new Map<string, OpenInterval & { account: string }>();
  for (const r of records)
    for (const o of r.open)
      if (!have.has(`${r.account}/${o.region}/${o.id}/${o.stoppedAt}`))
        wanted.set(o.record, { ...o, account: r.account });
  const out = new Map<string, { record: RunRecord; stop: StopEvent }>();
  for (const record of await readRecords(store, [...wanted.keys()]))
    for (const e of record.events)
      if (e.type === "stop") out.set(`${record.account}/${e.region}/${e.id}/${e.at}`, { record, stop: e });
  return out;
}
