/**
 * The monthly digest: on the 1st (UTC, as the ledger's months are), the first timer run of any
 * function sends one message to NOTIFY_URLS with last month's realised savings, by owner, and the
 * dashboard's signed link when DASHBOARD_URL and WEBHOOK_SECRET make one. It runs after the
 * function's own run, on `serve`'s schedules and in the deployed functions' timers alike; a
 * marker in the history store (lib/history/once.ts) keeps it to one message a month however many
 * functions, retries or instances fire that day. A dry run sends nothing and writes no marker:
 * the figures go in the run's report only. Nothing here throws: a failure is logged and reported.
 */
import type { BaseConfig } from "../config/config.ts";
import { monthOf, previousMonth, readMonth } from "../history/month.ts";
import { claimOnce, markDone } from "../history/once.ts";
import { HistoryStoreError, type HistoryStore } from "../history/store.ts";
import type { Logger } from "../log/logger.ts";
import { monthlyDigestOf } from "../notify/monthly.ts";
import { notifyDigest } from "../notify/notify.ts";
import { redact, redactText } from "../log/redact.ts";
import type { Delivery, MonthlyDigestRecord, ReportBase } from "../report/report-head.ts";
import { dashboardLink } from "./dashboard-link.ts";

/** How long the digest's dashboard link stays valid: until past the next digest. */
export const DIGEST_LINK_DAYS = 45;

export interface DigestDeps {
  config: Pick<BaseConfig, "notify" | "dryRun" | "webhookSecret" | "dashboardUrl">;
  store: HistoryStore | undefined;
  logger: Logger;
  nowMs: () => number;
  sleep?: (ms: number) => Promise<void>;
}

// One digest check at a time in a process: serve's functions all fire at 00:00, and claims made
// in the same millisecond would be ordered by chance (once.ts).
let queue: Promise<unknown> = Promise.resolve();

/** Last month's digest, when it is the 1st and there is somewhere to send it; undefined otherwise. */
export function monthlyDigest(deps: DigestDeps): Promise<MonthlyDigestRecord | undefined> {
  const now = deps.nowMs();
  if (new Date(now).getUTCDate() !== 1 || !deps.store || !deps.config.notify.destinations.length)
    return Promise.resolve(undefined);
  const store = deps.store;
  const month = previousMonth(monthOf(now));
  const next = queue.then(() => digestOnce(month, store, deps));
  queue = next.catch(() => undefined);
  return next;
}

async function digestOnce(month: string, store: HistoryStore, deps: DigestDeps): Promise<MonthlyDigestRecord> {
  const { config, logger } = deps;
  const prefix = `digests/${month}/`;
  try {
    if (config.dryRun) {
      const { report } = await readMonth(store, month);
      return { month, status: "dry run: not sent", realised: report.realised, currency: report.currency };
    }
    const claim = await claimOnce(store, prefix, deps.nowMs);
    if (claim.state === "done") return { month, status: "already sent" };
    if (claim.state === "held") return { month, status: "being sent by another run" };
    const { report } = await readMonth(store, month);
    const link =
      config.dashboardUrl && config.webhookSecret
        ? dashboardLink(config.dashboardUrl, config.webhookSecret, deps.nowMs(), DIGEST_LINK_DAYS)
        : undefined;
    // A robot's error reply can quote its URL: redacted like every report.
    const deliveries = redact(
      await notifyDigest(config.notify, monthlyDigestOf(report, link), {
        logger,
        sleep: deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
      }),
    ) as Delivery[];
    const sent = deliveries.some((d) => d.ok);
    // Only a message that reached somewhere is marked: one that reached nowhere is tried again by a later run today.
    if (sent) await markDone(store, prefix, deps.nowMs(), { month, realised: report.realised, deliveries });
    const record: MonthlyDigestRecord = {
      month,
      status: sent ? "sent" : "not delivered",
      realised: report.realised,
      currency: report.currency,
      dashboardLink: link !== undefined,
      deliveries,
    };
    logger.info("monthly digest", { ...record });
    return record;
  } catch (err) {
    if (!(err instanceof HistoryStoreError)) logger.error("monthly digest failed", { err, month });
    else logger.warn("monthly digest: history store error", { err, month, where: store.where });
    return { month, status: "store error", error: redactText((err as Error).message) };
  }
}

/** A report with the digest's record added, when there is one. */
export const withDigest = <R extends ReportBase>(report: R, d: MonthlyDigestRecord | undefined): R =>
  d ? { ...report, monthlyDigest: d } : report;

/**
 * A platform timer's run, then the digest: it goes out whether or not the run failed (a failed
 * run's error is thrown again after it), and a digest that cannot even start (a configuration
 * that does not load) leaves the run's own answer as it was.
 */
export async function thenDigest<R extends ReportBase>(
  run: () => Promise<R>,
  digest: () => Promise<MonthlyDigestRecord | undefined>,
): Promise<R> {
  const safe = () => digest().catch(() => undefined);
  let report: R;
  try {
    report = await run();
  } catch (err) {
    await safe();
    throw err;
  }
  return withDigest(report, await safe());
}
