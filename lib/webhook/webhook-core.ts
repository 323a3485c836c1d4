/**
 * The one webhook request core, the same on Tencent SCF, AWS Lambda and `serve`: POST only, the
 * function's secret, the signature checked (lib/webhook/verify.ts), a refusal logged with its
 * reason (never the secret or the body), the run, and the report's status: 422 when the guard
 * held the whole run back, 500 when it reported errors or the guard held back part of it, 409
 * when a run is already in flight (serve), 200 for a clean run. Each host only routes a path to
 * a function and shapes the reply for its platform.
 */
import type { Logger } from "../log/logger.ts";
import { guardHeldAll, type OutcomeCounts } from "../report/report.ts";
import type { Trigger } from "../report/trigger.ts";
import type { ReportBase } from "../report/report-head.ts";
import { verifyWebhook, type ReplayCache } from "./verify.ts";

export interface WebhookAnswer {
  status: number;
  body: unknown;
}

export interface WebhookTarget {
  name: string;
  /** The function's WEBHOOK_SECRET (may throw: a configuration that does not load). */
  secret(): string | undefined;
  /** Runs the function for a verified request; "busy" when a run of it is already in flight. */
  run(trigger: Trigger): Promise<ReportBase | "busy">;
}

/** The 404 every host answers for a path that names no function it serves. */
export const noSuchEndpoint = (names: readonly string[]): WebhookAnswer => ({
  status: 404,
  body: { error: `no such endpoint; POST /run/<function> (${names.join(", ")})` },
});

/** A report's HTTP status, the same everywhere. */
export function reportStatus(report: ReportBase & { guard?: { tripped: boolean }; outcomes?: OutcomeCounts }): number {
  return guardHeldAll(report) ? 422 : report.errors.length || report.guard?.tripped ? 500 : 200;
}

export async function answerWebhook(
  req: {
    method: string;
    headers: Record<string, string | string[] | undefined>;
    body: string;
    requestId?: string | undefined;
  },
  target: WebhookTarget,
  o: { logger: Logger; replay: ReplayCache; nowS: () => number },
): Promise<WebhookAnswer> {
  if (req.method.toUpperCase() !== "POST") return { status: 405, body: { error: "use POST" } };
  let secret: string | undefined;
  try {
    secret = target.secret();
  } catch (err) {
    o.logger.error("configuration invalid", { err, function: target.name });
    return { status: 500, body: { error: "configuration invalid: see the log", requestId: req.requestId } };
  }
  const v = verifyWebhook({ headers: req.headers, body: req.body, secret, nowS: o.nowS(), replay: o.replay });
  if (!v.ok) {
    o.logger.warn("webhook refused", {
      function: target.name,
      status: v.status,
      problem: v.error,
      invocationId: req.requestId,
    });
    return { status: v.status, body: { error: v.error } };
  }
  try {
    const report = await target.run({ source: "webhook", requestId: req.requestId, ...v.body });
    if (report === "busy") return { status: 409, body: { error: "a run of this function is already in flight" } };
    return { status: reportStatus(report), body: report };
  } catch {
    return { status: 500, body: { error: "run failed: see the log", requestId: req.requestId } };
  }
}
