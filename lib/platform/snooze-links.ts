/**
 * `GET /snooze?instance=…&region=…&account=…&until=…&exp=…&sig=…`: the signed links of a
 * warning, the same in `serve` and on the SCF and Lambda function URLs. A link is scoped to one
 * instance, expires with its warning, and is idempotent: following it twice sets the same tag.
 * - `until=<time>` writes `autopilot:snooze-until=<time>` on that instance, and nothing else;
 * - `until=stop` runs the function for that one instance ("stop now"): every scope rule, the
 *   opt-out tag and the blast-radius guard still apply; no metrics are read.
 * A forged, expired or altered link changes nothing, answers a page saying so, and is logged.
 * The answer is a small HTML page, since a person follows the link from a chat message.
 */
import type { Logger } from "../log/logger.ts";
import type { RunReport } from "../runtime/report.ts";
import type { Trigger } from "../runtime/trigger.ts";
import type { TencentCloudClient } from "../tencent/client.ts";
import { tagInstances } from "../tencent/instance-tags.ts";
import { api } from "../tencent/services.ts";
import { errorRecord } from "../tencent/errors.ts";
import { instantTag, SNOOZE_TAG, verifyLink } from "../snooze/snooze.ts";

export interface SnoozeAnswer {
  status: number;
  html: string;
}

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
const page = (title: string, body: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${esc(title)}</title></head><body><h1>${esc(title)}</h1><p>${esc(body)}</p></body></html>\n`;

export interface SnoozeTarget {
  name: string;
  secret(): string | undefined;
  /** A client of the function's own account, and whether the function runs in dry run. */
  client(): { client: TencentCloudClient; dryRun: boolean };
  run(trigger: Trigger): Promise<RunReport | "busy">;
}

export async function answerSnooze(
  req: { method: string; query: string; requestId?: string | undefined },
  target: SnoozeTarget,
  o: { logger: Logger; nowMs: () => number },
): Promise<SnoozeAnswer> {
  if (req.method.toUpperCase() !== "GET")
    return { status: 405, html: page("Use GET", "Follow the link as it was sent.") };
  let secret: string | undefined;
  try {
    secret = target.secret();
  } catch (err) {
    o.logger.error("configuration invalid", { err, function: target.name });
    return { status: 500, html: page("Not available", "The function's configuration does not load; see its log.") };
  }
  if (!secret) return { status: 404, html: page("Not found", "Snooze links need WEBHOOK_SECRET.") };
  const v = verifyLink(secret, new URLSearchParams(req.query), o.nowMs());
  if (!v.ok) {
    o.logger.warn("snooze link refused", { function: target.name, problem: v.why, invocationId: req.requestId });
    return { status: 403, html: page("Link not valid", `This link is not valid (${v.why}). Nothing was changed.`) };
  }
  const { instance, region, account, until } = v.link;
  // Links are made for the function's own account; one naming another is not ours to follow.
  if (account !== "") {
    o.logger.warn("snooze link refused", {
      function: target.name,
      problem: "another account",
      instance,
      invocationId: req.requestId,
    });
    return { status: 403, html: page("Link not valid", "This link names another account. Nothing was changed.") };
  }
  o.logger.info("snooze link followed", {
    function: target.name,
    instance,
    region,
    until: until === "stop" ? "stop" : instantTag(until),
    invocationId: req.requestId,
  });
  if (until === "stop") {
    const report = await target
      .run({ source: "webhook", requestId: req.requestId, regions: [region], stopNow: [instance] })
      .catch(() => undefined);
    if (!report || report === "busy")
      return {
        status: 503,
        html: page(
          "Try again",
          "A run of the function is in flight, or it failed; nothing was stopped by this link. Try again in a minute.",
        ),
      };
    const done = report.results.find((x) => x.id === instance);
    if (done) {
      const said =
        done.outcome === "done"
          ? "is stopping"
          : done.outcome === "planned"
            ? "would be stopped (dry run: nothing was done)"
            : `was not stopped (${done.outcome}${done.code ? ` ${done.code}` : ""})`;
      return {
        status: done.outcome === "failed" ? 500 : 200,
        html: page(`${instance} ${said}`, `${instance} in ${region} ${said}.`),
      };
    }
    const kept = report.kept.find((x) => x.id === instance);
    const why = report.guard?.tripped
      ? "the blast-radius guard held the run back"
      : kept
        ? kept.reason
        : "it is not a running pay-as-you-go machine in scope";
    return {
      status: 200,
      html: page(`${instance} was not stopped`, `${instance} in ${region} was not stopped: ${why}.`),
    };
  }
  const { client, dryRun } = target.client();
  try {
    const res = await api(client).describeInstances(region, { InstanceIds: [instance] });
    if (!(res.InstanceSet ?? []).some((i) => i.InstanceId === instance))
      return { status: 404, html: page("No such machine", `${instance} is not in ${region}. Nothing was changed.`) };
    if (dryRun)
      return {
        status: 200,
        html: page(
          "Dry run",
          `${instance} would keep running until ${instantTag(until)}; the function runs in dry run, so no tag was written.`,
        ),
      };
    const [r] = await tagInstances(client, region, [instance], { [SNOOZE_TAG]: instantTag(until) });
    if (!r?.ok)
      return {
        status: 500,
        html: page(
          "Not snoozed",
          `${instance} could not be tagged (${r?.code ?? "unknown"}). Nothing else was changed.`,
        ),
      };
  } catch (err) {
    const e = errorRecord(err);
    o.logger.error("snooze link failed", { function: target.name, instance, code: e.code, requestId: e.requestId });
    return { status: 500, html: page("Not snoozed", `The cloud refused (${e.code}). Nothing was changed.`) };
  }
  return {
    status: 200,
    html: page(
      `${instance} keeps running`,
      `${instance} in ${region} keeps running until ${instantTag(until)} (tag ${SNOOZE_TAG}). Nothing else was changed.`,
    ),
  };
}
