/**
 * Decides, per instance that opted in, whether to start it, stop it or leave it. Pure: the
 * instance, its schedule and `now`. Like AWS Instance Scheduler (its IS-LastAction tag), what we
 * did last is a fact stored on the instance, the state tag `<action>@<time>`, not inferred:
 * - the schedule changed after our last action, or we have no record: act as it says;
 * - our last action failed and the schedule still wants it: try again (each run, never looped);
 * - the machine differs from what our last successful action left, with no change of schedule
 *   since: someone changed it by hand; left until the next change, unless the schedule is enforced.
 */
import { instantTag, SNOOZE_TAG, snoozeOf } from "../../lib/snooze/snooze.ts";
import { readWarning, runningPeriodOf, warningStanding, warningTagKey } from "../../lib/snooze/warning-tag.ts";
import { blastRadius } from "../../lib/runtime/guard.ts";
import type { Decision, DecisionSummary, Guard } from "../../lib/runtime/spec.ts";
import { tagsOf } from "../../lib/tencent/normalize.ts";
import type { Instance } from "../../lib/tencent/data-types.ts";
import {
  hoursUntilRunning,
  lastChange,
  wantsRunning,
  type Schedule,
  type Verdict,
} from "../../lib/calendar/calendar.ts";
import type { OfficeHoursConfig } from "./config.ts";
import { readState, type LastAction, type StateReading } from "./state-record.ts";
import { utcSeconds } from "../../lib/utc-seconds.ts";

export const KINDS = {
  "start-of-hours": "hours begin: start",
  "end-of-hours": "hours end: stop",
  retry: "retry of a failed action",
  enforced: "enforced schedule",
  "in-state": "already as scheduled",
  "changed-by-hand": "changed by hand since our last action",
  prepaid: "prepaid: not stopped",
  "opted-out": "opted out",
  "unknown-schedule": "unknown schedule",
  "busy-state": "in a transitional state",
  "not-billable": "charge type not handled",
  snoozed: "snoozed: not stopped",
  "end-warned": "hours end: warned first",
  warned: "warned, stop pending",
  "bad-snooze-tag": "bad snooze tag: not stopped",
} as const;
export type OfficeKind = keyof typeof KINDS;
export type OfficeDecision = Decision<OfficeKind>;

/** Kinds outside the scope the guard measures. */
const OUT_OF_SCOPE: ReadonlySet<OfficeKind> = new Set(["opted-out", "unknown-schedule", "not-billable"]);

export type RegionalInstance = Pick<
  Instance,
  | "InstanceId"
  | "InstanceName"
  | "InstanceState"
  | "InstanceChargeType"
  | "InstanceType"
  | "Tags"
  | "LatestOperationRequestId"
> & { Region: string };

/**
 * How far back a run looks for the schedule's last change: past the longest run of days with
 * one wanted state a schedule plausibly has (China's Spring Festival with its weekends is 9 days).
 */
export const LOOKBACK_MINUTES = 31 * 24 * 60;

/** The schedule's verdicts at `now`, computed once per run and schedule, not once per instance. */
export interface ScheduleNow {
  schedule: Schedule;
  verdict: Verdict;
  /** When the wanted state last changed to the current one; undefined when it held for the whole look-back. */
  since: Date | undefined;
  /** Hours a stop now saves (until the schedule next wants instances running). */
  hoursSaved: number;
}

export function scheduleNow(schedule: Schedule, now: Date): ScheduleNow {
  const verdict = wantsRunning(schedule, now);
  return {
    schedule,
    verdict,
    since: lastChange(schedule, now, LOOKBACK_MINUTES),
    hoursSaved: verdict.running ? 0 : hoursUntilRunning(schedule, now),
  };
}

const minute = (d: Date) => `${d.toISOString().slice(0, 16).replace("T", " ")}Z`;

type Config = Pick<OfficeHoursConfig, "tagKey" | "optOutTag" | "prices" | "stateTagKey"> &
  Partial<Pick<OfficeHoursConfig, "warnMinutes" | "webhookSecret">>;

/** What decide says of an instance, before the instance's id, region and name are put on it. */
type Said = Omit<OfficeDecision, "id" | "region" | "name">;

/** Why the action the schedule wants is taken: the kind it is reported as, and the words for it. */
interface Cause {
  kind: OfficeKind;
  because: string;
}

/** What decide knows of an instance that names a known schedule, handed to each of its steps. */
interface Scheduled {
  inst: RegionalInstance;
  tags: ReadonlyMap<string, string>;
  /** The schedule's name, as the instance's tag gives it. */
  name: string;
  s: ScheduleNow;
  reading: StateReading;
  detail: Record<string, unknown>;
}

/** One instance's decision: start, stop, warn, or leave it, and why. Pure. */
export function decide(
  inst: RegionalInstance,
  config: Config,
  schedules: Map<string, ScheduleNow>,
  now: Date,
): OfficeDecision {
  // The decision is its identity with what was decided added (Object.assign, not `{ ...base, … }`:
  // on Node 20 that spread gives each object a hidden class of its own, see auto-stop's plan.ts).
  const base = { id: inst.InstanceId, region: inst.Region, name: inst.InstanceName };
  const tags = tagsOf(inst);
  const name = tags.get(config.tagKey) ?? "";
  if (tags.get(config.optOutTag.key) === config.optOutTag.value)
    return Object.assign(base, {
      kind: "opted-out" as const,
      reason: `opted out by tag ${config.optOutTag.key}=${config.optOutTag.value}`,
    });
  const s = schedules.get(name);
  // Never guessed: a name that matches no schedule is reported, and the instance is left alone.
  if (!s)
    return Object.assign(base, {
      kind: "unknown-schedule" as const,
      reason: `tag ${config.tagKey}=${name} names no schedule in OFFICE_HOURS_SCHEDULES (known: ${[...schedules.keys()].join(", ")})`,
    });
  const reading = readState(tags.get(config.stateTagKey), config.webhookSecret, inst.Region, now);
  const detail = {
    schedule: name,
    instanceType: inst.InstanceType,
    ...(reading.state !== "none" ? { lastAction: tags.get(config.stateTagKey) } : {}),
  };
  const sc: Scheduled = { inst, tags, name, s, reading, detail };
  const left = leftAlone(sc);
  if (left) return Object.assign(base, left);
  const cause = causeOf(sc, config.stateTagKey);
  // No cause to move it: changed by hand since our last action, and left so.
  if (!("because" in cause)) return Object.assign(base, cause);
  if (s.verdict.running)
    return Object.assign(base, {
      kind: cause.kind,
      action: "start" as const,
      reason: `start: ${cause.because}; ${s.verdict.reason}`,
      detail,
    });
  return Object.assign(base, decideStop(sc, cause, config, now));
}

/** Nothing to do now: a charge type we do not handle, a transitional state, or already as scheduled. */
function leftAlone({ inst, s, detail }: Scheduled): Said | undefined {
  if (inst.InstanceChargeType !== "PREPAID" && inst.InstanceChargeType !== "POSTPAID_BY_HOUR")
    return { kind: "not-billable", reason: `charge type ${inst.InstanceChargeType} is not handled`, detail };
  const state = inst.InstanceState;
  if (state !== "RUNNING" && state !== "STOPPED")
    return { kind: "busy-state", reason: `state ${state}: decided at the next run`, detail };
  const running = state === "RUNNING";
  if (running === s.verdict.running)
    return {
      kind: "in-state",
      reason: `${running ? "running" : "stopped"} as scheduled: ${s.verdict.reason}`,
      detail,
    };
  return undefined;
}

/**
 * Why the machine, not as scheduled, is moved now, from what we did last: the schedule changed
 * since (or we have no record to trust), our last try failed, or the schedule is enforced.
 * Otherwise someone changed it by hand, and it is left until the schedule next changes.
 */
function causeOf({ inst, name, s, reading, detail }: Scheduled, stateTagKey: string): Cause | Said {
  const last = reading.state === "ours" ? reading.last : undefined;
  const running = inst.InstanceState === "RUNNING";
  const wanted = s.verdict.running ? "start" : "stop";
  // Our record is current when the schedule has not changed since it was written.
  const current = last !== undefined && (s.since === undefined || last.at.getTime() >= s.since.getTime());
  if (!current)
    return {
      kind: s.verdict.running ? "start-of-hours" : "end-of-hours",
      because: scheduleDecides(last, reading, s.since, stateTagKey),
    };
  if (last.failed && last.action === wanted)
    return {
      kind: "retry",
      because: `our ${wanted} at ${minute(last.at)} failed; tried again while the schedule wants it`,
    };
  if (s.schedule.enforced)
    return {
      kind: "enforced",
      because: `${running ? "running" : "stopped"} against the schedule since our ${last.action} at ${minute(last.at)}; schedule "${name}" is enforced`,
    };
  return {
    kind: "changed-by-hand",
    reason: `${running ? "running" : "stopped"} since our ${last.action}${last.failed ? " failed" : ""} at ${minute(last.at)}, with no change of schedule since: changed by hand, left until the next change (schedule "${name}" is not enforced): ${s.verdict.reason}`,
    detail,
  };
}

/** Why the schedule alone decides: it changed after our last action, or no record of ours can be trusted. */
function scheduleDecides(
  last: LastAction | undefined,
  reading: StateReading,
  since: Date | undefined,
  stateTagKey: string,
): string {
  if (last)
    return `the schedule changed at ${minute(since!)}, after our last action (${last.action}${last.failed ? " failed" : ""} at ${minute(last.at)})`;
  if (reading.state === "future")
    return `the state tag's record (${reading.last.action} at ${minute(reading.last.at)}) is dated in the future, so it is not trusted and the schedule decides`;
  if (reading.state === "unsealed")
    return `the state tag ${stateTagKey}="${reading.value}" was not written by a run of ours (no valid seal), so the schedule decides`;
  return "no record of ours, so the schedule decides";
}

/**
 * A stop the schedule wants, unless something holds it back: a prepaid machine whose schedule
 * does not set stopPrepaid, a snooze or a snooze tag we cannot read, or the warning due first.
 */
function decideStop({ inst, tags, name, s, detail }: Scheduled, cause: Cause, config: Config, now: Date): Said {
  const why = s.verdict.reason;
  const prepaid = inst.InstanceChargeType === "PREPAID";
  if (prepaid && !s.schedule.stopPrepaid)
    return {
      kind: "prepaid",
      reason: `prepaid: stopping saves nothing, and schedule "${name}" does not set stopPrepaid`,
      detail,
    };
  // A snooze (autopilot:snooze-until) holds back stops only; a start is never snoozed.
  const snooze = snoozeOf(tags, now);
  if (snooze.state === "active")
    return {
      kind: "snoozed",
      reason: `snoozed until ${instantTag(snooze.until)} (tag ${SNOOZE_TAG}): not stopped; ${why}`,
      detail,
    };
  if (snooze.state === "bad")
    return {
      kind: "bad-snooze-tag",
      reason: `tag ${SNOOZE_TAG}="${snooze.value}" is not a time with its zone: not stopped, not guessed at`,
      detail,
    };
  // Warn first (OFFICE_HOURS_WARN_MINUTES): the stop waits for office-hours' own warning.
  const warned = config.warnMinutes ? warnFirst(inst, tags, config.warnMinutes, config.webhookSecret, now) : undefined;
  if (warned)
    return {
      ...warned,
      reason: `${warned.reason}; ${warned.action ? `${cause.because}; ` : ""}${why}`,
      detail: { ...detail, ...warned.detail },
    };
  const saving = prepaid ? {} : savingOf(config.prices.get(inst.InstanceType), s.hoursSaved);
  return {
    kind: cause.kind,
    action: "stop",
    reason: `stop: ${cause.because}; ${why}`,
    detail: { ...detail, prepaid, ...saving },
  };
}

/** What a stop saves at a known price: the ledger's price for the hours this stop actually saves (lib/history). */
function savingOf(price: number | undefined, hoursSaved: number) {
  if (price === undefined) return {};
  return {
    estimatedSaving: Math.round(price * hoursSaved * 100) / 100,
    hourlyPrice: price,
    hoursStopped: Math.round(hoursSaved * 100) / 100,
  };
}

/**
 * A stop at the end of hours waits for office-hours' own warning, given in this running period at
 * least `warnMinutes` ago (warning-tag.ts): pending until then, given (again) when there is none.
 * Undefined once the warning allows the stop.
 */
function warnFirst(
  inst: RegionalInstance,
  tags: ReadonlyMap<string, string>,
  warnMinutes: number,
  secret: string | undefined,
  now: Date,
): { kind: OfficeKind; reason: string; action?: "warn"; detail?: Record<string, unknown> } | undefined {
  const period = runningPeriodOf(inst);
  const subject = { fn: "office-hours", region: inst.Region, instance: inst.InstanceId, period };
  const own = readWarning(tags.get(warningTagKey("office-hours")), secret, subject);
  const w = warningStanding(own, now.getTime(), warnMinutes);
  if (w.state === "pending")
    return { kind: "warned", reason: `warned: stops after ${instantTag(w.at)} (snooze it to keep it running)` };
  if (w.state === "due") return undefined;
  const at = instantTag(now.getTime() + warnMinutes * 60_000);
  return {
    kind: "end-warned",
    action: "warn",
    reason: `warned: stops after ${at} unless snoozed`,
    detail: { warnedAt: utcSeconds(now.getTime()), stopAfter: at, runningPeriod: period },
  };
}

/** The blast-radius guard: a share and a count of the in-scope instances a run may act on. */
export function guard(
  summary: DecisionSummary<OfficeKind>,
  config: Pick<OfficeHoursConfig, "maxFraction" | "maxCount">,
): Guard {
  return blastRadius(summary, OUT_OF_SCOPE, config);
}
