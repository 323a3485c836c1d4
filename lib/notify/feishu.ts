/**
 * Feishu and Lark custom robots (自定义机器人使用指南, open.feishu.cn / open.larksuite.com):
 * a POST of `{msg_type:"post", content:{post:{<locale>:{title, content}}}}` to
 * `/open-apis/bot/v2/hook/<id>`. A post is paragraphs of elements: `text` (shown as written:
 * nothing in it is markup, so tenant text needs no look-alikes here), `a` (a link: only our own
 * signed URLs) and `at` (a mention by open_id). With signature verification on, the body also
 * carries `timestamp` (seconds, within an hour of Feishu's clock) and `sign` =
 * Base64(HmacSHA256(key = timestamp + "\n" + secret, message = empty)); a mismatch is code 19021.
 */
import { createHmac } from "node:crypto";
import type { OwnerGroup } from "./digest.ts";
import { feishuMention } from "./mentions.ts";
import type { Page } from "./pages.ts";

type Element =
  | { tag: "text"; text: string }
  | { tag: "a"; text: string; href: string }
  | { tag: "at"; user_id: string };

/** Feishu's signature over nothing, keyed by the timestamp (seconds) and the secret. */
export function feishuSign(secret: string, timestampSec: number): string {
  return createHmac("sha256", `${timestampSec}\n${secret}`).update("").digest("base64");
}

/** A body with its signature fields, made at the moment of sending (the timestamp must be fresh). */
export function feishuSigned(body: string, secret: string, nowMs: number): string {
  const timestamp = Math.floor(nowMs / 1000);
  return JSON.stringify({ timestamp: String(timestamp), sign: feishuSign(secret, timestamp), ...JSON.parse(body) });
}

const text = (t: string): Element => ({ tag: "text", text: t });

function owner(g: OwnerGroup & { continued?: boolean }): Element[] {
  const m = g.owner ? feishuMention(g.owner) : undefined;
  return [
    text(`${g.owner ? `owner ${g.owner}` : "no owner tag"}${g.continued ? " (continued)" : ""}${m ? " " : ""}`),
    ...(m ? [{ tag: "at", user_id: m } as const] : []),
  ];
}

/** One page as a Feishu post: the same parts as the markdown formats, as paragraphs of elements. */
export function feishuPost(p: Page): unknown {
  const d = p.digest;
  const rows: Element[][] = [[text(d.facts.map(([k, v]) => `${k}: ${v}`).join(" · "))]];
  if (d.counts) rows.push([text(d.counts)]);
  for (const s of d.sections) {
    rows.push([text(`${s.title}:`)]);
    for (const l of s.lines) rows.push([text(`• ${l}`)]);
    if (s.more > 0) rows.push([text(`• … and ${s.more} more`)]);
  }
  if (d.links?.length)
    rows.push(
      d.links.flatMap((l, n) => [...(n ? [text(" · ")] : []), { tag: "a", text: l.label, href: l.url } as const]),
    );
  const mentioned = (d.mentions ?? []).flatMap((o) => feishuMention(o) ?? []);
  if (mentioned.length) rows.push(mentioned.map((m) => ({ tag: "at", user_id: m })));
  if (p.groups.length) rows.push([text("Machines with links, by owner:")]);
  for (const g of p.groups) {
    rows.push(owner(g));
    for (const i of g.items) {
      rows.push([text(`• ${i.line}`)]);
      rows.push(
        i.links.flatMap((l, n) => [
          ...(n ? [text(" · ")] : [text("   ")]),
          { tag: "a", text: l.label, href: l.url } as const,
        ]),
      );
    }
  }
  if (p.overflow) {
    rows.push([
      text(
        "More machines with links: more than this robot takes in one run. Their links are in the run's report (--out, REPORT_DIR, or the log).",
      ),
    ]);
    for (const g of p.overflow.groups) rows.push(owner(g), [text(g.items.map((i) => i.short).join(", "))]);
    if (p.overflow.cut) rows.push([text(`• … and ${p.overflow.cut} more`)]);
  }
  const title = `${d.headline}${p.total > 1 ? ` (${p.number}/${p.total})` : ""}`;
  return { msg_type: "post", content: { post: { en_us: { title, content: rows } } } };
}
