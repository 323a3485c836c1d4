/**
 * One digest in each service's documented body, each within that service's size limit:
 * - WeCom group robot: `{msgtype:"markdown", markdown:{content}}`, content at most 4096 bytes of
 *   UTF-8 (WeCom's group-robot docs, "群机器人配置说明").
 * - DingTalk custom robot: `{msgtype:"markdown", markdown:{title, text}}` (DingTalk's custom robot docs).
 * - Slack incoming webhook: `{text}` in mrkdwn, with `&`, `<`, `>` escaped as Slack's
 *   formatting docs require.
 * - Generic JSON: the digest and the report's counts, for a receiver of one's own.
 * A chat message is read on a phone: all three chat formats are held to WeCom's 4096 bytes.
 */
import type { RunReport } from "../runtime/report.ts";
import type { Digest } from "./digest.ts";
import type { NotifyKind } from "./destinations.ts";

export const CHAT_LIMIT_BYTES = 4096;
/** A generic receiver gets more, still bounded. */
export const JSON_LIMIT_BYTES = 64 * 1024;

const bytes = (s: string) => Buffer.byteLength(s, "utf8");

/** Cuts text to at most `limit` UTF-8 bytes at a character boundary, saying so. */
export function cutTo(text: string, limit: number): string {
  if (bytes(text) <= limit) return text;
  const tail = "\n… (cut to fit; the full report is in the run's log)";
  let out = Buffer.from(text, "utf8")
    .subarray(0, limit - bytes(tail))
    .toString("utf8");
  // A cut through a multi-byte character leaves U+FFFD at the end: drop it.
  out = out.replace(/\uFFFD+$/, "");
  return out + tail;
}

const more = (n: number, note?: string) => (n > 0 ? [`… and ${n} more${note ? `: ${note}` : ""}`] : []);

/**
 * Text any tenant can write (instance names, tag values, an API's error text, an organization
 * member's name) shown inert in WeCom and DingTalk markdown: the characters that make links
 * (`[t](u)`), mentions (`<@all>`), tags (`<font …>`), emphasis and headings become their
 * full-width look-alikes. Neither service documents a backslash escape, and a look-alike renders
 * the same everywhere, so a name reads as written but can never become a link or a mention.
 */
const MARKUP: Record<string, string> = {
  "[": "［",
  "]": "］",
  "(": "（",
  ")": "）",
  "<": "＜",
  ">": "＞",
  "*": "＊",
  _: "＿",
  "`": "｀",
  "#": "＃",
  "@": "＠",
  "~": "～",
  "|": "｜",
  "!": "！",
  "\\": "＼",
};
export const markdownInert = (s: string) => s.replace(/[[\]()<>*_`#@~|!\\]/g, (c) => MARKUP[c]!);

/** A line's own links, after its inert text: the only markdown links a message holds, built from our signed URLs. */
const mdLinks = (links: Digest["sections"][number]["links"], i: number) =>
  links?.[i]?.length ? `\n  ${links[i]!.map((l) => `[${l.label}](${l.url})`).join(" · ")}` : "";
const slackLinks = (links: Digest["sections"][number]["links"], i: number) =>
  links?.[i]?.length ? `\n  ${links[i]!.map((l) => `<${slackEscape(l.url)}|${l.label}>`).join(" · ")}` : "";

export function markdown(d: Digest): string {
  const out = [`### ${d.headline}`, ...d.facts.map(([k, v]) => `> ${k}: **${markdownInert(v)}**`), "", d.counts];
  for (const s of d.sections)
    out.push(
      "",
      `**${s.title}**`,
      ...s.lines.map((l, i) => `- ${markdownInert(l)}${mdLinks(s.links, i)}`),
      ...more(s.more, s.moreNote).map((l) => `- ${l}`),
    );
  return out.join("\n");
}

const slackEscape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function slack(d: Digest): string {
  const out = [
    `*${slackEscape(d.headline)}*`,
    d.facts.map(([k, v]) => `${k}: \`${slackEscape(v)}\``).join(" · "),
    slackEscape(d.counts),
  ];
  for (const s of d.sections)
    out.push(
      `*${s.title}*`,
      ...s.lines.map((l, i) => `• ${slackEscape(l)}${slackLinks(s.links, i)}`),
      ...more(s.more, s.moreNote).map((l) => `• ${l}`),
    );
  return out.join("\n");
}

/**
 * Mentions, each in the syntax its service documents, and only for owner values of that
 * service's shape (anything else is left out, never forced into a mention):
 * - WeCom markdown: `<@userid>` (group robot docs; userids of letters, digits, `_ . - @`);
 * - DingTalk: `at.atMobiles` / `at.atUserIds`, each also written `@…` in the text, as its robot docs require;
 * - Slack: `<@U…>` (member ids, formatting docs).
 */
const WECOM_USER = /^[A-Za-z0-9_.@-]{1,64}$/;
const MOBILE = /^\+?\d{6,15}$/;
const DING_USER = /^[A-Za-z0-9_-]{1,64}$/;
const SLACK_MEMBER = /^[UW][A-Z0-9]{2,20}$/;
/** "all" would mention everyone in the group: an owner tag can name one person, never the room. */
const person = (m: string) => m.toLowerCase() !== "all";
const wecomMentions = (d: Digest) => (d.mentions ?? []).filter((m) => person(m) && WECOM_USER.test(m));
export function dingtalkAt(d: Digest): { atMobiles: string[]; atUserIds: string[] } {
  const ms = (d.mentions ?? []).filter(person);
  return {
    atMobiles: ms.filter((m) => MOBILE.test(m)),
    atUserIds: ms.filter((m) => !MOBILE.test(m) && DING_USER.test(m)),
  };
}
const slackMentions = (d: Digest) => (d.mentions ?? []).filter((m) => SLACK_MEMBER.test(m));
const withLine = (text: string, line: string) => (line ? `${text}\n\n${line}` : text);

/** A chat text within the limit: fewer listed items first, a cut only as the last resort. */
function fitted(render: (d: Digest) => string, digest: (items: number) => Digest): string {
  for (const items of [10, 5, 2, 0]) {
    const text = render(digest(items));
    if (bytes(text) <= CHAT_LIMIT_BYTES) return text;
  }
  return cutTo(render(digest(0)), CHAT_LIMIT_BYTES);
}

/** The body for one service, within its limit. */
export function bodyFor(kind: NotifyKind, digest: (items: number) => Digest, report?: RunReport): string {
  switch (kind) {
    case "wecom":
      return JSON.stringify({
        msgtype: "markdown",
        markdown: {
          content: fitted(
            (d) =>
              withLine(
                markdown(d),
                wecomMentions(d)
                  .map((m) => `<@${m}>`)
                  .join(" "),
              ),
            digest,
          ),
        },
      });
    case "dingtalk": {
      const at = dingtalkAt(digest(0));
      const line = [...at.atMobiles, ...at.atUserIds].map((m) => `@${m}`).join(" ");
      return JSON.stringify({
        msgtype: "markdown",
        markdown: { title: digest(0).headline.slice(0, 64), text: fitted((d) => withLine(markdown(d), line), digest) },
        ...(line ? { at: { ...at, isAtAll: false } } : {}),
      });
    }
    case "slack":
      return JSON.stringify({
        text: fitted(
          (d) =>
            withLine(
              slack(d),
              slackMentions(d)
                .map((m) => `<@${m}>`)
                .join(" "),
            ),
          digest,
        ),
      });
    case "json": {
      const body = (d: Digest) =>
        JSON.stringify({
          source: "cvm-autopilot",
          headline: d.headline,
          text: markdown(d),
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
      return bytes(full) <= JSON_LIMIT_BYTES ? full : body(digest(0));
    }
  }
}
