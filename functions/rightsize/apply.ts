/**
 * Carries out a resize: stop, ResetInstancesType, start — each step taken only on positive
 * evidence of where the machine stands now (DescribeInstances by id), so a second invocation
 * mid-way (a platform retry, an overlapping run) takes the next step, never one twice. Before each
 * stop the machine is tagged `autopilot:rightsize:resizing=FROM>TO@<time sent>`: the fact a later
 * run needs to finish a resize it did not begin, to know a type it finds was our doing, and to
 * know a stop of ours may still land; at the end `done>TO@<time>`, so the next judgement reads
 * only the hours at the new type.
 *
 * ResetInstancesType takes one instance a call and is asynchronous (LatestOperationState is
 * OPERATING until done); the current product doc says the machine then shows as RUNNING by
 * itself, so the start is sent only if it is found STOPPED at the new type.
 */
import type { TencentCloudClient } from "../../lib/tencent/client.ts";
import type { Instance } from "../../lib/tencent/data-types.ts";
import { errorRecord, isRetryable, isThrottling, TencentCloudApiError } from "../../lib/tencent/errors.ts";
import { STATE_CHANGED_CODES } from "../../lib/tencent/instance-codes.ts";
import { tagInstances } from "../../lib/runtime/instance-tags.ts";
import { tagsOf } from "../../lib/tencent/normalize.ts";
import { api } from "../../lib/tencent/services.ts";
import type { Outcome } from "../../lib/runtime/spec.ts";
import { progressOf, RESIZING_TAG, type RightsizeDecision } from "./plan.ts";

/** Polls a machine's state after 1 s, 2 s, then every 5 s, at most about 10 minutes a machine (SCF ends a run at 15). */
const pollMs = (n: number) => Math.min(5000, 1000 * 2 ** n);
const MAX_POLLS = 120;
/**
 * How long after it was sent a stop whose answer we never had may still be carried out: the API
 * refuses a request signed more than 5 minutes before it arrives (SignatureExpire: the current
 * API 3.0 signature docs; emulator/auth.ts MAX_CLOCK_SKEW_S), and a minute more for clocks and the
 * limiter's wait. Until then no second stop is sent and nothing the stop could undo is done (a
 * start, the record of done): a late copy landing after them would leave the machine stopped at
 * its new type, with a record saying the resize is done.
 */
export const STOP_IN_FLIGHT_MS = 6 * 60_000;

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
    if (step === "stop" && isRetryable(err) && !isThrottling(err)) return "unanswered";
    if (nextStep(await describe(client, d.region, d.id), from, to) !== step) return undefined;
    throw err;
  }
}

/**
 * The record that the resize is done, and when: no later run takes it for a resize half done, and
 * the next proposal reads only the hours since (the hours before were at the old type).
 */
async function finished(
  client: TencentCloudClient,
  d: RightsizeDecision,
  to: string,
  now: Date,
  requestId: string | undefined,
): Promise<Outcome> {
  const at = now.toISOString().replace(/\.\d{3}Z$/, "Z");
  const [t] = await tagInstances(client, d.region, [d.id], { [RESIZING_TAG]: `done>${to}@${at}` });
  const followUp = t && !t.ok ? { action: "TagResources", code: t.code, message: t.message } : undefined;
  return { status: "done", requestId, ...(followUp ? { followUp } : {}) };
}

/** The stops a resize sent, and whether one of them, or one another run tagged, may still land. */
class StopsSent {
  /** The sending time (as tagged) of a stop of ours whose answer came: it cannot land later. */
  private answered: number | undefined;
  /** The sending time of a stop of ours with no answer: kept here too, as another run may overwrite the tag. */
  private unanswered: number | undefined;

  constructor(private readonly clock: () => number) {}

  sent(at: number, unanswered: boolean): void {
    if (unanswered) this.unanswered = at;
    else this.answered = at;
  }

  /** Whether a stop may still be carried out, given when the tag says the last one was sent. */
  mayLand(taggedAt: number | undefined): boolean {
    const now = this.clock();
    if (this.unanswered !== undefined && now < this.unanswered + STOP_IN_FLIGHT_MS) return true;
    return taggedAt !== undefined && taggedAt !== this.answered && now < taggedAt + STOP_IN_FLIGHT_MS;
  }
}

/** The progress tag's time: whole seconds, so the time read back is the time written. */
const tagTime = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

/** One machine's resize, from wherever it stands to running at the new type. */
export async function resizeOne(
  client: TencentCloudClient,
  sleep: (ms: number) => Promise<void>,
  d: RightsizeDecision,
  now: Date,
): Promise<Outcome> {
  const from = d.detail?.from;
  const to = d.detail?.to;
  if (!from || !to) return { status: "failed", code: "NoProposal", message: "no type to change to" };
  let requestId: string | undefined;
  let waits = 0;
  // Time as this resize knows it: the clock, or where waits cost no real time (tests), the time they covered.
  let slept = 0;
  const clock = () => Math.max(Date.now(), now.getTime() + slept);
  const stops = new StopsSent(clock);
  try {
    for (let poll = 0; poll < MAX_POLLS; poll++) {
      const i = await describe(client, d.region, d.id);
      const step = nextStep(i, from, to);
      if (step === "changed")
        return { status: "changed-under-us", code: i ? "InstanceTypeChanged" : "InvalidInstanceId.NotFound" };
      const inFlight = stops.mayLand(progressOf(tagsOf(i!).get(RESIZING_TAG))?.stopSentAt);
      // A stop that may still land: no second one, no start, no record of done (a reset is safe: the machine is stopped).
      if (step === "wait" || (inFlight && step !== "reset")) {
        const ms = pollMs(waits++);
        await sleep(ms);
        slept += ms;
        continue;
      }
      if (step === "finished") return finished(client, d, to, now, requestId);
      waits = 0;
      let stopAt: string | undefined;
      if (step === "stop") {
        // The fact first: without it a run that finds the machine stopped could not tell it was ours,
        // nor another run that a stop of ours may still land.
        stopAt = tagTime(clock());
        const [t] = await tagInstances(client, d.region, [d.id], { [RESIZING_TAG]: `${from}>${to}@${stopAt}` });
        if (t && !t.ok) return { status: "failed", code: t.code, message: t.message, requestId: t.requestId };
      }
      const sent = await take(client, d, step, from, to);
      if (stopAt) stops.sent(Date.parse(stopAt), sent === "unanswered");
      if (sent === "unanswered") continue;
      if (step === "reset" && sent) requestId = sent;
      else requestId ??= sent;
    }
    return {
      status: "failed",
      code: "Timeout",
      message: `the resize to ${to} had not finished after ${MAX_POLLS} checks; the next run finishes it (${RESIZING_TAG})`,
      requestId,
    };
  } catch (err) {
    const e = errorRecord(err);
    return { status: "failed", code: e.code, message: e.message, requestId: e.requestId ?? requestId };
  }
}
