/**
 * A week of hours in use as an office-hours schedule, in office-hours' own syntax (its
 * OFFICE_HOURS_SCHEDULES entry and the `autopilot:office-hours` tag value naming it). Pure.
 * Each day's runs of hours in use become periods (an end may be 24:00); days with the same runs
 * share periods. The name says the hours when that fits a tag value, else it is a digest of them.
 */
import { createHash } from "node:crypto";
import { HOURS_A_WEEK, MONDAY_FIRST, type Calendar } from "./weekly.ts";

export interface ProposedPeriod {
  days: string;
  begin: string;
  end: string;
}

export interface Proposal {
  /** The schedule's name: the `autopilot:office-hours` tag's value. */
  name: string;
  /** The OFFICE_HOURS_SCHEDULES entry, `{"<name>": {…}}`, as JSON. */
  entry: string;
  periods: ProposedPeriod[];
}

const hh = (h: number) => `${String(h).padStart(2, "0")}:00`;

/** The runs [from, to) of hours in use in one day. */
function runsOf(day: readonly boolean[]): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  for (let h = 0; h < 24; h++) {
    if (!day[h]) continue;
    const last = runs.at(-1);
    if (last && last[1] === h) last[1] = h + 1;
    else runs.push([h, h + 1]);
  }
  return runs;
}

/** Days as office-hours reads them: runs of three or more as a range (`mon-fri`), else a list (`sat,sun`). */
function dayText(days: number[]): string {
  const groups: number[][] = [];
  for (const d of days) {
    const last = groups.at(-1);
    if (last && last.at(-1) === d - 1) last.push(d);
    else groups.push([d]);
  }
  const name = (d: number) => MONDAY_FIRST[d]!;
  return groups.map((g) => (g.length >= 3 ? `${name(g[0]!)}-${name(g.at(-1)!)}` : g.map(name).join(","))).join(",");
}

/** The periods that keep a machine running in every hour in use (168 booleans, Monday 00:00 first). */
export function periodsOf(inUse: readonly boolean[]): ProposedPeriod[] {
  if (inUse.length !== HOURS_A_WEEK) throw new RangeError(`expected ${HOURS_A_WEEK} hours, got ${inUse.length}`);
  const byRuns = new Map<string, { days: number[]; runs: Array<[number, number]> }>();
  for (let d = 0; d < 7; d++) {
    const runs = runsOf(inUse.slice(d * 24, d * 24 + 24));
    if (!runs.length) continue;
    const key = JSON.stringify(runs);
    const g = byRuns.get(key) ?? { days: [], runs };
    g.days.push(d);
    byRuns.set(key, g);
  }
  return [...byRuns.values()].flatMap((g) =>
    g.runs.map(([from, to]) => ({ days: dayText(g.days), begin: hh(from), end: hh(to) })),
  );
}

/** The schedule's name: `mon-fri.0900-1900`, several joined by `_`; a digest when that is not a tag-safe 63 characters. */
export function nameOf(periods: readonly ProposedPeriod[]): string {
  const words = periods
    .map((p) => `${p.days.replaceAll(",", ".")}.${p.begin.replace(":", "")}-${p.end.replace(":", "")}`)
    .join("_");
  if (words.length <= 63) return words;
  return `advised-${createHash("sha256").update(words).digest("hex").slice(0, 12)}`;
}

/** The proposal for hours in use: its name, periods and OFFICE_HOURS_SCHEDULES entry on this calendar. */
export function proposalOf(inUse: readonly boolean[], cal: Calendar): Proposal {
  const periods = periodsOf(inUse);
  const name = nameOf(periods);
  const entry = JSON.stringify({ [name]: { periods, timezone: cal.timezone, calendar: cal.calendar } });
  return { name, entry, periods };
}
