/**
 * A digest in each service's documented body, split into pages within that service's limits
 * (limits.ts):
 * - WeCom group robot: `{msgtype:"markdown", markdown:{content}}` ("群机器人配置说明").
 * - DingTalk custom robot: `{msgtype:"markdown", markdown:{title, text}, at}` (custom robot docs).
 * - Slack incoming webhook: `{text}` in mrkdwn.
 * - Feishu/Lark custom robot: a `post` (feishu.ts).
 * - Generic JSON: the digest and the report's counts, for a receiver of one's own: one message.
 * Tenant text is made inert (inert.ts); links are only our own signed URLs, added after it.
 */
import type { RunReport } from "../report/report.ts";
import type { Digest, DigestLink, OwnerGroup } from "./digest.ts";
import type { NotifyKind } from "../config/destinations.ts";
import { feishuPost } from "./feishu.ts";
import { markdownInert, slackControl, slackEscape } from "./inert.ts";
import { bytes, JSON_LIMIT_BYTES, ROBOT_LIMITS } from "./limits.ts";
import { dingtalkAt, dingtalkMention, slackMention, wecomMention } from "./mentions.ts";
import { paginate, type Page } from "./pages.ts";

export { CHAT_LIMIT_BYTES, JSON_LIMIT_BYTES } from "./limits.ts";
export { markdownInert } from "./inert.ts";

/** Cuts text to at most `limit` UTF-8 bytes at a character boundary, saying so: the last resort. */
export function cutTo(text: string, limit: number): string {
  if (bytes(text) <= limit) return text;
  const tail = "\n… (cut to fit; the full report is in the run's log)";
  const out = Buffer.from(text, "utf8")
    .subarray(0, limit - bytes(tail))
    .toString("utf8")
    // A cut through a multi-byte character leaves U+FFFD at the end: drop it.
    .replace(/\uFFFD+$/, "");
  return out + tail;
}

/** How one service writes the parts of a message. */
interface Syntax {
  text: (s: string) => string;
  bold: (s: string) => string;
  heading: (s: string) => string;
  fact: (k: string, v: string) => string;
  bullet: string;
  link: (l: DigestLink) => string;
  mention: (owner: string) => string;
}

const MARKDOWN = (mention: (o: string) => string | undefined, write: (m: string) => string): Syntax => ({
  text: markdownInert,
  bold: (s) => `**${s}**`,
  heading: (s) => `### ${s}`,
  fact: (k, v) => `> ${k}: **${markdownInert(v)}**`,
  bullet: "-",
  link: (l) => `[${l.label}](${l.url})`,
  mention: (o) => {
    const m = mention(o);
    return m ? ` ${write(m)}` : "";
  },
});
const WECOM = MARKDOWN(wecomMention, (m) => `<@${m}>`);
const DINGTALK = MARKDOWN(dingtalkMention, (m) => `@${m}`);
const SLACK: Syntax = {
  text: slackEscape,
  bold: (s) => `*${s}*`,
  heading: (s) => `*${s}*`,
  fact: (k, v) => `${k}: \`${slackEscape(v)}\``,
  bullet: "•",
  link: (l) => `<${slackControl(l.url)}|${l.label}>`,
  mention: (o) => {
    const m = slackMention(o);
    return m ? ` <@${m}>` : "";
  },
};

const pageNo = (p: Page) => (p.total > 1 ? ` (${p.number}/${p.total})` : "");
const ownerTitle = (g: OwnerGroup & { continued?: boolean }, x: Syntax) =>
  `${x.bold(g.owner ? `owner ${x.text(g.owner)}` : "no owner tag")}${g.continued ? " (continued)" : ""}${g.owner ? x.mention(g.owner) : ""}`;

/** One page in one service's syntax. */
function render(p: Page, x: Syntax): string {
  const d = p.digest;
  const out = [x.heading(`${x.text(d.headline)}${pageNo(p)}`), ...d.facts.map(([k, v]) => x.fact(k, v))];
  if (d.counts) out.push("", x.text(d.counts));
  for (const s of d.sections)
    out.push(
      "",
      x.bold(s.title),
      ...s.lines.map((l) => `${x.bullet} ${x.text(l)}`),
      ...(s.more > 0 ? [`${x.bullet} … and ${s.more} more`] : []),
    );
  if (d.links?.length) out.push("", d.links.map(x.link).join(" · "));
  const mentions = (d.mentions ?? []).map(x.mention).join("").trim();
  if (mentions) out.push("", mentions);
  if (p.groups.length) out.push("", x.bold("Machines with links, by owner"));
  for (const g of p.groups)
    out.push(
      ownerTitle(g, x),
      ...g.items.map((i) => `${x.bullet} ${x.text(i.line)}\n  ${i.links.map(x.link).join(" · ")}`),
    );
  if (p.overflow) {
    out.push("", x.bold("More machines with links: more than this robot takes in one run"));
    out.push("Their links are in the run's report (--out, REPORT_DIR, or the log).");
    for (const g of p.overflow.groups) out.push(ownerTitle(g, x), g.items.map((i) => x.text(i.short)).join(", "));
    if (p.overflow.cut) out.push(`${x.bullet} … and ${p.overflow.cut} more`);
  }
  return out.join("\n");
}

/** Every owner a page names: its DingTalk `at` field must list the ones its text mentions. */
const ownersOn = (p: Page) => [
  ...new Set([
    ...(p.digest.mentions ?? []),
    ...[...p.groups, ...(p.overflow?.groups ?? [])].flatMap((g) => (g.owner ? [g.owner] : [])),
  ]),
];

/** Each chat service: its page text, and the request body around a text (which may have been cut). */
const RENDER: Record<
  Exclude<NotifyKind, "json">,
  { text: (p: Page) => string; body: (p: Page, text: string) => string }
> = {
  wecom: {
    text: (p) => render(p, WECOM),
    body: (_p, content) => JSON.stringify({ msgtype: "markdown", markdown: { content } }),
  },
  dingtalk: {
    // The run's mention line lists mobiles, then user ids, as the `at` field does.
    text: (p) => {
      const at = dingtalkAt(p.digest.mentions ?? []);
      return render({ ...p, digest: { ...p.digest, mentions: [...at.atMobiles, ...at.atUserIds] } }, DINGTALK);
    },
    body: (p, text) => {
      const at = dingtalkAt(ownersOn(p));
      const some = at.atMobiles.length + at.atUserIds.length > 0;
      const title = `${p.digest.headline}${pageNo(p)}`.slice(0, 64);
      return JSON.stringify({
        msgtype: "markdown",
        markdown: { title, text },
        ...(some ? { at: { ...at, isAtAll: false } } : {}),
      });
    },
  },
  slack: { text: (p) => render(p, SLACK), body: (_p, text) => JSON.stringify({ text }) },
  // Feishu's limit is on the whole body, so its "text" is the body.
  feishu: { text: (p) => JSON.stringify(feishuPost(p)), body: (_p, body) => body },
};

/** The bodies for one service, in order: each within its size limit, no more than it takes in a run. */
export function bodiesFor(kind: NotifyKind, digest: (items: number) => Digest, report?: RunReport): string[] {
  if (kind === "json") return [jsonBody(digest, report)];
  const limit = ROBOT_LIMITS[kind];
  const r = RENDER[kind];
  const fits = (p: Page) => bytes(r.text(p)) <= limit.bytes;
  return paginate(digest, fits, limit.perRun).map((p) => {
    const text = r.text(p);
    if (bytes(text) <= limit.bytes || kind === "feishu") return r.body(p, text);
    // A page that still does not fit (its summary alone is too long): its text cut, the last resort.
    return r.body(p, cutTo(text, limit.bytes));
  });
}

function jsonBody(digest: (items: number) => Digest, report?: RunReport): string {
  const body = (d: Digest) =>
    JSON.stringify({
      source: "cvm-autopilot",
      headline: d.headline,
      text: render({ digest: d, groups: d.groups ?? [], number: 1, total: 1 }, WECOM),
      ...(report
        ? {
            function: report.function,
            runId: report.runId,
            trigger: report.trigger,
            dryRun: report.dryRun,
            regions: report.regions,
            startedAt: report.startedAt,
            finishedAt: report.finishedAt,
            scanned: report.scanned,
            byKind: report.byKind,
            outcomes: report.outcomes,
            guard: report.guard,
            extras: report.extras,
            resultsCount: report.resultsCount,
            errorsCount: report.errors.length,
          }
        : {}),
      digest: d,
    });
  const full = body(digest(10));
  if (bytes(full) <= JSON_LIMIT_BYTES) return full;
  const { groups: _left, ...small } = digest(0);
  return body(small);
}
