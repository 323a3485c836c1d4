/**
 * What schedule-advisor proposes for each running pay-as-you-go machine, or each group sharing a
 * tag, from a fortnight of hourly points. Pure: the machines, their series, prices and the window
 * decide. Every answer is a finding for a person (the function writes nothing):
 * - too little history: under a week of CPU points (168 hours), or none before the last 7 days;
 * - idle throughout: no hour of the week in use (auto-stop-idle's to stop, not a schedule's);
 * - around the clock: every hour of the week in use, so no schedule would save anything;
 * - otherwise the office-hours schedule of its hours in use (weekly.ts, proposal.ts), priced: the
 *   hours it ran in the fortnight that the schedule, read by office-hours itself (holidays
 *   included), would have kept it stopped, at its hourly price.
 */
import type { Decision } from "../../lib/runtime/spec.ts";
import type { Instance } from "../../lib/tencent/data-types.ts";
import type { Series } from "../../lib/tencent/series.ts";
import { tagsOf } from "../../lib/tencent/normalize.ts";
import { isRunning, type Schedule } from "../../lib/calendar/calendar.ts";
import { parseSchedules } from "../../lib/calendar/schedule-syntax.ts";
import { proposalOf, type Proposal } from "./proposal.ts";
import { HOURS_A_WEEK, hoursInUse, type Calendar, type Thresholds } from "./weekly.ts";

export const KINDS = {
  propose: "office hours proposed",
  "around-the-clock": "used around the clock",
  "idle-throughout": "idle throughout",
  "too-little-history": "too little history",
  "has-schedule": "already on office hours",
} as const;
export type AdvisorKind = keyof typeof KINDS;

/** The tag office-hours reads (its default OFFICE_HOURS_TAG): the accept link writes it. */
export const OFFICE_HOURS_TAG = "autopilot:office-hours";
export const LOOKBACK_DAYS = 14;
export const MIN_HISTORY_HOURS = 7 * 24;

export type AdvisorDetail = {
  instanceType?: string | undefined;
  zone?: string | undefined;
  group?: string;
  /** The proposal: the tag to write and the OFFICE_HOURS_SCHEDULES entry it names. */
  schedule?: string;
  tag?: string;
  entry?: string;
  hoursInUse?: number;
  hoursSaved?: number;
  hourlyPrice?: number;
  saving?: number;
  currency?: string;
  links?: Array<{ label: string; url: string }>;
};
export type AdvisorDecision = Decision<AdvisorKind, AdvisorDetail> & { detail: AdvisorDetail };

/**
 * What collect and plan read of a listed machine. Memory: a page of machines is held while its
 * metric queries run (long enough to outlive two young collections), and a raw listing row is
 * ~1 KB of fields no one here reads; the index keeps these alone.
 */
export type Listed = Pick<
  Instance,
  "InstanceId" | "InstanceName" | "InstanceType" | "Placement" | "CreatedTime" | "Tags"
>;

export interface Machine {
  inst: Listed;
  region: string;
  cpu: Series;
  traffic: Series;
  /** Its hourly price, when one is known. */
  price?: number | undefined;
}

export interface Policy {
  thresholds: Thresholds;
  calendar: Calendar;
  groupTag: string | undefined;
  currency: string;
}

/** A decision for one machine, with what every answer says of it. */
function answer(
  m: Machine,
  kind: AdvisorKind,
  action: string | undefined,
  reason: string,
  detail: AdvisorDetail = {},
): AdvisorDecision {
  return {
    id: m.inst.InstanceId,
    region: m.region,
    name: m.inst.InstanceName,
    kind,
    ...(action ? { action } : {}),
    reason,
    detail: { instanceType: m.inst.InstanceType, zone: m.inst.Placement?.Zone, ...detail },
  };
}

/** Why a machine's history is too short to judge a week by, or undefined when it is long enough. */
export function tooLittle(m: Machine, endMs: number): string | undefined {
  const first = m.cpu.t[0];
  if (m.cpu.t.length < MIN_HISTORY_HOURS || first === undefined || first > endMs - 7 * 86400_000)
    return `${m.cpu.t.length} h of data${first === undefined ? "" : ` since ${new Date(first).toISOString().slice(0, 10)}`}; needs ${MIN_HISTORY_HOURS} (a week)`;
  return undefined;
}

/** The schedule as office-hours reads it: the proposal goes through its own parser, or this is a bug. */
export function asSchedule(p: Proposal): Schedule {
  // Machines of one habit get one proposal: one Schedule object lets dayKind's memo serve them all.
  const known = parsed.get(p.entry);
  if (known) return known;
  const problems: string[] = [];
  const s = parseSchedules(p.entry, (m) => problems.push(m)).get(p.name);
  if (!s || problems.length)
    throw new Error(`schedule-advisor proposed what office-hours cannot read: ${problems.join("; ")}`);
  // Bounded: a week has far fewer habits than this.
  if (parsed.size > 1_000) parsed.clear();
  parsed.set(p.entry, s);
  return s;
}
const parsed = new Map<string, Schedule>();

/** The hours a machine ran (it has a CPU point) that the schedule would have kept it stopped. */
export function hoursSaved(cpu: Series, s: Schedule): number {
  let n = 0;
  for (const at of cpu.t) if (!isRunning(s, new Date(at))) n++;
  return n;
}

/** One group's answers: the union of its members' hours in use, proposed to each member with its own saving. */
function planGroup(members: Machine[], policy: Policy, endMs: number, group?: string): AdvisorDecision[] {
  const out: AdvisorDecision[] = [];
  const judged: Machine[] = [];
  for (const m of members) {
    const why = tooLittle(m, endMs);
    if (why) out.push(answer(m, "too-little-history", "wait-for-history", why, group ? { group } : {}));
    else judged.push(m);
  }
  if (!judged.length) return out;
  const inUse = new Array<boolean>(HOURS_A_WEEK).fill(false);
  for (const m of judged)
    hoursInUse(m.cpu, m.traffic, policy.calendar, policy.thresholds).forEach((u, h) => {
      if (u) inUse[h] = true;
    });
  const count = inUse.filter(Boolean).length;
  const whose = group ? `${group}: ` : "";
  const base = { hoursInUse: count, ...(group ? { group } : {}) };
  if (count === HOURS_A_WEEK)
    return [
      ...out,
      ...judged.map((m) => answer(m, "around-the-clock", "keep-running", `${whose}in use all 168 h of the week`, base)),
    ];
  // No hour in use: auto-stop-idle's to stop, not a schedule's; said, not proposed.
  if (count === 0)
    return [
      ...out,
      ...judged.map((m) => answer(m, "idle-throughout", undefined, `${whose}idle all week: auto-stop-idle's`, base)),
    ];
  const p = proposalOf(inUse, policy.calendar);
  const schedule = asSchedule(p);
  for (const m of judged) {
    const saved = hoursSaved(m.cpu, schedule);
    const priced =
      m.price === undefined
        ? {}
        : { hourlyPrice: m.price, saving: Math.round(saved * m.price * 100) / 100, currency: policy.currency };
    const money = m.price === undefined ? "unpriced" : `${priced.saving} ${policy.currency}`;
    out.push(
      answer(
        m,
        "propose",
        "office-hours",
        `${whose}in use ${count} h a week; would have stopped ${saved} h in ${LOOKBACK_DAYS} days: ${money}`,
        {
          ...base,
          schedule: p.name,
          tag: `${OFFICE_HOURS_TAG}=${p.name}`,
          entry: p.entry,
          hoursSaved: saved,
          ...priced,
        },
      ),
    );
  }
  return out;
}

/** Every machine's answer: per machine, or per group sharing the group tag's value (machines without the tag alone). */
export function plan(machines: readonly Machine[], policy: Policy, endMs: number): AdvisorDecision[] {
  const groups = new Map<string, Machine[]>();
  const alone: Machine[] = [];
  for (const m of machines) {
    const v = policy.groupTag ? tagsOf(m.inst).get(policy.groupTag) : undefined;
    if (v === undefined) alone.push(m);
    else groups.set(v, [...(groups.get(v) ?? []), m]);
  }
  return [
    ...[...groups].flatMap(([v, ms]) => planGroup(ms, policy, endMs, `${policy.groupTag}=${v}`)),
    ...alone.flatMap((m) => planGroup([m], policy, endMs)),
  ];
}
