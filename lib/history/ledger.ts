/**
 * The ledger, folded from run records (pure: records in, intervals and money out). A stop of ours
 * opens an interval on its machine; our own start closes it at the start, and a machine found
 * running again (started by hand, or gone) closes it at the last time a run saw it stopped — the
 * hours we have evidence for, never more. Realised savings are those hours, when the stop
 * stopped billing (STOP_CHARGING), times the hourly price at the step the machine's hours put
 * each hour in; estimates are the functions' own, kept in their reports and never mixed in here.
 */
import type { OpenInterval, PriceSteps, RunRecord, StopEvent } from "./records.ts";

const HOUR = 3600_000;

export interface Interval {
  account: string;
  function: string;
  runId: string;
  stop: StopEvent;
  /** Milliseconds: from the stop to the last instant the machine is known stopped. */
  from: number;
  to: number;
  closed: boolean;
}

type Step =
  | { at: number; kind: "stop"; stop: StopEvent; fn: string; runId: string }
  | { at: number; kind: "seen" | "end"; last: number };

/** Every interval the records show, per machine in time order; stops found only in open lists come from `extraStops`. */
export function intervals(
  records: readonly RunRecord[],
  extraStops: ReadonlyMap<string, { record: RunRecord; stop: StopEvent }> = new Map(),
): Interval[] {
  const byMachine = new Map<string, { account: string; steps: Step[] }>();
  const machine = (account: string, region: string, id: string) => {
    const k = `${account}/${region}/${id}`;
    let m = byMachine.get(k);
    if (!m) byMachine.set(k, (m = { account, steps: [] }));
    return m.steps;
  };
  const stopsSeen = new Set<string>();
  const addStop = (r: RunRecord, s: StopEvent) => {
    const k = `${r.account}/${s.region}/${s.id}/${s.at}`;
    if (stopsSeen.has(k)) return;
    stopsSeen.add(k);
    machine(r.account, s.region, s.id).push({
      at: Date.parse(s.at),
      kind: "stop",
      stop: s,
      fn: r.function,
      runId: r.runId,
    });
  };
  for (const r of records) {
    for (const e of r.events) {
      if (e.type === "stop") addStop(r, e);
      else
        machine(r.account, e.region, e.id).push({ at: Date.parse(e.at), kind: "end", last: Date.parse(e.lastStopped) });
    }
    for (const o of r.open)
      machine(r.account, o.region, o.id).push({ at: Date.parse(o.seen), kind: "seen", last: Date.parse(o.seen) });
  }
  for (const { record, stop } of extraStops.values()) addStop(record, stop);
  const out: Interval[] = [];
  for (const { account, steps } of byMachine.values()) {
    // Stops first at equal times: a run that stops a machine also sees it stopped.
    steps.sort((a, b) => a.at - b.at || (a.kind === "stop" ? -1 : b.kind === "stop" ? 1 : 0));
    let open: Interval | undefined;
    for (const s of steps) {
      if (s.kind === "stop") {
        // A second stop while ours is open (another function's, or a retry) changes nothing.
        if (!open)
          out.push(
            (open = { account, function: s.fn, runId: s.runId, stop: s.stop, from: s.at, to: s.at, closed: false }),
          );
      } else if (open) {
        open.to = Math.max(open.to, Math.min(s.last, s.at));
        if (s.kind === "end") {
          open.closed = true;
          open = undefined;
        }
      }
    }
  }
  return out;
}

/** The price of one hour of a machine `ageHours` old: the step its hours used put it in (96 h and 360 h boundaries). */
export function stepPrice(p: PriceSteps, ageHours: number): number | undefined {
  if (ageHours >= 360) return p.third ?? p.second ?? p.first;
  if (ageHours >= 96) return p.second ?? p.first;
  return p.first;
}

export interface IntervalSavings {
  /** Hours stopped within the window. */
  hoursStopped: number;
  /** Of those, hours not billed: all of them after a STOP_CHARGING stop, none after KEEP_CHARGING. */
  hoursNotBilled: number;
  /** What the hours not billed would have cost; undefined when the machine had no price (never taken as free). */
  saved: number | undefined;
}

/** Hours stopped and not billed within [from, to), and what they would have cost, each hour at its step's price. */
export function intervalSavings(iv: Interval, from: number, to: number): IntervalSavings {
  const a = Math.max(iv.from, from);
  const b = Math.min(iv.to, to);
  const hoursStopped = Math.max(0, b - a) / HOUR;
  if (b <= a || iv.stop.stoppedMode !== "STOP_CHARGING") return { hoursStopped, hoursNotBilled: 0, saved: 0 };
  const hours = hoursStopped;
  const price = iv.stop.price;
  if (!price || price.first === undefined) return { hoursStopped, hoursNotBilled: hours, saved: undefined };
  const born = iv.stop.createdTime ? Date.parse(iv.stop.createdTime) : Number.NaN;
  if (!Number.isFinite(born)) return { hoursStopped, hoursNotBilled: hours, saved: hours * price.first };
  // Split at the step boundaries that fall inside the interval.
  const cuts = [a, ...[96, 360].map((h) => born + h * HOUR).filter((t) => t > a && t < b), b];
  let saved = 0;
  for (let i = 0; i + 1 < cuts.length; i++) {
    const mid = (cuts[i]! + cuts[i + 1]!) / 2;
    saved += ((cuts[i + 1]! - cuts[i]!) / HOUR) * (stepPrice(price, (mid - born) / HOUR) ?? 0);
  }
  return { hoursStopped, hoursNotBilled: hours, saved };
}

/** The open intervals after a run: those read from earlier records and the run's own stops, less those it closed. */
export function stillOpen(before: readonly OpenInterval[], closed: ReadonlySet<string>): OpenInterval[] {
  const seen = new Set<string>();
  return before.filter((o) => {
    const k = `${o.region}/${o.id}/${o.stoppedAt}`;
    if (seen.has(k) || closed.has(k)) return false;
    seen.add(k);
    return true;
  });
}
