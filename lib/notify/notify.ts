/**
 * After a run: one aggregated message to every NOTIFY_URLS destination when the run acted,
 * planned, tripped the guard, warned or failed (or always, with NOTIFY_ALWAYS). Destinations are
 * sent to in parallel; what became of each is returned for the report, and nothing here throws.
 */
import type { Logger } from "../log/logger.ts";
import type { RunReport } from "../runtime/report.ts";
import type { NotifyConfig } from "./destinations.ts";
import { deliver, type Delivery } from "./deliver.ts";
import { digestOf, eventful, failureDigest, type Digest } from "./digest.ts";
import { bodyFor } from "./formats.ts";

export interface NotifyDeps {
  logger: Logger;
  /** Names the caller's account for a one-account run's message (GetCallerIdentity); a failure leaves it out. */
  account?: (() => Promise<string | undefined>) | undefined;
  sleep: (ms: number) => Promise<void>;
  nowMs?: () => number;
}

async function send(
  n: NotifyConfig,
  digest: (items: number) => Digest,
  report: RunReport | undefined,
  deps: NotifyDeps,
): Promise<Delivery[]> {
  const nowMs = deps.nowMs ?? Date.now;
  const out = await Promise.all(
    n.destinations.map((d) =>
      deliver(d, bodyFor(d.kind, digest, report), {
        secret: n.secret,
        dingtalkSecret: n.dingtalkSecret,
        nowMs,
        sleep: deps.sleep,
      }),
    ),
  );
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
