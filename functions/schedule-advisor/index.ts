/**
 * schedule-advisor, declared once: from a fortnight of hourly use, the office-hours schedule that
 * would have kept each running pay-as-you-go machine (or group sharing a tag) running whenever it
 * was used, and what it would have saved. Read-only: its answers are findings; a person accepts
 * one through its signed link, whose button writes the `autopilot:office-hours` tag (accept-page.ts).
 */
import { ConfigError } from "../../lib/config/config.ts";
import { cellText } from "../../lib/report/report.ts";
import { resolveRegions } from "../../lib/runtime/regions.ts";
import { cents } from "../../lib/report/savings.ts";
import { defineFunction } from "../../lib/runtime/spec.ts";
import { acceptQuery } from "../../lib/snooze/accept-link.ts";
import { pages } from "../../lib/tencent/services.ts";
import { tagsOf } from "../../lib/tencent/normalize.ts";
import { loadCountryCalendars } from "../../lib/calendar/calendar.ts";
import { CALENDAR_HELP } from "../../lib/calendar/schedule-syntax.ts";
import { collect, fortnight } from "./collect.ts";
import { priceBook } from "../../lib/tencent/prices.ts";
import { loadConfig, SETTINGS, type ScheduleAdvisorConfig } from "./config.ts";
import {
  KINDS,
  OFFICE_HOURS_TAG,
  plan,
  type AdvisorDecision,
  type AdvisorDetail,
  type AdvisorKind,
  type Listed,
} from "./plan.ts";

/** Each run's priced saving, summed over the regions that completed (keyed by the run's context). */
const savings = new WeakMap<object, number>();

/** Machines planned at once when no group tag joins them: a page of DescribeInstances, so memory stays flat. */
const PAGE = 100;

export default defineFunction<
  ScheduleAdvisorConfig,
  AdvisorKind,
  never,
  { totalSaving?: number; currency?: string },
  AdvisorDetail
>({
  name: "schedule-advisor",
  description:
    "Propose office-hours schedules from 14 days of hourly use, priced: what each running pay-as-you-go machine would have saved",
  // Mondays 01:00 UTC (09:00 in Beijing): a fortnight of whole weeks before the working week.
  schedule: "0 1 * * 1",
  settings: SETTINGS,
  scope: (c) =>
    `running pay-as-you-go instances not on office hours${c.groupTag ? `, grouped by tag ${c.groupTag}` : ""}; calendar ${c.calendar.calendar}, ${c.calendar.timezone}`,
  // Reads; TagResources is the accept link's button (a person's POST), never a run's.
  calls: ["DescribeInstances", "GetMonitorData", "DescribeZoneInstanceConfigInfos", "TagResources"],
  loadConfig,
  kinds: KINDS,
  acceptLinks: true,
  // The proposal's name is the tag's value (`autopilot:office-hours=<schedule>`): kept at any width.
  columns: (c) => [
    { head: "hours in use", cell: (d) => cellText(d.detail?.hoursInUse) },
    // A proposal with no price says "unpriced" in its reason; other findings have no saving to show.
    { head: `saved ${c.currency}/14 d`, cell: (d) => cellText(d.detail?.saving) },
    { head: "schedule", cell: (d) => cellText(d.detail?.schedule), keep: true },
  ],
  async regions(ctx) {
    const unknown = await loadCountryCalendars([ctx.config.calendar.calendar]);
    if (unknown.length)
      throw new ConfigError([
        `SCHEDULE_ADVISOR_CALENDAR: "${unknown[0]}" is not a calendar date-holidays knows; ${CALENDAR_HELP}`,
      ]);
    return resolveRegions(ctx.config, ctx.client);
  },
  async decide(ctx, region) {
    const { config } = ctx;
    const window = fortnight(ctx.now);
    const lookUp = priceBook(ctx.client, ctx.logger, region, config.prices);
    // Findings go to the runner as they are made (never all held); the region's priced saving is
    // added to the run's total only once the region completes, as its findings are.
    let saving: number | undefined;
    let held: Listed[] = [];
    const flush = async () => {
      const machines = await collect(ctx.client, region, held, {
        window,
        prices: config.prices,
        lookUp,
        now: ctx.now,
      });
      held = [];
      for (const d of plan(machines, config, window.end.getTime())) {
        if (typeof d.detail?.saving === "number") saving = (saving ?? 0) + d.detail.saving;
        ctx.decided(d.action ? withLink(d, ctx) : d);
      }
    };
    // Two pages ahead, not the pager's four (memory): each page waits for its fifteen metric
    // queries (~0.75 s at 20 a second), so pages read further ahead only sat in the heap as raw
    // rows, ~20 strings each (heap snapshot at 100,000 machines: 5,000 rows, most of its strings).
    const running = {
      Filters: [
        { Name: "instance-state", Values: ["RUNNING"] },
        { Name: "instance-charge-type", Values: ["POSTPAID_BY_HOUR"] },
      ],
    };
    for await (const page of pages(ctx.client, "DescribeInstances", region, running, { ahead: 2 })) {
      for (const inst of page) {
        if (ctx.only && !ctx.only.has(inst.InstanceId)) continue;
        const on = tagsOf(inst).get(OFFICE_HOURS_TAG);
        if (on === undefined)
          held.push({
            InstanceId: inst.InstanceId,
            InstanceName: inst.InstanceName,
            InstanceType: inst.InstanceType,
            Placement: inst.Placement,
            CreatedTime: inst.CreatedTime,
            Tags: inst.Tags,
          });
        else
          ctx.decided({
            id: inst.InstanceId,
            region,
            name: inst.InstanceName,
            kind: "has-schedule",
            reason: `${OFFICE_HOURS_TAG}=${on}`,
          });
      }
      // A group may span pages: with a group tag the region is planned whole.
      if (!config.groupTag && held.length >= PAGE) await flush();
    }
    await flush();
    if (saving !== undefined) savings.set(ctx, (savings.get(ctx) ?? 0) + saving);
    return { decisions: [] };
  },
  extraLabels: { totalSaving: "saved in 14 days had every proposal been on", currency: "currency" },
  extras(_acting, _outcomes, ctx) {
    const total = savings.get(ctx);
    if (total === undefined) return {};
    return { totalSaving: cents(total), currency: ctx.config.currency };
  },
});

/** A proposal with its accept link: only with a link URL and WEBHOOK_SECRET, and never in a dry run (it would act). */
function withLink(
  d: AdvisorDecision,
  ctx: { config: ScheduleAdvisorConfig; now: Date; dryRun: boolean },
): AdvisorDecision {
  const { linkUrl, webhookSecret, linkDays } = ctx.config;
  if (d.kind !== "propose" || !linkUrl || !webhookSecret || ctx.dryRun || !d.detail.schedule || !d.detail.entry)
    return d;
  const query = acceptQuery(webhookSecret, {
    instance: d.id,
    region: d.region,
    account: "",
    schedule: d.detail.schedule,
    entry: d.detail.entry,
    exp: ctx.now.getTime() + linkDays * 86400_000,
  });
  return {
    ...d,
    detail: { ...d.detail, links: [{ label: `accept ${d.detail.schedule}`, url: `${linkUrl}/accept?${query}` }] },
  };
}
