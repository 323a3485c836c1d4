/**
 * Decides, per running machine, whether a smaller type of its family would do. Pure: usage,
 * the zone's offers and the policy in, a decision out.
 *
 * The rule: from hourly CPUUsage over the look-back (P95 and P99, nearest rank), the smallest type
 * of the same family sold in the machine's zone whose vCPUs keep P99 × (current vCPUs ÷ its
 * vCPUs) under RIGHTSIZE_CPU_TARGET; where Cloud Monitor has MemUsage (only with the monitoring
 * agent) the memory used at P99 must fit under RIGHTSIZE_MEMORY_TARGET of its memory too. With no
 * memory data the proposal says so and never guesses. ResetInstancesType changes a type only
 * within its family (the 2018 reference: "must be in the same series").
 */
import { inWindow, minutesInZone } from "../../lib/config/parsers.ts";
import { HOURS_PER_MONTH } from "../../lib/report/savings.ts";
import { decisionOf, type Decision } from "../../lib/runtime/spec.ts";
import { instantTag, SNOOZE_TAG, snoozeOf } from "../../lib/snooze/snooze.ts";
import type { Series } from "../../lib/tencent/series.ts";
import type { Offer } from "../../lib/tencent/zone-offers.ts";
import type { RightsizePolicy } from "./config.ts";

/** Why a machine is proposed, resized or left: statistics and messages read the kind, never the reason. */
export const KINDS = {
  resize: "resize in the window",
  resume: "finish a resize begun earlier",
  proposal: "could be smaller",
  "waiting-for-window": "tagged to apply, outside the window",
  snoozed: "snoozed: not resized",
  "bad-snooze-tag": "bad snooze tag: not resized",
  "right-sized": "right-sized",
  "over-target": "busier than the target",
  "too-little-data": "too little CPU data",
  "no-offer": "its type is not offered in its zone",
} as const;
export type RightsizeKind = keyof typeof KINDS;

/**
 * Where a resize stands, on the machine itself (the facts a retry, an overlapping run and the next
 * judgement read): `FROM>TO@<UTC time>/<mark>` while under way, the time its last stop was sent
 * and a mark of the run that sent it (`FROM>TO` alone from a version before it), and
 * `done>TO@<UTC time>` after.
 */
export const RESIZING_TAG = "autopilot:rightsize:resizing";
/** The progress tag's value before a stop: `FROM>TO@<time>/<mark>`. */
export const underWay = (from: string, to: string, at: string, mark: string) => `${from}>${to}@${at}/${mark}`;
/** The progress tag's value once nothing is under way (a stop refused, held back, or given up): `refused>TO@<time>`. */
export const refusedAt = (to: string, at: string) => `refused>${to}@${at}`;
/**
 * Each resize's own record of its last stop: `autopilot:rightsize:stop:<mark>=<UTC time sent>`. Two
 * runs that read the machine in the same moment both write the progress tag, and the later hides
 * the earlier's stop; their keys differ, so neither hides the other. Removed at done.
 */
export const STOP_KEY_PREFIX = "autopilot:rightsize:stop:";

/** The progress tag's parts, every form: `FIRST>TO`, then `@<time>` (ms, NaN when absent or unreadable), then `/<mark>`. */
function progressParts(value: string | undefined): { first: string; to: string; at: number } | undefined {
  const v = /^([^>@]+)>([^>@]+)(?:@([^/]+)(?:\/.*)?)?$/.exec(value ?? "");
  return v ? { first: v[1]!, to: v[2]!, at: v[3] === undefined ? Number.NaN : Date.parse(v[3]) } : undefined;
}

/**
 * The stop key's value once its stop was answered, `<time sent>/stopped`: the evidence a later run
 * needs to finish a resize it finds stopped at the old type. The key is the resize's own, so
 * writing it never hides another run's record (the progress tag is shared).
 */
export const STOPPED_MARK = "/stopped";

/**
 * Whether the machine's tags record a stop of a resize that was carried out: a stop key marked
 * stopped, or a progress tag `FROM>TO` alone (a version before times, which tagged just before its
 * stop). A tag written before a stop that was never sent (the run ended, or held the stop back)
 * says neither, so a machine found stopped under it is not taken for a resize's doing.
 */
export function stopRecorded(tags: ReadonlyMap<string, string>, from: string, to: string): boolean {
  if (tags.get(RESIZING_TAG) === `${from}>${to}`) return true;
  for (const [k, v] of tags) if (k.startsWith(STOP_KEY_PREFIX) && v.endsWith(STOPPED_MARK)) return true;
  return false;
}

/** A resize under way, read from its tag: from, to, and when its last stop was sent (ms), if said (`@<time>/<mark of the run>`). */
export function progressOf(value: string | undefined): { from: string; to: string; stopSentAt?: number } | undefined {
  const p = progressParts(value);
  // `done>TO@…`: finished; `refused>TO@…`: its stop refused outright, nothing begun.
  if (!p || p.first === "done" || p.first === "refused") return undefined;
  return Number.isFinite(p.at) ? { from: p.first, to: p.to, stopSentAt: p.at } : { from: p.first, to: p.to };
}

/** A pay-as-you-go month as Tencent Cloud's monthly prices count it: 30 days (one definition, in lib). */
export { HOURS_PER_MONTH } from "../../lib/report/savings.ts";

export interface Usage {
  /** Hours with a CPU point (distinct hourly slots). */
  hours: number;
  cpuP95: number;
  cpuP99: number;
  /** P99 MemUsage in percent; undefined: Cloud Monitor has none (no monitoring agent). */
  memP99?: number | undefined;
}

export interface Machine {
  id: string;
  region: string;
  name?: string | undefined;
  type: string;
  zone: string;
  chargeType: string;
  state: string;
  tags: ReadonlyMap<string, string>;
}

export type RightsizeDetail = {
  zone: string;
  from: string;
  to?: string;
  chargeType?: string;
  cpuP95?: number;
  cpuP99?: number;
  /** null: no MemUsage data (the monitoring agent is missing); never guessed. */
  memP99?: number | null;
  hours?: number;
  /** The monthly price now and after, and the difference (CNY), when both are known. */
  currentMonthly?: number;
  proposedMonthly?: number;
  monthlySaving?: number;
  priceSource?: string;
};
export type RightsizeDecision = Decision<RightsizeKind, RightsizeDetail>;

/** The nearest-rank percentile of values (p in 0..100). */
export function percentile(values: readonly number[], p: number): number {
  return ranked(Float64Array.from(values).sort(), p);
}

/** The nearest-rank percentile of values already in ascending order. */
const ranked = (sorted: Float64Array, p: number) =>
  sorted[Math.max(0, Math.ceil((sorted.length * p) / 100) - 1)] ?? Number.NaN;

/** Usage from hourly series (one point per hour slot: a repeated timestamp counts once). */
export function usageOf(cpuHourly: readonly number[], memHourly: readonly number[]): Usage {
  // Each sorted once, numerically (a typed array needs no comparator): the three ranks read it.
  const cpu = Float64Array.from(cpuHourly).sort();
  const mem = Float64Array.from(memHourly).sort();
  return {
    hours: cpu.length,
    cpuP95: round1(ranked(cpu, 95)),
    cpuP99: round1(ranked(cpu, 99)),
    memP99: mem.length ? round1(ranked(mem, 99)) : undefined,
  };
}

/** One value an hour from `since` (ms) on: the hour's last point where a series has several, so hours count slots, not points. */
export function hourlyValues(s: Series, since = 0): number[] {
  const out: number[] = [];
  let hour = Number.NaN;
  // In time order (series.ts), an hour's points are adjacent: the last of them stands for it.
  for (let i = 0; i < s.t.length; i++) {
    if (s.t[i]! < since) continue;
    const h = Math.floor(s.t[i]! / 3600_000);
    if (h === hour) out[out.length - 1] = s.v[i]!;
    else out.push(s.v[i]!);
    hour = h;
  }
  return out;
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const cents = (n: number) => Math.round(n * 100) / 100;

/** P99 CPU on `to`, scaled from `from` by their vCPUs. */
export const scaledCpu = (u: Usage, from: Offer, to: Offer) => (u.cpuP99 * from.cpu) / to.cpu;

/** The smallest offer of the same family that keeps CPU (and memory, when known) under the targets; undefined: none smaller fits. */
export function smallestFit(
  current: Offer,
  offers: readonly Offer[],
  u: Usage,
  p: Pick<RightsizePolicy, "cpuTarget" | "memoryTarget">,
): Offer | undefined {
  const fits = offers
    .filter((o) => o.family === current.family && o.type !== current.type)
    .filter((o) => o.cpu < current.cpu || (o.cpu === current.cpu && o.memory < current.memory))
    .filter((o) => scaledCpu(u, current, o) < p.cpuTarget)
    .filter((o) => u.memP99 === undefined || (u.memP99 * current.memory) / o.memory < p.memoryTarget)
    .sort((a, b) => a.cpu - b.cpu || a.memory - b.memory || (a.hourly ?? 0) - (b.hourly ?? 0));
  return fits[0];
}

/** A month's price of an offer for a charge type: prepaid's monthly price, else 720 hours at its hourly one. */
export function monthlyPrice(o: Offer | undefined, chargeType: string): number | undefined {
  if (!o) return undefined;
  if (chargeType === "PREPAID") return o.monthly;
  return o.hourly === undefined ? undefined : cents(o.hourly * HOURS_PER_MONTH);
}

/** Whether `now` is inside a maintenance window (none configured: never). */
export function inMaintenance(p: Pick<RightsizePolicy, "window" | "timeZone">, now: Date): boolean {
  if (!p.window.length) return false;
  const m = minutesInZone(now, p.timeZone);
  return p.window.some((w) => inWindow(m, w));
}

/** A resize begun and not finished, from the machine's own progress tag: where it is going, or undefined. */
export function unfinished(m: Machine): { from: string; to: string } | undefined {
  const p = progressOf(m.tags.get(RESIZING_TAG));
  if (!p) return undefined;
  const { from, to } = p;
  // Running at the old type: nothing begun (a new resize waits for the window). Running at the new
  // type without `done`: the run ended before its record, so it is finished by writing that (and no
  // more). At a third type: someone else's choice, judged afresh, not taken for ours half done.
  if (m.type !== from && m.type !== to) return undefined;
  return m.state === "RUNNING" && m.type === from ? undefined : { from, to };
}

/** When a finished resize made the machine its current type (ms), from the progress tag; undefined: not ours, or not known. */
export function resizedAt(m: Machine): number | undefined {
  const p = progressParts(m.tags.get(RESIZING_TAG));
  return p?.first === "done" && p.to === m.type && Number.isFinite(p.at) ? p.at : undefined;
}

/** A machine's decision (decisionOf: one hidden class, not a spread); every one carries its detail. */
function decided(
  m: Machine,
  kind: RightsizeKind,
  reason: string,
  detail: RightsizeDetail,
  action?: "resize",
): RightsizeDecision {
  return decisionOf(m.id, m.region, m.name, kind, reason, action, detail);
}

/** The decision for one machine, given its usage and its zone's offers. */
export function judge(
  m: Machine,
  u: Usage,
  offers: readonly Offer[],
  p: RightsizePolicy,
  now: Date,
): RightsizeDecision {
  const begun = unfinished(m);
  if (begun)
    return decided(
      m,
      "resume",
      `a resize ${begun.from} → ${begun.to} was begun and not finished (${RESIZING_TAG})`,
      { zone: m.zone, from: begun.from, chargeType: m.chargeType, to: begun.to },
      "resize",
    );
  const detail: RightsizeDetail = { zone: m.zone, from: m.type, chargeType: m.chargeType };
  const current = offers.find((o) => o.type === m.type);
  if (!current) return decided(m, "no-offer", `${m.type} is not offered in ${m.zone}`, detail);
  if (u.hours < p.minHours)
    return decided(m, "too-little-data", `${u.hours} h of CPU data; at least ${p.minHours} h are needed`, detail);
  const used: RightsizeDetail = Object.assign({}, detail, {
    cpuP95: u.cpuP95,
    cpuP99: u.cpuP99,
    memP99: u.memP99 ?? null,
    hours: u.hours,
  });
  const memWords =
    u.memP99 === undefined
      ? "memory unknown (no MemUsage: the monitoring agent is missing; memory was not checked)"
      : `memory P99 ${u.memP99}%`;
  const usage = `CPU P95 ${u.cpuP95}% P99 ${u.cpuP99}% over ${u.hours} h, ${memWords}`;
  if (u.cpuP99 >= p.cpuTarget) return decided(m, "over-target", `${usage}: already at or above ${p.cpuTarget}%`, used);
  const to = smallestFit(current, offers, u, p);
  if (!to) return decided(m, "right-sized", `${usage}: no smaller ${current.family} type fits`, used);
  const d = proposed(used, to.type, monthlyPrice(current, m.chargeType), monthlyPrice(to, m.chargeType));
  const why = `${usage}: ${to.type} keeps P99 CPU at ${round1(scaledCpu(u, current, to))}%`;
  const tagged = m.tags.get(p.applyTag.key) === p.applyTag.value;
  if (!tagged) return decided(m, "proposal", why, d);
  if (!inMaintenance(p, now))
    return decided(
      m,
      "waiting-for-window",
      `${why}; ${p.window.length ? `outside the maintenance window (${p.timeZone})` : "no RIGHTSIZE_WINDOW set"}`,
      d,
    );
  const held = snoozeHold(m.tags, now);
  if (held) return decided(m, held.kind, `${why}; ${held.words}`, d);
  return decided(m, "resize", why, d, "resize");
}

/**
 * Whether a snooze holds a resize back: a resize stops the machine for minutes, and the snooze tag
 * (or the page of a link that wrote it) told its owner it keeps running until then. A value that is
 * not a time with its zone holds it back too, as it does auto-stop-idle's and office-hours' stops.
 */
export function snoozeHold(
  tags: ReadonlyMap<string, string>,
  now: Date,
): { kind: "snoozed" | "bad-snooze-tag"; words: string } | undefined {
  const s = snoozeOf(tags, now);
  if (s.state === "active")
    return { kind: "snoozed", words: `snoozed until ${instantTag(s.until)} (tag ${SNOOZE_TAG}): not resized` };
  if (s.state === "bad")
    return {
      kind: "bad-snooze-tag",
      words: `tag ${SNOOZE_TAG}="${s.value}" is not a time with its zone: not resized, not guessed at`,
    };
  return undefined;
}

/** A proposal's detail: the usage, the type proposed and, when both months are priced, the two prices and the difference. */
function proposed(
  used: RightsizeDetail,
  to: string,
  now$: number | undefined,
  then$: number | undefined,
): RightsizeDetail {
  // Object.assign, in the usage's order, not a spread followed by fields (see decided).
  const priced =
    now$ !== undefined && then$ !== undefined
      ? { currentMonthly: now$, proposedMonthly: then$, monthlySaving: cents(now$ - then$) }
      : undefined;
  return Object.assign({}, used, { to }, priced);
}
