/** The small HTML pages a snooze link answers with: what is true now, and at most one button (a form that POSTs). */
import type { SnoozeLink } from "../snooze/snooze.ts";
import type { Instance } from "../tencent/data-types.ts";

export interface SnoozeAnswer {
  status: number;
  html: string;
}

/** What every answer about a machine knows: the link, the machine now, and how to name it. */
export interface LinkCase {
  link: SnoozeLink;
  /** The link's canonical query, for the confirm button. */
  query: string;
  inst: Instance;
  /** "name (id) in region", or "id in region" for an unnamed machine. */
  who: string;
  /** The machine's state now, in words. */
  stateNow: string;
  /** Its snooze now, in words, or "". */
  snoozeNow: string;
  post: boolean;
  nowMs: number;
}

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** A page: a title, its lines (empty ones left out), and a button that POSTs the same link when the link may act. */
export function page(title: string, lines: string[], button?: { label: string; query: string }): string {
  const form = button
    ? `<form method="post" action="?${esc(button.query)}"><button type="submit">${esc(button.label)}</button></form>`
    : "";
  const body = lines
    .filter((l) => l)
    .map((l) => `<p>${esc(l)}</p>`)
    .join("");
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${esc(title)}</title></head><body><h1>${esc(title)}</h1>${body}${form}</body></html>\n`;
}

export const ok = (title: string, lines: string[], button?: { label: string; query: string }): SnoozeAnswer => ({
  status: 200,
  html: page(title, lines, button),
});
