/**
 * `/snooze?instance=…&region=…&account=…&until=…&exp=…&run=…&sig=…`: the signed links of a
 * warning, the same in `serve` and on the SCF and Lambda function URLs. A link is scoped to one
 * instance and the running period its warning was about, and expires with its warning.
 * - A GET never acts (chat apps fetch links to preview them): it reads the machine now, says its
 *   state, and shows what the link would do with a button, a form that POSTs the same link.
 * - The POST acts, only while the link's promise can still be kept:
 *   `until=<time>` writes `autopilot:snooze-until=<time>` on a running machine, until that time
 *   has passed; `until=stop` runs the function for that one instance ("stop now") while it is
 *   still in the running period the link was issued for: every scope rule, the opt-out tag and
 *   the blast-radius guard still apply; no metrics are read.
 * A forged, expired or altered link changes nothing, answers a page saying so, and is logged.
 */
import type { Logger } from "../log/logger.ts";
import type { RunReport } from "../runtime/report.ts";
import type { Trigger } from "../runtime/trigger.ts";
import type { TencentCloudClient } from "../tencent/client.ts";
import type { Instance } from "../tencent/data-types.ts";
import { tagsOf } from "../tencent/normalize.ts";
import { api } from "../tencent/services.ts";
import { errorRecord } from "../tencent/errors.ts";
import { instantTag, linkQuery, SNOOZE_TAG, snoozeOf, verifyLink, type SnoozeLink } from "../snooze/snooze.ts";
import { runningPeriodOf } from "../snooze/warning-tag.ts";
import { keepRunning } from "./snooze-keep.ts";
import { ok, page, type LinkCase, type SnoozeAnswer } from "./snooze-page.ts";

export type { SnoozeAnswer } from "./snooze-page.ts";

export interface SnoozeTarget {
  name: string;
  secret(): string | undefined;
  /** A client of the function's own account, and whether the function runs in dry run. */
  client(): { client: TencentCloudClient; dryRun: boolean };
  run(trigger: Trigger): Promise<RunReport | "busy">;
}

const STATE_WORDS: Record<string, string> = {
  RUNNING: "running",
  STOPPED: "stopped",
  STOPPING: "stopping",
  STARTING: "starting",
  PENDING: "being created",
  REBOOTING: "restarting",
  SHUTDOWN: "shut down",
  TERMINATING: "being released",
  LAUNCH_FAILED: "failed to launch",
};

export async function answerSnooze(
  req: { method: string; query: string; requestId?: string | undefined },
  target: SnoozeTarget,
  o: { logger: Logger; nowMs: () => number },
): Promise<SnoozeAnswer> {
  const method = req.method.toUpperCase();
  if (method !== "GET" && method !== "POST")
    return { status: 405, html: page("Open the link", ["Open the link as it was sent; its page has the button."]) };
  const checked = checkLink(req, target, o);
  if ("answer" in checked) return checked.answer;
  const { link, secret } = checked;
  const { client, dryRun } = target.client();
  let inst: Instance | undefined;
  try {
    const res = await api(client).describeInstances(link.region, { InstanceIds: [link.instance] });
    inst = (res.InstanceSet ?? []).find((i) => i.InstanceId === link.instance);
  } catch (err) {
    const e = errorRecord(err);
    o.logger.error("snooze link failed", { function: target.name, instance: link.instance, code: e.code });
    return { status: 500, html: page("Not available", [`The cloud refused (${e.code}). Nothing was changed.`]) };
  }
  if (!inst)
    return {
      status: 404,
      html: page("No such machine", [`${link.instance} is not in ${link.region}. Nothing was changed.`]),
    };
  const nowMs = o.nowMs();
  const snooze = snoozeOf(tagsOf(inst), new Date(nowMs));
  const c: LinkCase = {
    link,
    query: linkQuery(secret, link),
    inst,
    who: `${inst.InstanceName && inst.InstanceName !== inst.InstanceId ? `${inst.InstanceName} (${inst.InstanceId})` : inst.InstanceId} in ${link.region}`,
    stateNow: STATE_WORDS[inst.InstanceState] ?? inst.InstanceState.toLowerCase(),
    snoozeNow:
      snooze.state === "active" ? `It is kept running until ${instantTag(snooze.until)} (tag ${SNOOZE_TAG}).` : "",
    post: method === "POST",
    nowMs,
  };
  o.logger.info(c.post ? "snooze link followed" : "snooze link shown", {
    function: target.name,
    instance: link.instance,
    region: link.region,
    until: link.until === "stop" ? "stop" : instantTag(link.until),
    invocationId: req.requestId,
  });
  if (link.until !== "stop") return keepRunning(c, client, dryRun, o.logger, target.name);
  return stopNow(c, target, req.requestId);
}

/** The link checked: signed with our secret, not expired, for our own account; or the page that says why not. */
function checkLink(
  req: { query: string; requestId?: string | undefined },
  target: SnoozeTarget,
  o: { logger: Logger; nowMs: () => number },
): { link: SnoozeLink; secret: string } | { answer: SnoozeAnswer } {
  let secret: string | undefined;
  try {
    secret = target.secret();
  } catch (err) {
    o.logger.error("configuration invalid", { err, function: target.name });
    return {
      answer: {
        status: 500,
        html: page("Not available", ["The function's configuration does not load; see its log."]),
      },
    };
  }
  if (!secret) return { answer: { status: 404, html: page("Not found", ["Snooze links need WEBHOOK_SECRET."]) } };
  const v = verifyLink(secret, new URLSearchParams(req.query), o.nowMs());
  const why = !v.ok ? v.why : v.link.account !== "" ? "another account" : undefined;
  if (why || !v.ok) {
    o.logger.warn("snooze link refused", { function: target.name, problem: why, invocationId: req.requestId });
    // Links are made for the function's own account; one naming another is not ours to follow.
    const said = why === "another account" ? "names another account" : `is not valid (${why})`;
    return { answer: { status: 403, html: page("Link not valid", [`This link ${said}. Nothing was changed.`]) } };
  }
  return { link: v.link, secret };
}

/** "Stop now": shown on GET, done on POST, only for a machine still running in the link's period. */
async function stopNow(c: LinkCase, target: SnoozeTarget, requestId: string | undefined): Promise<SnoozeAnswer> {
  const { inst, who, link } = c;
  const name = inst.InstanceName || inst.InstanceId;
  if (inst.InstanceState !== "RUNNING")
    return ok(`${name} is ${c.stateNow} now`, [`${who} is ${c.stateNow} now: nothing to stop. Nothing was changed.`]);
  if (runningPeriodOf(inst) !== link.run)
    return ok(`${name} was started again`, [
      `${who} was started again since this link was sent. The link was for its earlier run, so it stops nothing now. Nothing was changed.`,
    ]);
  if (!c.post)
    return ok(
      `Stop ${name} now?`,
      [
        `${who} is running now.`,
        c.snoozeNow,
        "The button stops it now. Every scope rule, the opt-out tag and the blast-radius guard still apply.",
      ],
      { label: "Stop it now", query: c.query },
    );
  const report = await target
    .run({
      source: "webhook",
      requestId,
      regions: [link.region],
      stopNow: [{ instance: link.instance, period: link.run }],
    })
    .catch(() => undefined);
  if (!report || report === "busy")
    return {
      status: 503,
      html: page("Try again", [
        "A run of the function is in flight, or it failed; nothing was stopped by this link. Try again in a minute.",
      ]),
    };
  const done = report.results.find((x) => x.id === link.instance);
  if (done) {
    const said =
      done.outcome === "done"
        ? "is stopping"
        : done.outcome === "planned"
          ? "would be stopped (dry run: nothing was done)"
          : `was not stopped (${done.outcome}${done.code ? ` ${done.code}` : ""})`;
    return { status: done.outcome === "failed" ? 500 : 200, html: page(`${name} ${said}`, [`${who} ${said}.`]) };
  }
  const kept = report.kept.find((x) => x.id === link.instance);
  const why = report.guard?.tripped
    ? "the blast-radius guard held the run back"
    : kept
      ? kept.reason
      : "it is not a running pay-as-you-go machine in scope";
  return ok(`${name} was not stopped`, [`${who} was not stopped: ${why}.`]);
}
