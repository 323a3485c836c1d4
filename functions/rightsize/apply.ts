/**
 * Carries out a resize: stop, ResetInstancesType, start — each step taken only on positive
 * evidence of where the machine stands now (DescribeInstances by id), so a second invocation
 * mid-way (a platform retry, an overlapping run) takes the next step, never one twice. Before each
 * stop the machine is tagged `autopilot:rightsize:resizing=FROM>TO@<time sent>`: the fact a later
 * run needs to finish a resize it did not begin, to know a type it finds was our doing, and to
 * know a stop of ours may still land; and under the resize's own key
 * `autopilot:rightsize:stop:<mark>=<time sent>`, which another run's tag cannot overwrite. At the
 * end `done>TO@<time>`, so the next judgement reads only the hours at the new type, and the stop
 * keys are removed.
 *
 * ResetInstancesType takes one instance a call and is asynchronous (LatestOperationState is
 * OPERATING until done); the current product doc says the machine then shows as RUNNING by
 * itself, so the start is sent only if it is found STOPPED at the new type.
 */
import type { TencentCloudClient } from "../../lib/tencent/client.ts";
import type { Instance } from "../../lib/tencent/data-types.ts";
import { errorRecord, fateUnknown, TencentCloudApiError } from "../../lib/tencent/errors.ts";
import { STATE_CHANGED_CODES } from "../../lib/tencent/instance-codes.ts";
import { tagInstances, untagInstances } from "../../lib/runtime/instance-tags.ts";
import { tagsOf } from "../../lib/tencent/normalize.ts";
import { api } from "../../lib/tencent/services.ts";
import type { ItemResult } from "../../lib/runtime/batch-apply.ts";
import type { Outcome } from "../../lib/runtime/spec.ts";
import type { RightsizePolicy } from "./config.ts";
import { BEGIN_WITHIN_MS, MAX_POLLS, Pacer, type RunTime } from "./pace.ts";
import { RESIZING_TAG, type RightsizeDecision, STOP_KEY_PREFIX, snoozeHold } from "./plan.ts";
import { StopsSent } from "./stops-sent.ts";
import { utcSeconds } from "../../lib/utc-seconds.ts";

/**
 * The minute's margin, spent: a stop is signed at most this long after the time its tag says (a
 * slower tag write is written again), plus the client's 30 s budget for throttled re-sends.
 */
const RETAG_AFTER_MS = 20_000;

type Step = "stop" | "reset" | "start" | "wait" | "finished" | "changed";

/** What to do next, from the machine as it stands: pure, so each step is table-tested. */
export function nextStep(i: Instance | undefined, from: string, to: string): Step {
  if (!i || (i.InstanceType !== from && i.InstanceType !== to)) return "changed";
  if (i.LatestOperationState === "OPERATING") return "wait";
  if (i.InstanceType === to)
    return i.InstanceState === "RUNNING" ? "finished" : i.InstanceState === "STOPPED" ? "start" : "wait";
  return i.InstanceState === "RUNNING" ? "stop" : i.InstanceState === "STOPPED" ? "reset" : "wait";
}

async function describe(client: TencentCloudClient, region: string, id: string): Promise<Instance | undefined> {
  const r = await api(client).describeInstances(region, { InstanceIds: [id] });
  return r.InstanceSet.find((i) => i.InstanceId === id);
}

/** Sends one step; a refusal because the machine moved meanwhile is read again, not failed. */
async function send(client: TencentCloudClient, region: string, id: string, step: Step, to: string) {
  try {
    if (step === "stop")
      // KEEP_CHARGING: the machine keeps its resources while it is resized, and its bill is untouched.
      // At most once: a second copy of a stop whose reply never came could land after the start.
      return (
        await api(client).stopInstances(
          region,
          { InstanceIds: [id], StoppedMode: "KEEP_CHARGING" },
          { atMostOnce: true },
        )
      ).RequestId;
    if (step === "reset")
      return (await api(client).resetInstancesType(region, { InstanceIds: [id], InstanceType: to })).RequestId;
    return (await api(client).startInstances(region, { InstanceIds: [id] })).RequestId;
  } catch (err) {
    if (err instanceof TencentCloudApiError && STATE_CHANGED_CODES.has(err.code)) return undefined;
    throw err;
  }
}

/**
 * Sends one step: its RequestId; "unanswered" for a stop with no answer (a timeout, a dropped
 * connection, a server fault: its fate unknown, whatever the machine shows now, since someone else
 * may have moved it); undefined when the step failed because the machine moved meanwhile (another
 * invocation took it first), and the next poll follows it.
 */
async function take(
  client: TencentCloudClient,
  d: RightsizeDecision,
  step: Step,
  from: string,
  to: string,
): Promise<string | undefined | "unanswered"> {
  try {
    return await send(client, d.region, d.id, step, to);
  } catch (err) {
    if (step === "stop" && fateUnknown(err)) return "unanswered";
    if (nextStep(await describe(client, d.region, d.id), from, to) !== step) return undefined;
    throw err;
  }
}

/**
 * The record that the resize is done, and when: no later run takes it for a resize half done, and
 * the next proposal reads only the hours since (the hours before were at the old type). Every
 * run's stop key goes with it: none of their stops can land any more.
 */
async function finished(
  client: TencentCloudClient,
  d: RightsizeDecision,
  to: string,
  at: number,
  requestId: string | undefined,
  tags: ReadonlyMap<string, string>,
): Promise<Outcome> {
  const [t] = await tagInstances(client, d.region, [d.id], { [RESIZING_TAG]: `done>${to}@${utcSeconds(at)}` });
  // Without the record the next run finishes it again, and removes the keys then.
  if (t && !t.ok) return doneWith(requestId, "TagResources", t);
  const keys = [...tags.keys()].filter((k) => k.startsWith(STOP_KEY_PREFIX));
  const [u] = keys.length ? await untagInstances(client, d.region, [d.id], keys) : [];
  return doneWith(requestId, "UnTagResources", u);
}

/** Done, with the write that goes with it reported when it failed (the resize stands). */
const doneWith = (requestId: string | undefined, action: string, r: ItemResult | undefined): Outcome =>
  r && !r.ok
    ? { status: "done", requestId, followUp: { action, code: r.code, message: r.message } }
    : { status: "done", requestId };

/**
 * A stop, its fact first: without the tag a run that finds the machine stopped could not tell it
 * was ours, nor another run that a stop of ours may still land. A tag written more than
 * RETAG_AFTER_MS ago (a slow TagResources) is written again before the stop is sent, so the stop is
 * signed within that of the time the tag says.
 */
async function stopStep(
  client: TencentCloudClient,
  d: RightsizeDecision,
  from: string,
  to: string,
  stops: StopsSent,
  clock: () => number,
  /** The tag's value before this stop, written back if the stop is refused outright. */
  before: string | undefined,
): Promise<Outcome | string | undefined | "unanswered" | "again"> {
  const at = utcSeconds(clock());
  const value = `${from}>${to}@${at}/${stops.mark}`;
  const [t] = await tagInstances(client, d.region, [d.id], { [RESIZING_TAG]: value, [stops.key]: at });
  if (t && !t.ok) return { status: "failed", code: t.code, message: t.message, requestId: t.requestId };
  if (clock() - Date.parse(at) > RETAG_AFTER_MS) {
    stops.sent(value, false); // no stop was sent with this value: nothing to wait for
    return "again";
  }
  try {
    const sent = await take(client, d, "stop", from, to);
    stops.sent(value, sent === "unanswered");
    return sent;
  } catch (err) {
    // Refused outright: nothing was begun, so the tag says what it said before (or that nothing
    // was), else a later run would take the machine for one stopped mid-resize and finish it.
    await tagInstances(client, d.region, [d.id], { [RESIZING_TAG]: before ?? `refused>${to}@${at}` });
    if (!stops.oursMayLand()) await untagInstances(client, d.region, [d.id], [stops.key]);
    throw err;
  }
}

/**
 * The machine changed under the resize: a type that is neither end (its owner's doing), or gone. A
 * stop of ours with no answer may still land on the owner's machine and leave it stopped, which
 * no later run would undo (the type is not ours): said as a failure, for a person to look at it.
 */
function changedUnderUs(i: Instance | undefined, stops: StopsSent): Outcome {
  if (i && stops.oursMayLand())
    return {
      status: "failed",
      code: "Rightsize.ChangedWithStopOut",
      message: `its type was changed to ${i.InstanceType} by someone else while our stop had no answer; that stop may still be carried out until ${utcSeconds(stops.oursLandBy())} and leave the machine stopped: look at it then`,
    };
  return { status: "changed-under-us", code: i ? "InstanceTypeChanged" : "InvalidInstanceId.NotFound" };
}

const timedOut = (to: string, pace: Pacer, requestId: string | undefined): Outcome => ({
  status: "failed",
  code: "Timeout",
  message: `the resize to ${to} had not finished after ${MAX_POLLS} checks or ${Math.round(pace.budget / 1000)} s (its time, or what the run had left); the next run takes it up (${RESIZING_TAG})`,
  requestId,
});

/**
 * Why a stop is not sent, if it is not: a stop begins (or, after the owner started the machine,
 * begins again) what only a start ends. Resizes go one at a time, so one may reach its stop many
 * minutes after the plan: its owner may have snoozed the machine or taken the apply tag off since,
 * or the run may have too little time left to finish it. Only a stop is held back: a machine
 * already stopped is finished, which brings it back running.
 */
function stopHeldBack(
  tags: ReadonlyMap<string, string>,
  applyTag: RightsizePolicy["applyTag"],
  run: RunTime,
  to: string,
): Outcome | undefined {
  if (tags.get(applyTag.key) !== applyTag.value)
    return { status: "changed-under-us", code: "Rightsize.ApplyTagRemoved" };
  const held = snoozeHold(tags, new Date(run.clock()));
  if (held)
    return {
      status: "changed-under-us",
      code: held.kind === "snoozed" ? "Rightsize.Snoozed" : "Rightsize.BadSnoozeTag",
    };
  if (run.left() >= BEGIN_WITHIN_MS) return undefined;
  return {
    status: "failed",
    code: "Rightsize.RunTimeSpent",
    message: `not resized to ${to}: the run had ${Math.max(0, Math.round(run.left() / 1000))} s left for resizes, and one is begun with ${BEGIN_WITHIN_MS / 60_000} minutes at least (SCF and Lambda end a run at 15); the next run in the window takes it up`,
  };
}

/** One machine's resize, from wherever it stands to running at the new type. */
export async function resizeOne(
  client: TencentCloudClient,
  d: RightsizeDecision,
  run: RunTime,
  applyTag: RightsizePolicy["applyTag"],
): Promise<Outcome> {
  const from = d.detail?.from;
  const to = d.detail?.to;
  if (!from || !to) return { status: "failed", code: "NoProposal", message: "no type to change to" };
  let requestId: string | undefined;
  const pace = new Pacer(run);
  const stops = new StopsSent(pace.clock);
  try {
    for (let poll = 0; poll < MAX_POLLS && pace.inTime(); poll++) {
      // While a stop of ours may land, a failed look is looked again: ending here would leave no
      // one to start the machine if that stop lands after another run finished the resize.
      const i = await describe(client, d.region, d.id).catch((err: unknown) => {
        if (stops.oursMayLand()) return "again" as const;
        throw err;
      });
      if (i === "again") {
        poll--;
        await pace.pause();
        continue;
      }
      const step = nextStep(i, from, to);
      if (step === "changed") return changedUnderUs(i, stops);
      const tags = tagsOf(i!);
      const tag = tags.get(RESIZING_TAG);
      const inFlight = stops.mayLand(tags);
      // A stop that may still land: no second one, no start, no record of done (a reset is safe: the
      // machine is stopped). Bounded by the clock, so this wait leaves the poll budget alone.
      if (step === "wait" || (inFlight && step !== "reset")) {
        if (step !== "wait") poll--;
        await pace.pause();
        continue;
      }
      if (step === "finished") return finished(client, d, to, pace.clock(), requestId, tags);
      const heldBack = step === "stop" ? stopHeldBack(tags, applyTag, run, to) : undefined;
      if (heldBack) return heldBack;
      pace.moved();
      const sent =
        step === "stop"
          ? await stopStep(client, d, from, to, stops, pace.clock, tag)
          : await take(client, d, step, from, to);
      if (typeof sent === "object") return sent;
      if (sent === "unanswered" || sent === "again") continue;
      if (step === "reset" && sent) requestId = sent;
      else requestId ??= sent;
    }
    return timedOut(to, pace, requestId);
  } catch (err) {
    const e = errorRecord(err);
    return { status: "failed", code: e.code, message: e.message, requestId: e.requestId ?? requestId };
  }
}
