/**
 * Realised savings of a month, from the ledger: machine-hours not billed because we stopped the
 * machine, each at the price its step of hours used put it in, grouped by day (UTC), function,
 * account, region, owner (the `autopilot:owner` tag), project (CVM's ProjectId) and any tag key.
 * Estimates (what a run expected to save) stay in the runs' reports; nothing here is an estimate.
 */
import { intervals, intervalSavings, type Interval } from "./ledger.ts";
import type { RunRecord, StopEvent } from "./records.ts";

const DAY = 86_400_000;
export const OWNER_TAG = "autopilot:owner";

export interface InstanceSavings {
  id: string;
  region: string;
  account: string;
  function: string;
  owner?: string | undefined;
  project?: string | undefined;
  hoursStopped: number;
  hoursNotBilled: number;
  /** Null when the machine had no price: its hours are counted, its money is not guessed. */
  saved: number | null;
}

export interface SavingsReport {
  month: string;
  currency: string;
  /** What the hours not billed would have cost, in `currency`. */
  realised: number;
  hoursStopped: number;
  hoursNotBilled: number;
  /** Hours not billed of machines with no price, counted but not in `realised`. */
  unpricedHours: number;
  byDay: Record<string, number>;
  byFunction: Record<string, number>;
  byAccount: Record<string, number>;
  byRegion: Record<string, number>;
  byOwner: Record<string, number>;
  byProject: Record<string, number>;
  /** With `--by tag:KEY`: by that tag's value (`(none)` for machines without it). */
  byTag?: { key: string; groups: Record<string, number> } | undefined;
  instances: InstanceSavings[];
  note: string;
}

const cents = (n: number) => Math.round(n * 100) / 100;
const hundredths = (n: number) => Math.round(n * 100) / 100;
const add = (m: Record<string, number>, k: string, n: number) => void (m[k] = (m[k] ?? 0) + n);

/** `2026-11` → its first instant and the next month's (UTC). */
export function monthRange(month: string): [number, number] {
  const from = Date.parse(`${month}-01T00:00:00Z`);
  const d = new Date(from);
  return [from, Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)];
}

const groupOf = (iv: Interval, tagKey?: string) => ({
  owner: iv.stop.tags[OWNER_TAG] ?? "(none)",
  project: iv.stop.projectId !== undefined ? String(iv.stop.projectId) : "(none)",
  tag: tagKey ? (iv.stop.tags[tagKey] ?? "(none)") : undefined,
});

/** The month's realised savings from its records (and the earlier stops their open intervals began with). */
export function realisedSavings(
  month: string,
  records: readonly RunRecord[],
  earlier: ReadonlyMap<string, { record: RunRecord; stop: StopEvent }>,
  tagKey?: string,
): SavingsReport {
  const [from, to] = monthRange(month);
  const r: SavingsReport = {
    month,
    currency: "CNY",
    realised: 0,
    hoursStopped: 0,
    hoursNotBilled: 0,
    unpricedHours: 0,
    byDay: {},
    byFunction: {},
    byAccount: {},
    byRegion: {},
    byOwner: {},
    byProject: {},
    ...(tagKey ? { byTag: { key: tagKey, groups: {} } } : {}),
    instances: [],
    note: "realised: hours not billed (stops with STOP_CHARGING only) × the hourly price at each hour's step; estimates are in each run's report",
  };
  const perInstance = new Map<string, InstanceSavings>();
  for (const iv of intervals(records, earlier)) addInterval(r, perInstance, iv, [from, to], tagKey);
  return rounded(r, [...perInstance.values()]);
}

/** Adds one interval's hours and money, clipped to the month, to the report and its machine's line. */
function addInterval(
  r: SavingsReport,
  perInstance: Map<string, InstanceSavings>,
  iv: Interval,
  [from, to]: [number, number],
  tagKey: string | undefined,
): void {
  // A machine stopped in the month is listed even before its first hour has passed.
  if (iv.to < from || iv.from >= to) return;
  const s = intervalSavings(iv, from, to);
  const g = groupOf(iv, tagKey);
  const k = `${iv.account}/${iv.stop.region}/${iv.stop.id}/${iv.function}`;
  const inst = perInstance.get(k) ?? {
    id: iv.stop.id,
    region: iv.stop.region,
    account: iv.account,
    function: iv.function,
    ...(g.owner !== "(none)" ? { owner: g.owner } : {}),
    ...(g.project !== "(none)" ? { project: g.project } : {}),
    hoursStopped: 0,
    hoursNotBilled: 0,
    saved: 0,
  };
  perInstance.set(k, inst);
  inst.hoursStopped += s.hoursStopped;
  inst.hoursNotBilled += s.hoursNotBilled;
  r.hoursStopped += s.hoursStopped;
  r.hoursNotBilled += s.hoursNotBilled;
  if (s.saved === undefined) {
    inst.saved = null;
    r.unpricedHours += s.hoursNotBilled;
    return;
  }
  if (inst.saved !== null) inst.saved += s.saved;
  r.realised += s.saved;
  add(r.byFunction, iv.function, s.saved);
  add(r.byAccount, iv.account, s.saved);
  add(r.byRegion, iv.stop.region, s.saved);
  add(r.byOwner, g.owner, s.saved);
  add(r.byProject, g.project, s.saved);
  if (r.byTag) add(r.byTag.groups, g.tag!, s.saved);
  for (let d = Math.max(from, Math.floor(iv.from / DAY) * DAY); d < Math.min(to, iv.to); d += DAY) {
    const day = intervalSavings(iv, d, d + DAY).saved ?? 0;
    if (day) add(r.byDay, new Date(d).toISOString().slice(0, 10), day);
  }
}

function rounded(r: SavingsReport, instances: InstanceSavings[]): SavingsReport {
  const each = (m: Record<string, number>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, cents(v)]));
  return {
    ...r,
    realised: cents(r.realised),
    hoursStopped: hundredths(r.hoursStopped),
    hoursNotBilled: hundredths(r.hoursNotBilled),
    unpricedHours: hundredths(r.unpricedHours),
    byDay: each(r.byDay),
    byFunction: each(r.byFunction),
    byAccount: each(r.byAccount),
    byRegion: each(r.byRegion),
    byOwner: each(r.byOwner),
    byProject: each(r.byProject),
    ...(r.byTag ? { byTag: { key: r.byTag.key, groups: each(r.byTag.groups) } } : {}),
    instances: instances
      .map((i) => ({
        ...i,
        hoursStopped: hundredths(i.hoursStopped),
        hoursNotBilled: hundredths(i.hoursNotBilled),
        saved: i.saved === null ? null : cents(i.saved),
      }))
      .sort((a, b) => (b.saved ?? 0) - (a.saved ?? 0) || a.id.localeCompare(b.id)),
  };
}
