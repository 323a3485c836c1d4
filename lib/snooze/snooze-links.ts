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
 * Pages speak English or Chinese (Accept-Language) and give times in the function's zone.
 */
import type { Logger } from "../log/logger.ts";
import type { RunReport } from "../report/report.ts";
import type { Trigger } from "../report/trigger.ts";
import type { TencentCloudClient } from "../tencent/client.ts";
import type { Instance } from "../tencent/data-types.ts";
import { tagsOf } from "../tencent/normalize.ts";
import { describeOne } from "../tencent/describe-one.ts";
import { errorRecord } from "../tencent/errors.ts";
import { instantTag, linkQuery, OWNER_TAG, snoozeOf, verifyLink, type SnoozeLink } from "./snooze.ts";
import { runningPeriodOf } from "./warning-tag.ts";
import { keepRunning } from "./snooze-keep.ts";
import { answer, ok, page, type LinkCase, type SnoozeAnswer } from "./snooze-page.ts";
import { langOf, stateWord, when, WORDS, type Lang } from "./snooze-words.ts";

export type { SnoozeAnswer } from "./snooze-page.ts";

export interface SnoozeTarget {
  name: string;
  secret(): string | undefined;
  /** A client of the function's own account, and whether the function runs in dry run. */
  client(): { client: TencentCloudClient; dryRun: boolean };
  run(trigger: Trigger): Promise<RunReport | "busy">;
  /** The zone the pages give times in (AUTO_STOP_TIMEZONE); UTC when unset. */
  zone?: () => string;
}

/** The zone a function's pages give times in: its policy's (auto-stop-idle's AUTO_STOP_TIMEZONE), else UTC. */
export const zoneOf = (config: object): string =>
  (config as { policy?: { timeZone?: unknown } }).policy?.timeZone === undefined
    ? "UTC"
    : String((config as { policy: { timeZone: unknown } }).policy.timeZone);

type Req = { method: string; query: string; requestId?: string | undefined; acceptLanguage?: string | undefined };
type Opts = { logger: Logger; nowMs: () => number };

/** A page that names no machine. */
const plain = (lang: Lang, status: number, [title, line]: readonly [string, string, string?]): SnoozeAnswer => ({
  status,
  html: page(title, [line], undefined, { lang }),
});

export async function answerSnooze(req: Req, target: SnoozeTarget, o: Opts): Promise<SnoozeAnswer> {
  const lang = langOf(req.acceptLanguage);
  const w = WORDS[lang];
  const method = req.method.toUpperCase();
  if (method !== "GET" && method !== "POST") return plain(lang, 405, w.openLink);
  const checked = checkLink(req, target, o, lang);
  if ("answer" in checked) return checked.answer;
  const { link, secret } = checked;
  const { client, dryRun } = target.client();
  let inst: Instance | undefined;
  try {
    inst = await describeOne(client, link.region, link.instance);
  } catch (err) {
    const e = errorRecord(err);
    o.logger.error("snooze link failed", { function: target.name, instance: link.instance, code: e.code });
    return plain(lang, 500, w.notAvailable(w.cloudRefused(e.code)));
  }
  if (!inst) return plain(lang, 404, w.noMachine(link.instance, link.region));
  const c = caseOf(link, inst, { secret, lang, nowMs: o.nowMs(), post: method === "POST", zone: target.zone?.() });
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

/** Everything a page about this machine says of it now. */
function caseOf(
  link: SnoozeLink,
  inst: Instance,
  o: { secret: string; lang: Lang; nowMs: number; post: boolean; zone: string | undefined },
): LinkCase {
  const w = WORDS[o.lang];
  const zone = o.zone ?? "UTC";
  const tags = tagsOf(inst);
  const snooze = snoozeOf(tags, new Date(o.nowMs));
  const named = inst.InstanceName && inst.InstanceName !== inst.InstanceId ? inst.InstanceName : undefined;
  const stateNow = stateWord(o.lang, inst.InstanceState);
  return {
    link,
    query: linkQuery(o.secret, link),
    inst,
    name: named ?? inst.InstanceId,
    who: w.who(named, inst.InstanceId, link.region),
    stateNow,
    snoozeNow: snooze.state === "active" ? w.snoozed(when(snooze.until, zone)) : "",
    snoozeUntil: snooze.state === "active" ? snooze.until : undefined,
    post: o.post,
    nowMs: o.nowMs,
    lang: o.lang,
    w,
    when: (ms) => when(ms, zone),
    card: {
      name: named ?? inst.InstanceId,
      id: inst.InstanceId,
      owner: tags.get(OWNER_TAG),
      region: link.region,
      state: stateNow,
      running: inst.InstanceState === "RUNNING",
    },
  };
}

/** The link checked: signed with our secret, not expired, for our own account; or the page that says why not. */
function checkLink(
  req: Req,
  target: SnoozeTarget,
  o: Opts,
  lang: Lang,
): { link: SnoozeLink; secret: string } | { answer: SnoozeAnswer } {
  const w = WORDS[lang];
  let secret: string | undefined;
  try {
    secret = target.secret();
  } catch (err) {
    o.logger.error("configuration invalid", { err, function: target.name });
    return { answer: plain(lang, 500, w.notAvailable(w.configBroken)) };
  }
  if (!secret) return { answer: plain(lang, 404, w.noSecret) };
  const v = verifyLink(secret, new URLSearchParams(req.query), o.nowMs());
  // Links are made for the function's own account; one naming another is not ours to follow.
  const why = !v.ok ? v.why : v.link.account !== "" ? "another account" : undefined;
  if (why || !v.ok) {
    o.logger.warn("snooze link refused", { function: target.name, problem: why, invocationId: req.requestId });
    const said = why === "expired link" ? w.expired : why === "another account" ? w.otherAccount : w.forged(why!);
    return { answer: plain(lang, 403, said) };
  }
  return { link: v.link, secret };
}

/** "Stop now": shown on GET, done on POST, only for a machine still running in the link's period. */
async function stopNow(c: LinkCase, target: SnoozeTarget, requestId: string | undefined): Promise<SnoozeAnswer> {
  const { inst, who, link, w, name } = c;
  if (inst.InstanceState !== "RUNNING") {
    const [title, line] = w.nothingToStop(name, who, c.stateNow);
    return ok(c, title, [line]);
  }
  if (runningPeriodOf(inst) !== link.run) {
    const [title, line] = w.restarted(name, who);
    return ok(c, title, [line]);
  }
  if (!c.post) {
    const [title, line, button] = w.confirmStop(name);
    return ok(c, title, [w.isNow(who, c.stateNow), c.snoozeNow, line], button);
  }
  const stopNow = [{ instance: link.instance, period: link.run }];
  const report = await target
    .run({ source: "webhook", requestId, regions: [link.region], stopNow })
    .catch(() => undefined);
  if (!report || report === "busy") return answer(c, 503, w.tryAgain[0], [w.tryAgain[1]]);
  const done = report.results.find((x) => x.id === link.instance);
  if (done) {
    const said =
      done.outcome === "done"
        ? w.stopping
        : done.outcome === "planned"
          ? w.wouldStop
          : w.notStoppedCode(`${done.outcome}${done.code ? ` ${done.code}` : ""}`);
    const now = await readAgain(c, target);
    return answer(now, done.outcome === "failed" ? 500 : 200, `${name} ${said}`, [`${who} ${said}.`]);
  }
  const kept = report.kept.find((x) => x.id === link.instance);
  const why = report.guard?.tripped ? w.guardHeld : kept ? kept.reason : w.notInScope;
  const [title, line] = w.notStopped(name, who, why);
  return ok(c, title, [line]);
}

/**
 * The case with the machine read again after a run acted on it: the page states its state now,
 * not the one read before the stop. Unread (the cloud refused), the card says so rather than
 * repeat the old state.
 */
async function readAgain(c: LinkCase, target: SnoozeTarget): Promise<LinkCase> {
  const { link } = c;
  const inst = await describeOne(target.client().client, link.region, link.instance).catch(() => undefined);
  const stateNow = inst ? stateWord(c.lang, inst.InstanceState) : c.w.stateUnread;
  return { ...c, stateNow, card: { ...c.card, state: stateNow, running: inst?.InstanceState === "RUNNING" } };
}
