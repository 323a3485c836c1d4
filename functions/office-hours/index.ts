/** office-hours, declared once: start and stop instances on their schedule, with holiday calendars. */
import { shareOf } from "../../lib/runtime/guard.ts";
import type { RunReport } from "../../lib/report/report.ts";
import { defineFunction } from "../../lib/runtime/spec.ts";
import { cellText } from "../../lib/report/report.ts";
import { pages } from "../../lib/tencent/services.ts";
import { applyOfficeHours } from "./apply.ts";
import { ConfigError } from "../../lib/config/config.ts";
import { resolveRegions } from "../../lib/runtime/regions.ts";
import { loadCountryCalendars } from "../../lib/calendar/calendar.ts";
import { CALENDAR_HELP, loadConfig, SETTINGS } from "./config.ts";
import { tagText } from "../../lib/runtime/scope-words.ts";
import { cnDataNotice } from "../../lib/calendar/cn-calendar.ts";
import { decide, guard, KINDS, scheduleNow, type OfficeDecision, type ScheduleNow } from "./plan.ts";
import type { OfficeHoursConfig } from "./config.ts";
import { carriedOut, cents, unpricedSummary } from "../../lib/report/savings.ts";
import { upcomingActions } from "./upcoming.ts";

export type OfficeHoursReport = RunReport;

export default defineFunction({
  name: "office-hours",
  description:
    "Start and stop tagged instances on their working-hours schedule, with holiday calendars (China's make-up workdays included)",
  // Every 5 minutes, so starts and stops land within minutes of each period's edges.
  schedule: "*/5 * * * *",
  settings: SETTINGS,
  scope: (c) =>
    `instances tagged ${c.tagKey}=<schedule> (${[...c.schedules.keys()].join(", ")}), not tagged ${tagText(c.optOutTag)}`,
  // Starts and stops machines, and records its last action (and warnings) in a tag.
  calls: ["DescribeInstances", "StartInstances", "StopInstances", "TagResources"],
  loadConfig,
  kinds: KINDS,
  columns: () => [
    { head: "schedule", cell: (d) => cellText(d.detail?.schedule) },
    { head: "type", cell: (d) => cellText(d.detail?.instanceType) },
  ],
  async regions(ctx) {
    // Country calendars load once, before anything is decided; an unknown code stops the run as a configuration error.
    const unknown = await loadCountryCalendars([...ctx.config.schedules.values()].map((s) => s.calendar));
    if (unknown.length)
      throw new ConfigError(
        unknown.map(
          (c) =>
            `OFFICE_HOURS_SCHEDULES: calendar "${c}" is not a country or region date-holidays knows; ${CALENDAR_HELP}`,
        ),
      );
    return resolveRegions(ctx.config, ctx.client);
  },
  async decide(ctx, region) {
    const { config } = ctx;
    const schedules = schedulesAt(config, ctx.now);
    const decisions: OfficeDecision[] = [];
    // Only instances that opted in, by the tag's key (server side).
    for await (const page of pages(ctx.client, "DescribeInstances", region, {
      Filters: [{ Name: "tag-key", Values: [config.tagKey] }],
    })) {
      for (const inst of page) {
        if (ctx.only && !ctx.only.has(inst.InstanceId)) continue;
        // The row is fresh from its page: its region is added in place, not copied with its ~40 fields.
        const d = decide(Object.assign(inst, { Region: region }), config, schedules, ctx.now);
        // Machines already as scheduled go to the runner at once; only those to start or stop are held.
        if (d.action) decisions.push(d);
        else ctx.decided(d);
      }
    }
    return { decisions };
  },
  guard: (summary, config) => guard(summary, config),
  guardHelp:
    "check the starts and stops listed are right, then raise OFFICE_HOURS_MAX_COUNT or OFFICE_HOURS_MAX_FRACTION",
  shareLimits: (config, shards) => ({ ...config, maxCount: shareOf(config.maxCount, shards) }),
  apply: (ctx, acting) =>
    applyOfficeHours(ctx.client, acting, {
      stoppedMode: ctx.config.stoppedMode,
      stateTagKey: ctx.config.stateTagKey,
      now: ctx.now,
      webhookSecret: ctx.config.webhookSecret,
    }),
  notices(ctx) {
    if (![...ctx.config.schedules.values()].some((s) => s.calendar === "CN")) return [];
    const n = cnDataNotice(ctx.now);
    if (!n) return [];
    ctx.logger.warn(n.notice, { advice: n.advice });
    return [n.notice];
  },
  upcoming: upcomingActions,
  extraLabels: {
    estimatedSaving: "estimated saving until the schedule next starts them",
    unpriced: "stops with no price",
    unpricedTypes: "instance types with no price",
  },
  extras(acting, outcomes, ctx): { estimatedSaving?: number; unpriced?: number; unpricedTypes?: string[] } {
    if (!ctx.config.prices.size) return {};
    // What the stops save until the schedule next wants the machines running, at AUTO_STOP-style
    // prices. A pay-as-you-go machine whose type has no price is counted and named, never free.
    const stopped = carriedOut(acting, outcomes, ctx.dryRun, "stop");
    const total = stopped.reduce((s, d) => s + Number(d.detail?.estimatedSaving ?? 0), 0);
    const unpriced = stopped
      .filter((d) => d.detail?.estimatedSaving === undefined && d.detail?.prepaid !== true)
      .map((d) => String(d.detail?.instanceType ?? ""));
    return { estimatedSaving: cents(total), ...unpricedSummary(unpriced) };
  },
});

/**
 * Every schedule's verdict at `now`, once per run: the regions of a run share one instant, and
 * finding when a schedule last changed scans up to a month of minutes.
 */
const verdicts = new WeakMap<OfficeHoursConfig, { at: number; map: Map<string, ScheduleNow> }>();
function schedulesAt(config: OfficeHoursConfig, now: Date): Map<string, ScheduleNow> {
  const have = verdicts.get(config);
  if (have?.at === now.getTime()) return have.map;
  const map = new Map([...config.schedules].map(([name, s]) => [name, scheduleNow(s, now)]));
  verdicts.set(config, { at: now.getTime(), map });
  return map;
}
