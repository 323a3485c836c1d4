/**
 * A warning's links: "keep running 2 h", "keep running until <date> 09:00" (the next such
 * morning in AUTO_STOP_TIMEZONE) and "stop now", each signed for one instance and the running
 * period the warning is about, expiring with the warning (its stop-after time plus
 * WARNING_VALID_MS). Links are made only with AUTO_STOP_LINK_URL and WEBHOOK_SECRET both set,
 * and never in a dry run. Following one shows a page; only its button (a POST) acts.
 */
import { linkQuery, parseInstant, type SnoozeLink } from "../../lib/snooze/snooze.ts";
import { WARNING_VALID_MS } from "../../lib/snooze/warning-tag.ts";
import type { Decision } from "./plan.ts";
import { zoneParts } from "../../lib/zone-parts.ts";

export interface WarnLink {
  label: string;
  url: string;
}

/** The next 09:00 in `zone` at least an hour after `now` (at 04:30 that is this morning's; at 08:30, tomorrow's), and its local date. */
export function nextNine(now: Date, zone: string): { at: number; date: string } {
  const parts = (ms: number) => zoneParts(new Date(ms), zone);
  const p = parts(now.getTime());
  const offset =
    Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!) - Math.floor(now.getTime() / 60_000) * 60_000;
  // This morning's 09:00 if an hour or more away, else tomorrow's (always more than nine hours away).
  const today = Date.UTC(+p.year!, +p.month! - 1, +p.day!, 9, 0) - offset;
  const at = today >= now.getTime() + 3600_000 ? today : today + 86_400_000;
  return { at, date: new Date(at + offset).toISOString().slice(0, 10) };
}

export function warnLinks(d: Decision, o: { base: string; secret: string; now: Date; zone: string }): WarnLink[] {
  const at = parseInstant(String(d.detail?.stopAfter ?? ""));
  if (at === undefined) return [];
  const exp = at + WARNING_VALID_MS;
  const run = String(d.detail?.runningPeriod ?? "none");
  const link = (until: SnoozeLink["until"]) =>
    `${o.base}/snooze?${linkQuery(o.secret, { instance: d.id, region: d.region, account: "", until, exp, run })}`;
  const nine = nextNine(o.now, o.zone);
  return [
    { label: "keep running 2 h", url: link(o.now.getTime() + 2 * 3600_000) },
    { label: `keep running until ${nine.date} 09:00`, url: link(nine.at) },
    { label: "stop now", url: link("stop") },
  ];
}

/**
 * Each warning decision with its signed links (keep running / stop now), for the report and the
 * message; none in a dry run, which writes no warning and so hands out no link that could act on one.
 */
export function withWarnLinks(
  decisions: Decision[],
  o: { linkUrl?: string | undefined; webhookSecret?: string | undefined; dryRun: boolean; now: Date; zone: string },
): void {
  const { linkUrl, webhookSecret } = o;
  if (!linkUrl || !webhookSecret || o.dryRun) return;
  for (const d of decisions)
    if (d.action === "warn")
      d.detail = Object.assign({}, d.detail, {
        links: warnLinks(d, { base: linkUrl, secret: webhookSecret, now: o.now, zone: o.zone }),
      });
}
