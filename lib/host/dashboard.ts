/**
 * `GET /dashboard?exp=…&sig=…`, the same on `serve` and on every function URL (SCF and Lambda):
 * never open. Without WEBHOOK_SECRET the dashboard is off and says which variable turns it on;
 * without a valid signed link (dashboard-link.ts) it answers 403 and shows nothing. It only reads
 * the history store (and the office-hours schedules from config): a GET that acts on nothing,
 * so a chat app's link preview changes nothing either. The figures come from readMonth, the
 * same reading `cvm-autopilot savings` prints.
 */
import type { Logger } from "../log/logger.ts";
import { monthOf, previousMonth, readMonth } from "../history/month.ts";
import { HistoryStoreError, type HistoryStore } from "../history/store.ts";
import type { Upcoming } from "../runtime/spec.ts";
import type { LoadedFunction } from "../runtime/entry.ts";
import { dashboardLinkProblem } from "./dashboard-link.ts";
import type { HttpReply } from "./platform-events.ts";
import { dashboardPage, plainPage } from "./dashboard-page.ts";

export interface DashboardTarget {
  /** WEBHOOK_SECRET (may throw: a configuration that does not load). */
  secret(): string | undefined;
  /** The history store this host keeps, or undefined for none. */
  store(): HistoryStore | undefined;
  /** The next office-hours actions, when a function served here has schedules; undefined otherwise. */
  upcoming(now: Date): Promise<Upcoming[]> | undefined;
}

export interface DashboardAnswer {
  status: number;
  headers: Record<string, string>;
  html: string;
}

/** The next actions of every function given that has schedules of its own (office-hours), soonest first; undefined for none. */
export function upcomingOf(fns: readonly LoadedFunction[], now: Date): Promise<Upcoming[]> | undefined {
  const withSchedules = fns.filter((f) => f.upcoming);
  if (!withSchedules.length) return undefined;
  return Promise.all(withSchedules.map((f) => f.upcoming!(now, NEXT_ACTIONS))).then((all) =>
    all.flat().sort((a, b) => a.at - b.at),
  );
}

/** The latest runs the page lists. */
const RECENT_RUNS = 12;
/** Office-hours actions listed. */
const NEXT_ACTIONS = 6;

// No caching (the page is the state now), no referrer (the link carries its signature), and no
// script, frame or remote load of any kind: the page is inline style and inline SVG only.
const HEADERS = {
  "Content-Type": "text/html; charset=utf-8",
  "Cache-Control": "no-store",
  "Referrer-Policy": "no-referrer",
  "X-Robots-Tag": "noindex",
  "X-Content-Type-Options": "nosniff",
  "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
};
const reply = (status: number, html: string): DashboardAnswer => ({ status, headers: { ...HEADERS }, html });

type Req = { method: string; query: string; requestId?: string | undefined };

export async function answerDashboard(
  req: Req,
  target: DashboardTarget,
  o: { logger: Logger; nowMs: () => number },
): Promise<DashboardAnswer> {
  const method = req.method.toUpperCase();
  if (method !== "GET" && method !== "HEAD")
    return reply(405, plainPage("Use GET", ["The dashboard only shows; it takes no other method."]));
  let secret: string | undefined;
  try {
    secret = target.secret();
  } catch (err) {
    o.logger.error("configuration invalid", { err, endpoint: "dashboard" });
    return reply(500, plainPage("Dashboard unavailable", ["The configuration does not load: see the log."]));
  }
  if (!secret)
    return reply(
      404,
      plainPage("The dashboard is off", [
        "Set WEBHOOK_SECRET (at least 32 characters, e.g. from `openssl rand -hex 32`) to turn it on.",
        "Then `cvm-autopilot dashboard --url` prints its signed link.",
      ]),
    );
  const problem = dashboardLinkProblem(secret, new URLSearchParams(req.query), o.nowMs());
  if (problem) {
    o.logger.warn("dashboard link refused", { problem, invocationId: req.requestId });
    return reply(
      403,
      plainPage("Not allowed", [
        `This page opens only from a signed dashboard link (${problem}).`,
        "Ask the operator for a fresh one: `cvm-autopilot dashboard --url`.",
      ]),
    );
  }
  return showDashboard(target, o);
}

/** The page, once the link is checked: both months from the store, the latest runs, and the schedules. */
async function showDashboard(target: DashboardTarget, o: { logger: Logger; nowMs: () => number }) {
  const store = target.store();
  if (!store)
    return reply(
      200,
      plainPage("No history is kept here", [
        "Set HISTORY_BUCKET (cos://name-appid or s3://name) so runs are recorded; `serve` keeps a local directory by default.",
      ]),
    );
  const nowMs = o.nowMs();
  const month = monthOf(nowMs);
  try {
    const [now, last] = await Promise.all([readMonth(store, month), readMonth(store, previousMonth(month))]);
    const upcoming = await Promise.resolve(target.upcoming(new Date(nowMs)))
      .then((u) => u?.slice(0, NEXT_ACTIONS))
      .catch((err: unknown) => {
        o.logger.warn("office-hours schedules not read for the dashboard", { err });
        return undefined;
      });
    const runs = [...now.records, ...last.records]
      .sort((a, b) => b.startedAt.localeCompare(a.startedAt))
      .slice(0, RECENT_RUNS);
    return reply(
      200,
      dashboardPage({ nowMs, thisMonth: now.report, lastMonth: last.report, runs, upcoming, where: store.where }),
    );
  } catch (err) {
    if (!(err instanceof HistoryStoreError)) throw err;
    o.logger.error("dashboard: history not read", { err, where: store.where });
    return reply(
      503,
      plainPage("History not readable", [
        `${store.where} answered ${err.code}; the page will show once it reads again.`,
      ]),
    );
  }
}

/** Whether a function URL's path is the dashboard's. */
export const isDashboardPath = (path: string) => /\/dashboard$/.test(path);

/** A function URL's `/dashboard` (SCF or Lambda), as the platform's HTTP reply. */
export async function dashboardReply(
  req: Req,
  target: DashboardTarget,
  o: { logger: Logger; nowMs: () => number },
): Promise<HttpReply> {
  const a = await answerDashboard(req, target, o);
  return {
    statusCode: a.status,
    headers: a.headers,
    body: req.method.toUpperCase() === "HEAD" ? "" : a.html,
    isBase64Encoded: false,
  };
}
