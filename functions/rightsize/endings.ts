/**
 * How a resize ends, and what it leaves on the machine: the record of done; or, when it ends
 * without one (its owner snoozed, opted out, stopped or retyped the machine, the run's time ran
 * out), no trace a later run would take for a resize half done: the progress tag written back and
 * the stop keys removed, each machine's 50 tags being few.
 */
import type { TencentCloudClient } from "../../lib/tencent/client.ts";
import type { Instance } from "../../lib/tencent/data-types.ts";
import { tagInstances, untagInstances } from "../../lib/runtime/instance-tags.ts";
import type { ItemResult } from "../../lib/runtime/batch-apply.ts";
import type { Outcome } from "../../lib/runtime/spec.ts";
import { tagsOf } from "../../lib/tencent/normalize.ts";
import { utcSeconds } from "../../lib/utc-seconds.ts";
import type { RightsizePolicy } from "./config.ts";
import { BEGIN_WITHIN_MS, MAX_POLLS, type Pacer, type RunTime } from "./pace.ts";
import {
  progressOf,
  RESIZING_TAG,
  refusedAt,
  type RightsizeDecision,
  STOP_KEY_PREFIX,
  snoozeHold,
  stopRecorded,
} from "./plan.ts";
import type { StopsSent } from "./stops-sent.ts";

/** One resize: the machine, its two types, the run it is part of, and what it knows of the stops. */
export interface Resize {
  client: TencentCloudClient;
  d: RightsizeDecision;
  from: string;
  to: string;
  run: RunTime;
  applyTag: RightsizePolicy["applyTag"];
  stops: StopsSent;
}

const stopKeys = (tags: ReadonlyMap<string, string>) => [...tags.keys()].filter((k) => k.startsWith(STOP_KEY_PREFIX));

/**
 * The record that the resize is done, and when: no later run takes it for a resize half done, and
 * the next proposal reads only the hours since (the hours before were at the old type). Every
 * run's stop key goes with it: none of their stops can land any more.
 */
export async function finished(
  r: Resize,
  requestId: string | undefined,
  tags: ReadonlyMap<string, string>,
): Promise<Outcome> {
  const { client, d } = r;
  const [t] = await tagInstances(client, d.region, [d.id], {
    [RESIZING_TAG]: `done>${r.to}@${utcSeconds(r.run.clock())}`,
  });
  // Without the record the next run finishes it again, and removes the keys then.
  if (t && !t.ok) return doneWith(requestId, "TagResources", t);
  const keys = stopKeys(tags);
  const [u] = keys.length ? await untagInstances(client, d.region, [d.id], keys) : [];
  return doneWith(requestId, "UnTagResources", u);
}

/** Done, with the write that goes with it reported when it failed (the resize stands). */
const doneWith = (requestId: string | undefined, action: string, r: ItemResult | undefined): Outcome =>
  r && !r.ok
    ? { status: "done", requestId, followUp: { action, code: r.code, message: r.message } }
    : { status: "done", requestId };

/**
 * A resize that ends without done, no stop (ours or another run's) still able to land: a progress tag of a resize
 * under way becomes `refused>TO@<time>` (nothing begun that a later run should finish: the machine
 * runs at its old type, or is no longer ours to resize), and every stop key goes. A write that
 * fails leaves the trace for the next ending: the outcome stands.
 */
export async function over(r: Resize, tags: ReadonlyMap<string, string>, outcome: Outcome): Promise<Outcome> {
  // A stop that may still land, ours or another run's: its records stay for whoever finishes it.
  if (r.stops.mayLand(tags)) return outcome;
  const { client, d } = r;
  const p = progressOf(tags.get(RESIZING_TAG));
  if (p) await tagInstances(client, d.region, [d.id], { [RESIZING_TAG]: refusedAt(p.to, utcSeconds(r.run.clock())) });
  const keys = stopKeys(tags);
  if (keys.length) await untagInstances(client, d.region, [d.id], keys);
  return outcome;
}

/**
 * Whether a resize of these two types was begun on the machine, so that finding it stopped at its
 * old type is a resize's doing: this resize sent a stop, the tags record one carried out
 * (stopRecorded), or another run's stop may just have landed.
 * Otherwise its owner stopped it, and it is left as they left it.
 */
export function begun(r: Resize, tags: ReadonlyMap<string, string>): boolean {
  if (r.stops.sentAny() || stopRecorded(tags, r.from, r.to)) return true;
  // Another run's stop sent moments ago (its key, or a tag since overwritten) may be what stopped it.
  return r.stops.mayLand(tags);
}

/**
 * Why a stop is not sent, if it is not: a stop begins (or, after the owner started the machine,
 * begins again) what only a start ends. Resizes go one at a time, so one may reach its stop many
 * minutes after the plan: its owner may have snoozed the machine or taken the apply tag off since,
 * or the run may have too little time left to finish it. Only a stop is held back: a machine
 * stopped by a resize is finished, which brings it back running.
 */
export function stopHeldBack(r: Resize, tags: ReadonlyMap<string, string>): Outcome | undefined {
  if (tags.get(r.applyTag.key) !== r.applyTag.value)
    return { status: "changed-under-us", code: "Rightsize.ApplyTagRemoved" };
  const held = snoozeHold(tags, new Date(r.run.clock()));
  if (held)
    return {
      status: "changed-under-us",
      code: held.kind === "snoozed" ? "Rightsize.Snoozed" : "Rightsize.BadSnoozeTag",
    };
  // Every stop, a first or one again: its window (6 minutes) then closes within the run's time.
  if (r.run.left() >= BEGIN_WITHIN_MS) return undefined;
  return {
    status: "failed",
    code: "Rightsize.RunTimeSpent",
    message: `not resized to ${r.to}: the run had ${seconds(r.run.left())} s left for resizes, and one is begun with ${BEGIN_WITHIN_MS / 60_000} minutes at least (SCF and Lambda end a run at 15); the next run in the window takes it up (on the default schedule, the next day)`,
  };
}

const seconds = (ms: number) => Math.max(0, Math.round(ms / 1000));

/**
 * The machine changed under the resize: a type that is neither end (its owner's doing), or gone. A
 * stop of ours with no answer may still land on the owner's machine and leave it stopped, which
 * no later run would undo (the type is not ours): said as a failure, for a person to look at it.
 */
export async function changedUnderUs(r: Resize, i: Instance | undefined): Promise<Outcome> {
  if (i && r.stops.oursMayLand())
    return {
      status: "failed",
      code: "Rightsize.ChangedWithStopOut",
      message: `its type was changed to ${i.InstanceType} by someone else while our stop had no answer; that stop may still be carried out until ${utcSeconds(r.stops.oursLandBy())} and leave the machine stopped: look at it then`,
    };
  if (!i) return { status: "changed-under-us", code: "InvalidInstanceId.NotFound" };
  return over(r, tagsOf(i), { status: "changed-under-us", code: "Rightsize.InstanceTypeChanged" });
}

export const timedOut = (r: Resize, pace: Pacer, requestId: string | undefined): Outcome => ({
  status: "failed",
  code: "Rightsize.Timeout",
  message: `the resize to ${r.to} had not finished after ${MAX_POLLS} checks or ${seconds(pace.budget)} s (its time, or what was left of the run's); the next run takes it up (${RESIZING_TAG})`,
  requestId,
});
