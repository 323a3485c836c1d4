/**
 * Cloud Monitor's alarm callback, the optional push of auto-stop's alarm mode: a policy's notice
 * template may POST each alarm to `<function URL or serve>/alarm/<token>`, so an idle machine is
 * verified minutes after its alarm fires instead of at the next schedule.
 *
 * What Cloud Monitor does (product doc 248/38209 and the older callback doc): an unsigned JSON
 * POST ("alarm callback does not have an authentication mechanism"), a 5-second timeout, up to 3
 * retries; saving a callback address sends one verification request and expects HTTP 200; the
 * reply asked for is `{"sessionId": …, "retCode": 0}`; `alarmType` is "metric" or "event".
 *
 * So the answer comes at once and the verification runs afterwards: `serve` starts the run after
 * replying, SCF and Lambda hand it to an asynchronous invocation of the same function (alarm-event.ts).
 * What a callback can do is small: name one instance for a run to verify with fresh metrics, through
 * every check a scheduled run makes (scope, opt-out, metrics, guard over the whole fleet). It never
 * stops anything by itself. It must carry the secret path token, derived from WEBHOOK_SECRET (no
 * second secret to keep); an instance is verified at most once per DEDUPE_MS in one process (the
 * retries), and at most PER_MINUTE callbacks a minute run at all. Across SCF or Lambda instances a
 * repeat is possible and harmless: the run stops only a running machine its fresh metrics find
 * idle, and costs at most three GetMonitorData calls. Every callback is logged, refused or not.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { Logger } from "../log/logger.ts";
import type { Trigger } from "../report/trigger.ts";
import type { WebhookAnswer } from "../webhook/webhook-core.ts";

export const PER_MINUTE = 30;
export const DEDUPE_MS = 10 * 60_000;
const INSTANCE_ID = /^ins-[a-z0-9]{8}$/;

/** The path token of a function's alarm callback: a keyed hash of WEBHOOK_SECRET, so it reveals nothing of it. */
export function alarmToken(webhookSecret: string, fn: string): string {
  return createHmac("sha256", webhookSecret).update(`cvm-autopilot alarm callback/${fn}`).digest("hex").slice(0, 40);
}

/** The callback's path for a function, or undefined without a WEBHOOK_SECRET (then the endpoint is off). */
export const alarmPath = (webhookSecret: string | undefined, fn: string) =>
  webhookSecret ? `/alarm/${alarmToken(webhookSecret, fn)}` : undefined;

export type CallbackKind =
  | { kind: "verification" }
  | { kind: "event"; alarmType: string }
  | { kind: "metric"; id: string; firing: boolean }
  | { kind: "refused"; problem: string };

/**
 * What a callback body is: the address verification (no alarm in it), an event alarm (ignored),
 * or a metric alarm naming its instance in alarmObjInfo.dimensions.unInstanceId (Cloud Monitor's
 * callback parameters for qce/cvm).
 */
export function classifyCallback(body: unknown): CallbackKind {
  const b = (body ?? {}) as { alarmStatus?: unknown; alarmType?: unknown; alarmObjInfo?: unknown };
  if (b.alarmType === undefined && b.alarmStatus === undefined && b.alarmObjInfo === undefined)
    return { kind: "verification" };
  if (b.alarmType !== undefined && b.alarmType !== "metric")
    return { kind: "event", alarmType: JSON.stringify(b.alarmType).slice(0, 20) };
  const dims = ((b.alarmObjInfo ?? {}) as { dimensions?: Record<string, unknown> }).dimensions ?? {};
  const id = dims.unInstanceId ?? dims.InstanceId;
  if (typeof id !== "string" || !INSTANCE_ID.test(id))
    return { kind: "refused", problem: "no CVM instance id in alarmObjInfo.dimensions.unInstanceId" };
  // "1": alarmed, "0": resolved (the docs write it as a string; a number is taken too).
  return { kind: "metric", id, firing: String(b.alarmStatus) === "1" };
}

export class CallbackGate {
  private readonly seen = new Map<string, number>();
  private readonly recent: number[] = [];
  constructor(private readonly now: () => number = Date.now) {}
  /** Why a callback for `id` may not run now, or undefined when it may (and is counted). */
  admit(id: string): string | undefined {
    const t = this.now();
    for (const [k, at] of this.seen) if (t - at >= DEDUPE_MS) this.seen.delete(k);
    while (this.recent.length && t - this.recent[0]! >= 60_000) this.recent.shift();
    if (this.seen.has(id)) return "verified less than 10 minutes ago";
    if (this.recent.length >= PER_MINUTE) return `more than ${PER_MINUTE} callbacks this minute`;
    this.seen.set(id, t);
    this.recent.push(t);
    return undefined;
  }
  /** A verification that did not happen (a run in flight, a failed hand-off): Cloud Monitor's retry must run it. */
  forget(id: string): void {
    this.seen.delete(id);
  }
}

/** Where a callback's verification goes: started or handed off without waiting for it. */
export interface CallbackTarget {
  name: string;
  secret(): string | undefined;
  /**
   * Starts the verification without waiting for it: "busy" when a run of the function is in
   * flight (nothing started), else how it was handed on. `undone` is called if it turns out not
   * to have run after all (a run that found another in flight).
   */
  verify(trigger: Trigger, undone: () => void): Promise<"busy" | { handed: string }>;
}

const sameToken = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** The answer Cloud Monitor's callback doc asks for. */
const ok = (sessionId: unknown): WebhookAnswer => ({
  status: 200,
  body: { sessionId: typeof sessionId === "string" || typeof sessionId === "number" ? sessionId : "", retCode: 0 },
});

export async function answerAlarmCallback(
  req: { method: string; token: string; body: string; requestId?: string | undefined },
  target: CallbackTarget,
  o: { logger: Logger; gate: CallbackGate },
): Promise<WebhookAnswer> {
  const log = { function: target.name, invocationId: req.requestId };
  let secret: string | undefined;
  try {
    secret = target.secret();
  } catch (err) {
    o.logger.error("configuration invalid", { err, function: target.name });
    return { status: 500, body: { error: "configuration invalid: see the log" } };
  }
  // A wrong or missing token looks like no endpoint at all.
  if (!secret || !sameToken(req.token, alarmToken(secret, target.name))) {
    o.logger.warn("alarm callback refused", { ...log, problem: "unknown path token" });
    return { status: 404, body: { error: "no such endpoint" } };
  }
  if (req.method.toUpperCase() !== "POST") return { status: 405, body: { error: "use POST" } };
  let parsed: unknown;
  try {
    parsed = req.body.trim() ? JSON.parse(req.body) : {};
  } catch {
    o.logger.warn("alarm callback refused", { ...log, problem: "body is not JSON" });
    return { status: 400, body: { error: "body is not JSON" } };
  }
  const sessionId = (parsed as { sessionId?: unknown } | null)?.sessionId;
  const c = classifyCallback(parsed);
  if (c.kind === "refused") {
    o.logger.warn("alarm callback refused", { ...log, problem: c.problem });
    return { status: 400, body: { error: c.problem } };
  }
  if (c.kind === "verification") {
    o.logger.info("alarm callback: the address verification Cloud Monitor sends when it is saved", log);
    return ok(sessionId);
  }
  if (c.kind === "event") {
    o.logger.info("alarm callback ignored: an event alarm, not a metric alarm", { ...log, alarmType: c.alarmType });
    return ok(sessionId);
  }
  if (!c.firing) {
    o.logger.info("alarm callback: resolved, nothing to verify", { ...log, instance: c.id });
    return ok(sessionId);
  }
  return verifyOne(c.id, sessionId, req.requestId, target, o);
}

/** A firing metric alarm: admitted by the gate, then handed to the verification without waiting for it. */
async function verifyOne(
  id: string,
  sessionId: unknown,
  requestId: string | undefined,
  target: CallbackTarget,
  o: { logger: Logger; gate: CallbackGate },
): Promise<WebhookAnswer> {
  const log = { function: target.name, invocationId: requestId, instance: id };
  const why = o.gate.admit(id);
  if (why) {
    o.logger.info("alarm callback not run", { ...log, why });
    return why.startsWith("more") ? { status: 429, body: { error: why } } : ok(sessionId);
  }
  const undone = () => o.gate.forget(id);
  try {
    const r = await target.verify({ source: "webhook", requestId, alarmed: [id] }, undone);
    if (r === "busy") {
      // Not verified: forgotten, so Cloud Monitor's retry is run rather than ignored.
      undone();
      o.logger.info("alarm callback not run: a run is in flight; Cloud Monitor retries", log);
      return { status: 409, body: { error: "a run of this function is already in flight" } };
    }
    o.logger.info("alarm callback: verifying", { ...log, handed: r.handed });
    return ok(sessionId);
  } catch (err) {
    undone();
    o.logger.error("alarm callback: the verification could not be started", { ...log, err });
    return { status: 500, body: { error: "verification not started: see the log" } };
  }
}
