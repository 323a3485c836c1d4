/**
 * The small HTML pages a snooze link answers with, made for a phone: the machine (name, id,
 * owner, region, state now), what is true now, and at most one button (a form that POSTs). No
 * external assets: the style is inline, so the page shows the same on any network.
 */
import type { SnoozeLink } from "./snooze.ts";
import type { Instance } from "../tencent/data-types.ts";
import type { Lang, Words } from "./snooze-words.ts";

export interface SnoozeAnswer {
  status: number;
  html: string;
}

/** The machine as the page's head shows it. */
export interface Card {
  name: string;
  id: string;
  owner: string | undefined;
  region: string;
  state: string;
  running: boolean;
}

/** What every answer about a machine knows: the link, the machine now, and how to name it. */
export interface LinkCase {
  link: SnoozeLink;
  /** The link's canonical query, for the confirm button. */
  query: string;
  inst: Instance;
  /** The machine's name, or its id when it has none. */
  name: string;
  /** "name (id) in region", or "id in region" for an unnamed machine. */
  who: string;
  /** The machine's state now, in words. */
  stateNow: string;
  /** Its snooze now, in words, or "". */
  snoozeNow: string;
  /** Until when its snooze keeps it running now (ms), when one does. */
  snoozeUntil: number | undefined;
  post: boolean;
  nowMs: number;
  lang: Lang;
  w: Words;
  /** An instant in the function's zone (AUTO_STOP_TIMEZONE), the zone named. */
  when: (ms: number) => string;
  card: Card;
}

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

const STYLE = [
  'body{margin:0;background:#f4f5f7;color:#1d2129;font:16px/1.5 -apple-system,system-ui,"PingFang SC","Microsoft YaHei",sans-serif}',
  // A tenant's machine name may have no place to break (InstanceName allows 128 characters): break it anywhere rather than scroll sideways on a phone.
  "main{max-width:34rem;margin:0 auto;padding:1rem;overflow-wrap:anywhere}",
  "h1{font-size:1.3rem;margin:.25rem 0 1rem}",
  "dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem .75rem;background:#fff;border-radius:.5rem;padding:.75rem 1rem;margin:0 0 1rem}",
  "dt{color:#86909c}dd{margin:0;word-break:break-all}",
  ".on{color:#00a870;font-weight:600}.off{color:#86909c;font-weight:600}",
  "p{background:#fff;border-radius:.5rem;padding:.75rem 1rem;margin:0 0 .75rem}",
  "button{width:100%;font:inherit;font-weight:600;padding:.9rem;border:0;border-radius:.5rem;background:#0052d9;color:#fff}",
].join("");

function cardHtml(c: Card, w: Words): string {
  const row = (label: string, value: string, cls = "") =>
    `<dt>${esc(label)}</dt><dd${cls ? ` class="${cls}"` : ""}>${esc(value)}</dd>`;
  return `<dl>${row(w.labels.id, c.id)}${c.owner ? row(w.labels.owner, c.owner) : ""}${row(w.labels.region, c.region)}${row(w.labels.state, c.state, c.running ? "on" : "off")}</dl>`;
}

/** A page: a title, the machine when known, its lines (empty ones left out), and a button that POSTs the same link when the link may act. */
export function page(
  title: string,
  lines: readonly string[],
  button?: { label: string; query: string },
  o: { lang?: Lang; card?: Card | undefined; w?: Words } = {},
): string {
  const form = button
    ? `<form method="post" action="?${esc(button.query)}"><button type="submit">${esc(button.label)}</button></form>`
    : "";
  const body = lines
    .filter((l) => l)
    .map((l) => `<p>${esc(l)}</p>`)
    .join("");
  const card = o.card && o.w ? cardHtml(o.card, o.w) : "";
  const lang = o.lang === "zh" ? "zh-CN" : "en";
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${esc(title)}</title><style>${STYLE}</style></head><body><main><h1>${esc(title)}</h1>${card}${body}${form}</main></body></html>\n`;
}

/** A 200 page about the machine of a link. */
export const ok = (c: LinkCase, title: string, lines: readonly string[], button?: string): SnoozeAnswer => ({
  status: 200,
  html: page(title, lines, button ? { label: button, query: c.query } : undefined, {
    lang: c.lang,
    card: c.card,
    w: c.w,
  }),
});

/** A page about the machine of a link, with another status. */
export const answer = (c: LinkCase, status: number, title: string, lines: readonly string[]): SnoozeAnswer => ({
  status,
  html: page(title, lines, undefined, { lang: c.lang, card: c.card, w: c.w }),
});
