/**
 * An alarm callback's verification, handed on so the callback is answered at once: Cloud Monitor
 * waits 5 seconds for the reply and retries, while a verification lists the fleet and reads
 * metrics. A synchronous SCF invocation ends when it returns, so the work goes to an asynchronous
 * invocation of the same function (scf Invoke, `InvocationType: Event`; on Lambda an `Event`
 * invoke through @aws-sdk/client-lambda, which the Node.js runtime ships), carrying this event.
 * The event is untrusted input like any other: only the instance id is taken from it, checked by
 * its pattern, and it only ever names a machine to verify.
 */
import type { Logger } from "../log/logger.ts";
import type { Trigger } from "../report/trigger.ts";
import type { CallbackTarget } from "./alarm-callback.ts";
import type { Invoker } from "./fanout.ts";
import { ALARM_KEY, type AlarmEvent } from "./platform-events.ts";

export { ALARM_KEY, type AlarmEvent };

export const isAlarmEvent = (e: unknown): e is AlarmEvent => !!e && typeof e === "object" && ALARM_KEY in e;

/** The instance the event names for this function, or why it is refused. */
export function parseAlarmEvent(e: AlarmEvent, fn: string): { instance: string } | { problem: string } {
  const v = e[ALARM_KEY] as { function?: unknown; instance?: unknown } | null;
  if (v?.function !== fn) return { problem: `the event is for ${JSON.stringify(v?.function).slice(0, 40)}, not ${fn}` };
  if (typeof v.instance !== "string" || !/^ins-[a-z0-9]{8}$/.test(v.instance))
    return { problem: "the event names no CVM instance id" };
  return { instance: v.instance };
}

/**
 * The platforms' CallbackTarget.verify: an asynchronous invocation of this function carrying the
 * instance. Without an invoker (an event without the function's own name) the run is awaited in
 * place, late but never skipped.
 */
export function handOff(
  fn: string,
  invoker: () => Invoker | undefined,
  runInPlace: (t: Trigger) => Promise<unknown>,
  logger: Logger,
): CallbackTarget["verify"] {
  return async (trigger) => {
    const instance = trigger.alarmed?.[0];
    const inv = invoker();
    if (!inv || !instance) {
      logger.warn("alarm callback: no asynchronous invocation possible here; verifying before answering", {
        function: fn,
      });
      await runInPlace(trigger);
      return { handed: "run in place" };
    }
    const r = await inv.invoke({ [ALARM_KEY]: { function: fn, instance } });
    return { handed: `${inv.platform} asynchronous invocation ${r.requestId ?? ""}`.trim() };
  };
}
