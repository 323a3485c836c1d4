/**
 * Decides, per instance that opted in, whether to start it, stop it or leave it. Pure: the
 * instance, its schedule and `now`. Like AWS Instance Scheduler, it acts on transitions: a change
 * of wanted state within the grace period is carried out; a machine someone started or stopped by
 * hand since then is left alone, unless its schedule is `enforced`.
 */
import { blastRadius } from "../../lib/runtime/guard.ts";
import type { Decision, DecisionSummary, Guard } from "../../lib/runtime/spec.ts";
import { tagsOf } from "../../lib/tencent/normalize.ts";
import type { Instance } from "../../lib/tencent/types.ts";
import { changedWithin, hoursUntilRunning, wantsRunning, type Schedule, type Verdict } from "./calendar.ts";
import type { OfficeHoursConfig } from "./config.ts";

export const KINDS = {
  "start-of-hours": "hours begin: start",
  "end-of-hours": "hours end: stop",
  enforced: "enforced schedule",
  "in-state": "already as scheduled",
  "changed-by-hand": "changed by hand since the last transition",
  prepaid: "prepaid: not stopped",
  "opted-out": "opted out",
  "unknown-schedule": "unknown schedule",
  "busy-state": "in a transitional state",
  "not-billable": "charge type not handled",
} as const;
export type OfficeKind = keyof typeof KINDS;
export type OfficeDecision = Decision<OfficeKind>;

/** Kinds outside the scope the guard measures. */
const OUT_OF_SCOPE: ReadonlySet<OfficeKind> = new Set(["opted-out", "unknown-schedule", "not-billable"]);

export type RegionalInstance = Pick<Instance, "InstanceId" | "InstanceName" | "InstanceState" | "InstanceChargeType" | "InstanceType" | "Tags"> & { Region: string };

/** The schedule's verdicts at `now`, computed once per run and schedule, not once per instance. */
export interface ScheduleNow {
  schedule: Schedule;
  verdict: Verdict;
  /** The wanted state changed within the grace period: a transition to act on. */
  transition: boolean;
  /** Hours a stop now saves (until the schedule next wants instances running). */
  hoursSaved: number;
}

export function scheduleNow(schedule: Schedule, now: Date, graceMinutes: number): ScheduleNow {
  const verdict = wantsRunning(schedule, now);
  return { schedule, verdict, transition: changedWithin(schedule, now, graceMinutes), hoursSaved: verdict.running ? 0 : hoursUntilRunning(schedule, now) };
}

export function decide(inst: RegionalInstance, config: Pick<OfficeHoursConfig, "tagKey" | "optOutTag" | "prices">, schedules: Map<string, ScheduleNow>): OfficeDecision {
  const base = { id: inst.InstanceId, region: inst.Region, name: inst.InstanceName };
  const tags = tagsOf(inst);
  const name = tags.get(config.tagKey) ?? "";
  if (tags.get(config.optOutTag.key) === config.optOutTag.value) return { ...base, kind: "opted-out", reason: `opted out by tag ${config.optOutTag.key}=${config.optOutTag.value}` };
  const s = schedules.get(name);
  // Never guessed: a name that matches no schedule is reported, and the instance is left alone.
  if (!s) return { ...base, kind: "unknown-schedule", reason: `tag ${config.tagKey}=${name} names no schedule in OFFICE_HOURS_SCHEDULES (known: ${[...schedules.keys()].join(", ")})` };
  const detail = { schedule: name, instanceType: inst.InstanceType };
  const why = s.verdict.reason;
  const prepaid = inst.InstanceChargeType === "PREPAID";
  if (!prepaid && inst.InstanceChargeType !== "POSTPAID_BY_HOUR") return { ...base, kind: "not-billable", reason: `charge type ${inst.InstanceChargeType} is not handled`, detail };
  const state = inst.InstanceState;
  if (state !== "RUNNING" && state !== "STOPPED") return { ...base, kind: "busy-state", reason: `state ${state}: decided at the next run`, detail };
  const running = state === "RUNNING";
  if (running === s.verdict.running) return { ...base, kind: "in-state", reason: `${running ? "running" : "stopped"} as scheduled: ${why}`, detail };
  const act = s.transition || s.schedule.enforced;
  if (!act) {
    return { ...base, kind: "changed-by-hand", reason: `${running ? "running" : "stopped"} against the schedule since before the last transition; left until the next one (schedule "${name}" is not enforced): ${why}`, detail };
  }
  const kind: OfficeKind = s.transition ? (s.verdict.running ? "start-of-hours" : "end-of-hours") : "enforced";
  if (s.verdict.running) return { ...base, kind, action: "start", reason: `start: ${why}`, detail };
  if (prepaid && !s.schedule.stopPrepaid) return { ...base, kind: "prepaid", reason: `prepaid: stopping saves nothing, and schedule "${name}" does not set stopPrepaid`, detail };
  const price = config.prices.get(inst.InstanceType);
  const saving = price !== undefined && !prepaid ? { estimatedSaving: Math.round(price * s.hoursSaved * 100) / 100, hoursStopped: Math.round(s.hoursSaved * 100) / 100 } : {};
  return { ...base, kind, action: "stop", reason: `stop: ${why}`, detail: { ...detail, prepaid, ...saving } };
}

/** The blast-radius guard: a share and a count of the in-scope instances a run may act on. */
export function guard(summary: DecisionSummary<OfficeKind>, config: Pick<OfficeHoursConfig, "maxFraction" | "maxCount">): Guard {
  return blastRadius(summary, OUT_OF_SCOPE, config);
}
