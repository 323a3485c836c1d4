/**
 * `/accept?…`: schedule-advisor's signed accept links (lib/snooze/accept-link.ts), the same in
 * `serve` and on the function URLs. A GET never acts (chat apps fetch links to preview them): it
 * reads the machine now and shows the tag the link would write, with a button, a form that POSTs
 * the same link. The POST writes `autopilot:office-hours=<schedule>` on that machine, after
 * reading it again: a machine that is gone is said so, one already on that schedule is left as it
 * is (a second POST writes nothing), and a dry run only says what it would write. A forged,
 * altered or expired link changes nothing and answers a page saying so.
 */
import type { BaseConfig } from "../config/config.ts";
import type { Logger } from "../log/logger.ts";
import { createRunDeps } from "../runtime/run-deps.ts";
import type { TencentCloudClient } from "../tencent/client.ts";
import type { Instance } from "../tencent/data-types.ts";
import { errorRecord } from "../tencent/errors.ts";
import { tagInstances } from "../runtime/instance-tags.ts";
import { tagsOf } from "../tencent/normalize.ts";
import { describeOne } from "../tencent/describe-one.ts";
import { acceptQuery, verifyAccept, type AcceptLink } from "../snooze/accept-link.ts";
import { page, type Card, type SnoozeAnswer } from "../snooze/snooze-page.ts";
import { stateWord, WORDS } from "../snooze/snooze-words.ts";

/** The tag office-hours reads (its default OFFICE_HOURS_TAG). */
export const ACCEPT_TAG = "autopilot:office-hours";

export interface AcceptTarget {
  name: string;
  secret(): string | undefined;
  /** A client of the function's own account, and whether the function runs in dry run. */
  client(): { client: TencentCloudClient; dryRun: boolean };
}

/** The target of a function's accept links, from its config as loaded now. */
export const acceptTarget = (name: string, config: () => BaseConfig, logger: Logger): AcceptTarget => ({
  name,
  secret: () => config().webhookSecret,
  client: () => ({ client: createRunDeps(config(), { logger }).client, dryRun: config().dryRun }),
});

type Req = { method: string; query: string; requestId?: string | undefined };

const html = (
  status: number,
  title: string,
  lines: string[],
  o: { card?: Card; button?: string; query?: string } = {},
) => ({
  status,
  html: page(title, lines, o.button && o.query ? { label: o.button, query: o.query } : undefined, {
    lang: "en",
    card: o.card,
    w: WORDS.en,
  }),
});

/** The link checked, or the page that says why it changes nothing. */
function checked(
  req: Req,
  target: AcceptTarget,
  logger: Logger,
  nowMs: number,
): { link: AcceptLink; secret: string } | { answer: SnoozeAnswer } {
  let secret: string | undefined;
  try {
    secret = target.secret();
  } catch (err) {
    logger.error("configuration invalid", { err, function: target.name });
    return {
      answer: html(500, "Not available", [
        "This link cannot be followed now: the function's configuration is invalid.",
      ]),
    };
  }
  if (!secret) return { answer: html(404, "No such link", ["Accept links need WEBHOOK_SECRET, which is not set."]) };
  const v = verifyAccept(secret, new URLSearchParams(req.query), nowMs);
  const why = !v.ok ? v.why : v.link.account !== "" ? "another account" : undefined;
  if (why || !v.ok) {
    logger.warn("accept link refused", { function: target.name, problem: why, invocationId: req.requestId });
    const said =
      why === "expired link"
        ? "This link has expired: it changes nothing. The next schedule-advisor run proposes again, with a fresh link."
        : `This link cannot be used (${why}): it changes nothing.`;
    return { answer: html(403, "Link not valid", [said]) };
  }
  return { link: v.link, secret };
}

/** The machine of a link read now, or the page that says why it cannot be. */
async function readMachine(
  client: TencentCloudClient,
  link: AcceptLink,
  fail: (code: string) => void,
): Promise<{ inst: Instance; card: Card } | { answer: SnoozeAnswer }> {
  let inst: Instance | undefined;
  try {
    inst = await describeOne(client, link.region, link.instance);
  } catch (err) {
    const e = errorRecord(err);
    fail(e.code);
    return {
      answer: html(500, "Not available", [`The cloud refused to read the machine (${e.code}); nothing was changed.`]),
    };
  }
  if (!inst)
    return {
      answer: html(404, "No such machine", [
        `${link.instance} in ${link.region} no longer exists; nothing was changed.`,
      ]),
    };
  const card: Card = {
    name: inst.InstanceName || inst.InstanceId,
    id: inst.InstanceId,
    owner: undefined,
    region: link.region,
    state: stateWord("en", inst.InstanceState),
    running: inst.InstanceState === "RUNNING",
  };
  return { inst, card };
}

/** Writes the tag: a problem code, or undefined. */
async function writeTag(client: TencentCloudClient, link: AcceptLink): Promise<string | undefined> {
  try {
    const [r] = await tagInstances(client, link.region, [link.instance], { [ACCEPT_TAG]: link.schedule });
    return r?.ok ? undefined : (r?.code ?? "unknown");
  } catch (err) {
    return errorRecord(err).code;
  }
}

/** Answers one request to an accept link. */
export async function answerAccept(
  req: Req,
  target: AcceptTarget,
  o: { logger: Logger; nowMs: () => number },
): Promise<SnoozeAnswer> {
  const method = req.method.toUpperCase();
  if (method !== "GET" && method !== "POST") return html(405, "Open the link", ["Open this link in a browser."]);
  const c = checked(req, target, o.logger, o.nowMs());
  if ("answer" in c) return c.answer;
  const { link } = c;
  const { client, dryRun } = target.client();
  const said = { function: target.name, instance: link.instance, region: link.region, invocationId: req.requestId };
  const read = await readMachine(client, link, (code) => o.logger.error("accept link failed", { ...said, code }));
  if ("answer" in read) return read.answer;
  const { inst, card } = read;
  const write = `${ACCEPT_TAG}=${link.schedule}`;
  const define = `office-hours acts on it once OFFICE_HOURS_SCHEDULES defines "${link.schedule}": ${link.entry}`;
  const now = tagsOf(inst).get(ACCEPT_TAG);
  o.logger.info(method === "POST" ? "accept link followed" : "accept link shown", { ...said, schedule: link.schedule });
  // Idempotent: a machine already on the schedule is left as it is, whoever put it there.
  if (now === link.schedule)
    return html(200, `${card.name} is on ${link.schedule}`, [`It already has ${write}: nothing to change.`, define], {
      card,
    });
  const was = now === undefined ? "It has no office-hours schedule now." : `It has ${ACCEPT_TAG}=${now} now.`;
  if (method === "GET")
    return html(200, `Put ${card.name} on office hours?`, [was, `Accepting writes the tag ${write}.`, define], {
      card,
      button: "Accept: write the tag",
      query: acceptQuery(c.secret, link),
    });
  if (dryRun)
    return html(200, "Dry run", [`The function runs in dry run: it would write ${write}, and wrote nothing.`], {
      card,
    });
  const problem = await writeTag(client, link);
  if (problem) {
    o.logger.error("accept link failed", { ...said, code: problem });
    return html(500, "Not written", [`The tag was not written (${problem}).`], { card });
  }
  return html(200, `${card.name} is on ${link.schedule}`, [`Written: ${write}.`, define], { card });
}
