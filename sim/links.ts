/**
 * Following a link as people and previewers do. A previewer (WeCom, DingTalk, Slack, Feishu)
 * fetches every link of a message with a GET and stops there. An owner follows it: a GET, and if
 * the page asks for a confirmation (a form that POSTs), the confirmation.
 */
import { zoneParts } from "../lib/zone-parts.ts";
export interface Followed {
  status: number;
  /** The text of the last page shown (tags stripped). */
  text: string;
  /** Whether a form was submitted. */
  posted: boolean;
}

const FORM = /<form\b[^>]*method=["']?post["']?[^>]*>([\s\S]*?)<\/form>/i;
const ACTION = /action=["']([^"']*)["']/i;
const INPUT = /<input\b[^>]*>/gi;
const attr = (tag: string, name: string) => new RegExp(`${name}=["']([^"']*)["']`, "i").exec(tag)?.[1];

const htmlText = (s: string) =>
  s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
const textOf = (html: string) =>
  htmlText(
    html
      .replace(/<(style|script)\b[\s\S]*?<\/\1>/gi, " ")
      .replace(/<[^>]+>/g, " ")
      .replace(/\s+/g, " "),
  ).trim();

async function fetchPage(url: string, init?: RequestInit): Promise<{ status: number; html: string }> {
  try {
    const res = await fetch(url, { redirect: "follow", ...init });
    return { status: res.status, html: await res.text() };
  } catch (err) {
    return { status: 0, html: `fetch failed: ${(err as Error).message}` };
  }
}

/** A previewer's fetch: one GET, nothing more. */
export async function preview(url: string): Promise<Followed> {
  const p = await fetchPage(url);
  return { status: p.status, text: textOf(p.html), posted: false };
}

/** An owner's follow: the GET, then the page's confirmation form if it has one. */
export async function follow(url: string): Promise<Followed> {
  const first = await fetchPage(url);
  const form = FORM.exec(first.html);
  if (!form) return { status: first.status, text: textOf(first.html), posted: false };
  const open = form[0].slice(0, form[0].indexOf(">") + 1);
  const target = new URL(htmlText(ACTION.exec(open)?.[1] ?? ""), url).toString();
  const fields = new URLSearchParams();
  for (const input of form[1]!.match(INPUT) ?? []) {
    const name = attr(input, "name");
    if (name) fields.set(htmlText(name), htmlText(attr(input, "value") ?? ""));
  }
  const second = await fetchPage(target, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: fields.toString(),
  });
  return { status: second.status, text: textOf(second.html), posted: true };
}

/** Wall-clock minutes in a zone to an instant (ms). */
function zoned(local: string, zone: string): number | undefined {
  const guess = Date.parse(`${local.replace(" ", "T")}Z`);
  if (Number.isNaN(guess)) return undefined;
  try {
    const p = zoneParts(guess, zone);
    return guess - (Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!) - guess);
  } catch {
    return undefined;
  }
}

/**
 * What a page promises: "keeps running until <time>" (or "already keeps running … until"), the
 * time written `2026-11-02T09:00Z` or `2026-11-02 17:00 (Asia/Shanghai)`. A page that only offers
 * it ("the button keeps it running until") or reports a dry run ("would keep running") promises nothing.
 */
export function keepsRunningUntil(text: string): number | undefined {
  const m =
    /(?:keeps running|is already kept running) until (\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2})(?::\d{2})?(Z| \(([^)]+)\))/.exec(
      text,
    );
  if (!m) return undefined;
  return m[2] === "Z" ? Date.parse(`${m[1]}Z`) : zoned(m[1]!, m[3]!);
}

/** A link's machine and kind, from its URL and label. */
export function linkOf(url: string, label: string): { instance: string; kind: "keep" | "stop" } | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  const instance = u.searchParams.get("instance") ?? /ins-[a-z0-9]{8}/.exec(url)?.[0];
  if (!instance) return undefined;
  const stop = /stop/i.test(label) || u.searchParams.get("until") === "stop";
  return { instance, kind: stop ? "stop" : "keep" };
}
