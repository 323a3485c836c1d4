/**
 * After a run: its messages to every NOTIFY_URLS destination when the run acted, planned,
 * tripped the guard, warned or failed (or always, with NOTIFY_ALWAYS). A robot gets as many
 * messages as its size limit needs for every machine with links, spaced and capped per its rate
 * (limits.ts); destinations are sent to in parallel. What became of each is returned for the
 * report, and nothing here throws.
 */
import type { Logger } from "../log/logger.ts";
import type { RunReport } from "../report/report.ts";
import type { Destination, NotifyConfig } from "../config/destinations.ts";
import { deliver, type Delivery } from "./deliver.ts";
import { digestOf, eventful, failureDigest, type Digest } from "./digest.ts";
import { bodiesFor } from "./formats.ts";
import { ROBOT_LIMITS } from "./limits.ts";

export interface NotifyDeps {
  logger: Logger;
  /** Names the caller's account for a one-account run's message (GetCallerIdentity); a failure leaves it out. */
  account?: (() => Promise<string | undefined>) | undefined;
  sleep: (ms: number) => Promise<void>;
  nowMs?: () => number;
}

/**
 * One destination's messages, in order, each after the robot's spacing. A message that is not
 * delivered (after deliver's own retries) ends the sequence: a robot that refuses or limits one
 * would refuse the next, and DingTalk's limit lasts ten minutes.
 */
async function sendAll(dest: Destination, bodies: string[], n: NotifyConfig, deps: NotifyDeps): Promise<Delivery> {
  const nowMs = deps.nowMs ?? Date.now;
  const opts = {
    secret: n.secret,
    dingtalkSecret: n.dingtalkSecret,
    feishuSecret: n.feishuSecret,
    nowMs,
    sleep: deps.sleep,
  };
  let attempts = 0;
  let last: Delivery = { to: dest.label, ok: false, attempts: 0, error: "not sent" };
  for (const [i, body] of bodies.entries()) {
    if (i) await deps.sleep(ROBOT_LIMITS[dest.kind].spacingMs);
    last = await deliver(dest, body, opts);
    attempts += last.attempts;
    if (!last.ok) {
      return {
        ...last,
        attempts,
        ...(bodies.length > 1 ? { messages: { sent: i, of: bodies.length } } : {}),
        ...(i ? { error: `${last.error}; ${bodies.length - i} of ${bodies.length} messages not sent` } : {}),
      };
    }
  }
  return { ...last, attempts, ...(bodies.length > 1 ? { messages: { sent: bodies.length, of: bodies.length } } : {}) };
}

async function send(
  n: NotifyConfig,
  digest: (items: number) => Digest,
  report: RunReport | undefined,
  deps: NotifyDeps,
): Promise<Delivery[]> {
  const out = await Promise.all(n.destinations.map((d) => sendAll(d, bodiesFor(d.kind, digest, report), n, deps)));
  for (const d of out) {
    if (d.ok) deps.logger.info("notification sent", { ...d });
    else deps.logger.warn("notification not delivered", { ...d });
  }
  return out;
}

/** Notifies about a finished run; the deliveries, or none when there was nothing to say. */
export async function notifyRun(n: NotifyConfig, report: RunReport, deps: NotifyDeps): Promise<Delivery[]> {
  if (!n.destinations.length || !(n.always || eventful(report))) return [];
  // A many-account report names its accounts itself; a one-account run asks who it ran as.
  const account = report.accounts ? undefined : await deps.account?.().catch(() => undefined);
  return send(n, (items) => digestOf(report, items, account), report, deps);
}

/** Notifies about a run that threw before it could report. */
export async function notifyFailure(
  n: NotifyConfig,
  fn: string,
  runId: string,
  err: unknown,
  deps: NotifyDeps,
): Promise<Delivery[]> {
  if (!n.destinations.length) return [];
  const e = err as { code?: unknown; message?: unknown; requestId?: unknown };
  const digest = failureDigest(fn, runId, {
    code: e?.code,
    message: typeof e?.message === "string" ? e.message : String(err),
    requestId: e?.requestId,
  });
  return send(n, () => digest, undefined, deps);
}

/** Sends a message that is about no one run (the monthly digest) to every destination; the deliveries. */
export async function notifyDigest(n: NotifyConfig, digest: Digest, deps: NotifyDeps): Promise<Delivery[]> {
  if (!n.destinations.length) return [];
  return send(n, () => digest, undefined, deps);
}
