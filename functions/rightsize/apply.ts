/**
 * Carries out a resize: stop, ResetInstancesType, start — each step taken only on positive
 * evidence of where the machine stands now (DescribeInstances by id), so a second invocation
 * mid-way (a platform retry, an overlapping run) takes the next step, never one twice. Before the
 * first step the machine is tagged `autopilot:rightsize:resizing=FROM>TO`: the fact a later run
 * needs to finish a resize it did not begin, and to know a type it finds was our doing; at the end
 * `done>TO@<time>`, so the next judgement reads only the hours at the new type.
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
import { RESIZING_TAG, type RightsizeDecision } from "./plan.ts";

/** Polls a machine's state after 1 s, 2 s, then every 5 s, at most about 10 minutes a machine (SCF ends a run at 15). */
const pollMs = (n: number) => Math.min(5000, 1000 * 2 ** n);
const MAX_POLLS = 120;
/**
 * How many polls (about a minute) a stop whose reply never came is given to show on the machine.
 * It is not sent again in the same run: the first copy may still be carried out, and if it were
 * after the resize's start, the machine would be left stopped at its new type.
 */
const UNANSWERED_STOP_POLLS = 15;

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
 * Sends one step: its RequestId; undefined when the machine moved meanwhile (another invocation
 * took the step first) and the next poll follows it; "unanswered" for a stop with no reply, which
 * the next polls wait to see on the machine rather than send again.
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
    if (nextStep(await describe(client, d.region, d.id), from, to) !== step) return undefined;
    if (step === "stop" && isRetryable(err) && !isThrottling(err)) return "unanswered";
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

/** The outcome when a stop had no answer and never showed: the next run, a day on, sends it again. */
function unansweredStop(to: string, requestId: string | undefined): Outcome {
  return {
    status: "failed",
    code: "Rightsize.StopUnanswered",
    message: `the stop before the resize to ${to} had no answer and the machine is still running; not sent again in this run (a late copy could stop it after the resize); the next run resumes it (${RESIZING_TAG})`,
    requestId,
  };
}

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
  const progress = `${from}>${to}`;
  let requestId: string | undefined;
  let waits = 0;
  /** Polls left for a stop of ours whose fate is unknown to show; undefined when none is out. */
  let unanswered: number | undefined;
  try {
    for (let poll = 0; poll < MAX_POLLS; poll++) {
      const i = await describe(client, d.region, d.id);
      const step = nextStep(i, from, to);
      if (step !== "stop") unanswered = undefined;
      else if (unanswered === 0) return unansweredStop(to, requestId);
      if (step === "changed")
        return { status: "changed-under-us", code: i ? "InstanceTypeChanged" : "InvalidInstanceId.NotFound" };
      if (step === "finished") return finished(client, d, to, now, requestId);
      if (step === "wait" || unanswered !== undefined) {
        if (unanswered !== undefined) unanswered--;
        await sleep(pollMs(waits++));
        continue;
      }
      waits = 0;
      if (step === "stop" && tagsOf(i!).get(RESIZING_TAG) !== progress) {
        // The fact first: without it a run that finds the machine stopped could not tell it was ours.
        const [t] = await tagInstances(client, d.region, [d.id], { [RESIZING_TAG]: progress });
        if (t && !t.ok) return { status: "failed", code: t.code, message: t.message, requestId: t.requestId };
      }
      const sent = await take(client, d, step, from, to);
      if (sent === "unanswered") unanswered = UNANSWERED_STOP_POLLS;
      else if (step === "reset" && sent) requestId = sent;
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
