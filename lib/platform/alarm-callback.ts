/**
 * Cloud Monitor's alarm callback, the optional push of auto-stop's alarm mode: a policy's notice
 * template may POST each alarm to `<function URL or serve>/alarm/<token>`, so an idle machine is
 * verified minutes after its alarm fires instead of at the next schedule.
 *
 * The callback is unsigned (Cloud Monitor's docs: "alarm callback does not have an authentication
 * mechanism"; a push is retried up to 3 times with a 5-second timeout). So what it can do is
 * small: name one instance for a run to verify with fresh metrics, through every check a
 * scheduled run makes (scope, opt-out, metrics, guard over the whole fleet). It never stops
 * anything by itself. It must carry the secret path token, derived from WEBHOOK_SECRET (no
 * second secret to keep); an instance is verified at most once per DEDUPE_MS (the retries), and
 * at most PER_MINUTE callbacks a minute run at all. Every callback is logged, refused or not.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { Logger } from "../log/logger.ts";
import type { Trigger } from "../runtime/trigger.ts";
import type { ReportBase } from "../runtime/report-head.ts";
import type { WebhookAnswer } from "./webhook-core.ts";

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

/** The instance a callback names: alarmObjInfo.dimensions.unInstanceId (Cloud Monitor's callback parameters for qce/cvm). */
export function calledInstance(body: unknown): { id?: string; firing: boolean; problem?: string } {
  const b = (body ?? {}) as {
    alarmStatus?: unknown;
    alarmType?: unknown;
    alarmObjInfo?: { dimensions?: Record<string, unknown> };
  };
  // "1": alarmed, "0": resolved (the docs write it as a string; a number is taken too).
  const firing = String(b.alarmStatus) === "1";
  if (b.alarmType !== undefined && b.alarmType !== "metric")
    return { firing: false, problem: `alarmType ${JSON.stringify(b.alarmType).slice(0, 20)} is not a metric alarm` };
  const dims = b.alarmObjInfo?.dimensions ?? {};
  const id = dims.unInstanceId ?? dims.InstanceId;
  if (typeof id !== "string" || !INSTANCE_ID.test(id))
    return { firing, problem: "no CVM instance id in alarmObjInfo.dimensions.unInstanceId" };
  return { id, firing };
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
}

const sameToken = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export async function answerAlarmCallback(
  req: { method: string; token: string; body: string; requestId?: string | undefined },
  target: { name: string; secret(): string | undefined; run(trigger: Trigger): Promise<ReportBase | "busy"> },
  o: { logger: Logger; gate: CallbackGate },
): Promise<WebhookAnswer> {
  let secret: string | undefined;
  try {
    secret = target.secret();
  } catch (err) {
    o.logger.error("configuration invalid", { err, function: target.name });
    return { status: 500, body: { error: "configuration invalid: see the log" } };
  }
  // A wrong or missing token looks like no endpoint at all.
  if (!secret || !sameToken(req.token, alarmToken(secret, target.name))) {
    o.logger.warn("alarm callback refused", {
      function: target.name,
      problem: "unknown path token",
      invocationId: req.requestId,
    });
    return { status: 404, body: { error: "no such endpoint" } };
  }
  if (req.method.toUpperCase() !== "POST") return { status: 405, body: { error: "use POST" } };
  let parsed: unknown;
  try {
    parsed = JSON.parse(req.body);
  } catch {
    o.logger.warn("alarm callback refused", {
      function: target.name,
      problem: "body is not JSON",
      invocationId: req.requestId,
    });
    return { status: 400, body: { error: "body is not JSON" } };
  }
  const c = calledInstance(parsed);
  if (c.problem) {
    o.logger.warn("alarm callback refused", { function: target.name, problem: c.problem, invocationId: req.requestId });
    return { status: 400, body: { error: c.problem } };
  }
  if (!c.firing) {
    o.logger.info("alarm callback: resolved, nothing to verify", { function: target.name, instance: c.id });
    return { status: 200, body: { ignored: "the alarm is resolved" } };
  }
  const why = o.gate.admit(c.id!);
  if (why) {
    o.logger.info("alarm callback not run", { function: target.name, instance: c.id, why });
    return { status: why.startsWith("more") ? 429 : 200, body: { ignored: why } };
  }
  o.logger.info("alarm callback: verifying", { function: target.name, instance: c.id, invocationId: req.requestId });
  try {
    const report = await target.run({ source: "webhook", requestId: req.requestId, alarmed: [c.id!] });
    if (report === "busy") return { status: 409, body: { error: "a run of this function is already in flight" } };
    // Only what the caller needs: the sender is unauthenticated, so the report stays in the log.
    return { status: report.errors.length ? 500 : 200, body: { verified: c.id, errors: report.errors.length } };
  } catch {
    return { status: 500, body: { error: "run failed: see the log" } };
  }
}
