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
import { errorRecord, fateUnknown, isRetryable, TencentCloudApiError } from "../../lib/tencent/errors.ts";
import { STATE_CHANGED_CODES } from "../../lib/tencent/instance-codes.ts";
import { tagInstances, untagInstances } from "../../lib/runtime/instance-tags.ts";
import { tagsOf } from "../../lib/tencent/normalize.ts";
import { api } from "../../lib/tencent/services.ts";
import type { Outcome } from "../../lib/runtime/spec.ts";
import type { RightsizePolicy } from "./config.ts";
import { begun, changedUnderUs, finished, over, type Resize, stopHeldBack, timedOut } from "./endings.ts";
import { MAX_POLLS, Pacer, type RunTime } from "./pace.ts";
import { progressOf, RESIZING_TAG, refusedAt, type RightsizeDecision, STOPPED_MARK, underWay } from "./plan.ts";
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
 * The progress tag as it was before this stop, or `refused>TO@<time>` (never a value that says a
 * resize is under way with no stop recorded: a machine found stopped under it would be taken for
 * a resize's doing), and our stop key gone: the stop was not sent after all, or was refused
 * outright. A progress tag another run has written since ours (`now`, when known) is its own.
 */
async function giveBack(r: Resize, before: string | undefined, at: string, now?: ReadonlyMap<string, string>) {
  const mine = underWay(r.from, r.to, at, r.stops.mark);
  if (!now || now.get(RESIZING_TAG) === mine) {
    // A value naming a resize under way is given back only in its old form (`FROM>TO`: stopRecorded).
    const back =
      before !== undefined && (!progressOf(before) || before === `${r.from}>${r.to}`) ? before : refusedAt(r.to, at);
    await tagInstances(r.client, r.d.region, [r.d.id], { [RESIZING_TAG]: back });
  }
  if (!r.stops.oursMayLand()) await untagInstances(r.client, r.d.region, [r.d.id], [r.stops.key]);
}

/**
 * A stop, its fact first: without the tag a run that finds the machine stopped could not tell it
 * was ours, nor another run that a stop of ours may still land. A tag written more than
 * RETAG_AFTER_MS ago (a slow TagResources) is written again before the stop is sent, so the stop is
 * signed within that of the time the tag says. The machine is looked at once more after the tag,
 * so a snooze or an opt-out written meanwhile still holds the stop back; once the stop is answered
 * its key says so (`<time>/stopped`), the evidence a later run needs to finish what it finds stopped.
 */
async function stopStep(
  r: Resize,
  clock: () => number,
  /** The tag's value before this stop, written back if the stop is not sent or is refused outright. */
  before: string | undefined,
): Promise<Outcome | string | undefined | "unanswered" | "again"> {
  const { client, d, from, to, stops } = r;
  const at = utcSeconds(clock());
  const value = underWay(from, to, at, stops.mark);
  const [t] = await tagInstances(client, d.region, [d.id], { [RESIZING_TAG]: value, [stops.key]: at });
  if (t && !t.ok) return { status: "failed", code: t.code, message: t.message, requestId: t.requestId };
  stops.noStop(value); // until one is sent under it
  try {
    if (clock() - Date.parse(at) > RETAG_AFTER_MS) return "again";
    const now = await describe(client, d.region, d.id);
    const tags = now ? tagsOf(now) : new Map<string, string>();
    if (nextStep(now, from, to) !== "stop") {
      await giveBack(r, before, at, tags);
      return "again";
    }
    const held = stopHeldBack(r, tags);
    if (held) {
      // What the tag said before is kept (a record of done among it), ours undone.
      await giveBack(r, before, at, tags);
      return held;
    }
  } catch (err) {
    await giveBack(r, before, at);
    throw err;
  }
  return sendStop(r, value, before, at);
}

/** The stop itself, sent at most once; its answer recorded on the tag. */
async function sendStop(r: Resize, value: string, before: string | undefined, at: string) {
  let sent: string | undefined | "unanswered";
  try {
    sent = await take(r.client, r.d, "stop", r.from, r.to);
  } catch (err) {
    await giveBack(r, before, at);
    throw err;
  }
  // Refused as the machine moved (undefined): no stop of ours, nothing to record.
  if (sent === undefined) return sent;
  r.stops.sent(value, sent === "unanswered");
  if (sent !== "unanswered") await markStopped(r, at);
  return sent;
}

/** Our answered stop recorded on our key, written twice if it must: the evidence a later run needs to finish what it finds stopped. */
async function markStopped(r: Resize, at: string): Promise<void> {
  for (let n = 0; n < 2; n++) {
    const [m] = await tagInstances(r.client, r.d.region, [r.d.id], { [r.stops.key]: `${at}${STOPPED_MARK}` });
    if (!m || m.ok) return;
  }
}

/**
 * A reset refused outright, or accepted and then failed (LatestOperationState FAILED): the machine
 * this resize stopped is started back at its old type, once no stop (ours or another run's) may
 * still land on it, and the tag says nothing is under way. A start that fails leaves the records,
 * so the next run takes the machine up.
 */
async function resetFailed(
  r: Resize,
  pace: Pacer,
  err: { code: string; message: string; requestId?: string | undefined },
): Promise<Outcome> {
  let tags = new Map<string, string>();
  for (;;) {
    const i = await describe(r.client, r.d.region, r.d.id).catch(() => undefined);
    tags = i ? tagsOf(i) : tags;
    if (!r.stops.mayLand(tags) || !pace.inTime()) break;
    await pace.pause();
  }
  const failed = `ResetInstancesType to ${r.to} failed (${err.message})`;
  // Still a stop that may land when the time ran out: not started (it would be stopped again).
  const started =
    !r.stops.mayLand(tags) &&
    (await send(r.client, r.d.region, r.d.id, "start", r.to).then(
      () => true,
      () => false,
    ));
  if (!started)
    return {
      status: "failed",
      code: err.code,
      message: `${failed}; the machine could not be started back at ${r.from} now: the next run takes it up`,
      requestId: err.requestId,
    };
  if (tags.get(RESIZING_TAG)?.endsWith(`/${r.stops.mark}`))
    await tagInstances(r.client, r.d.region, [r.d.id], {
      [RESIZING_TAG]: refusedAt(r.to, utcSeconds(r.run.clock())),
    });
  await untagInstances(r.client, r.d.region, [r.d.id], [r.stops.key]);
  return {
    status: "failed",
    code: err.code,
    message: `${failed}; the machine was started back at ${r.from}`,
    requestId: err.requestId,
  };
}

/** Whether a resize goes on: in its time, or past it while a stop of ours may land (sent with 6 minutes left at least). */
const going = (pace: Pacer, r: Resize) => pace.inTime() || r.stops.oursMayLand();

/** One machine's resize, from wherever it stands to running at the new type. */
export async function resizeOne(
  client: TencentCloudClient,
  d: RightsizeDecision,
  run: RunTime,
  applyTag: RightsizePolicy["applyTag"],
): Promise<Outcome> {
  const from = d.detail?.from;
  const to = d.detail?.to;
  if (!from || !to) return { status: "failed", code: "Rightsize.NoProposal", message: "no type to change to" };
  const pace = new Pacer(run);
  const r: Resize = { client, d, from, to, run, applyTag, stops: new StopsSent(pace.clock) };
  let requestId: string | undefined;
  let resets = 0;
  try {
    for (let poll = 0; poll < MAX_POLLS && going(pace, r); poll++) {
      // While a stop of ours may land, a failed look is looked again: ending here would leave no
      // one to start the machine if that stop lands after another run finished the resize.
      const i = await describe(client, d.region, d.id).catch((err: unknown) => {
        if (r.stops.oursMayLand()) return "again" as const;
        throw err;
      });
      if (i === "again") {
        poll--;
        await pace.pause();
        continue;
      }
      const step = nextStep(i, from, to);
      if (step === "changed") return await changedUnderUs(r, i);
      const tags = tagsOf(i!);
      // A stop that may still land: no second one, no start, no record of done (a reset is safe: the
      // machine is stopped). Bounded by the clock, so this wait leaves the poll budget alone.
      if (step === "wait" || (r.stops.mayLand(tags) && step !== "reset")) {
        if (step !== "wait") poll--;
        await pace.pause();
        continue;
      }
      if (step === "finished") return await finished(r, requestId, tags);
      if (!pace.inTime()) break; // past its time only a wait, and the record of done, go on
      const ended = endsBefore(r, step, tags);
      if (ended) return await over(r, tags, ended);
      if (resetNoEffect(step, resets, i!)) return await resetFailed(r, pace, { ...NO_EFFECT, requestId });
      pace.moved();
      const sent =
        step === "stop" ? await stopStep(r, pace.clock, tags.get(RESIZING_TAG)) : await nextTaken(r, pace, step);
      if (typeof sent === "object") return sent;
      if (sent === "unanswered" || sent === "again") continue;
      if (step === "reset" && sent) {
        requestId = sent;
        resets++;
      } else requestId ??= sent;
    }
    return timedOut(r, pace, requestId);
  } catch (err) {
    const e = errorRecord(err);
    return { status: "failed", code: e.code, message: e.message, requestId: e.requestId ?? requestId };
  }
}

/** A reset or a start; a reset refused outright (not a fault whose fate is unknown) starts the machine we stopped back. */
function nextTaken(r: Resize, pace: Pacer, step: Step) {
  return take(r.client, r.d, step, r.from, r.to).catch((err: unknown) => {
    if (step !== "reset") throw err;
    // A server fault, after the client's own retries: looked at again and tried again in this resize's time.
    if (isRetryable(err)) return undefined;
    return resetFailed(r, pace, errorRecord(err));
  });
}

/**
 * Our reset accepted, yet the machine is still stopped at its old type: its operation failed
 * (LatestOperationState FAILED, one of SUCCESS, OPERATING and FAILED in the CVM models' Instance,
 * as tencentcloud-sdk-php documents it), or two did nothing. Not sent again and again: the machine is started back.
 */
const NO_EFFECT = { code: "Rightsize.ResetFailed", message: "the type did not change" };
const resetNoEffect = (step: Step, resets: number, i: Instance) =>
  step === "reset" && (resets >= 2 || (resets > 0 && i.LatestOperationState === "FAILED"));

/**
 * Whether the resize ends before this step: a stop held back (stopHeldBack), or a reset of a
 * machine found stopped at its old type that no resize stopped (its owner did: left as they left it).
 */
function endsBefore(r: Resize, step: Step, tags: ReadonlyMap<string, string>): Outcome | undefined {
  if (step === "stop") return stopHeldBack(r, tags);
  if (step === "reset" && !begun(r, tags)) return { status: "changed-under-us", code: "Rightsize.StoppedByOwner" };
  return undefined;
}
