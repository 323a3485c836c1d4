/** auto-stop-idle, declared once: stop pay-as-you-go instances that have been idle, within a blast-radius guard. */
import { ConfigError } from "../../lib/config/config.ts";
import { defineFunction } from "../../lib/runtime/spec.ts";
import { cellText } from "../../lib/report/report.ts";
import { carriedOut, estimatedSavings } from "../../lib/report/savings.ts";
import { shareOf } from "../../lib/runtime/guard.ts";
import { awaitedLater } from "../../lib/settle.ts";
import { applyStops } from "./apply.ts";
import { applyWarnings } from "../../lib/snooze/warnings.ts";
import { withWarnLinks } from "./warn-links.ts";
import { priceStops } from "./stop-prices.ts";
import { scopeQueries } from "./queries.ts";
import { decideRegion } from "./region-decider.ts";
import { candidateLimits } from "./candidates.ts";
import { busyMemory } from "./busy-store.ts";
import { provisionAlarms } from "./provision.ts";
import { loadConfig, SCHEDULE, SETTINGS } from "./config.ts";
import { tagText } from "../../lib/runtime/scope-words.ts";
import { KINDS } from "./plan.ts";
import { guard } from "./guard.ts";
import { lookUpPrices, type PriceSteps } from "../../lib/tencent/prices.ts";

export default defineFunction({
  name: "auto-stop-idle",
  // The demo fleet's idle machines are S5.MEDIUM4: with a price the plan shows the hourly saving.
  demoSettings: { AUTO_STOP_PRICES: "S5.MEDIUM4=0.23" },
  description: "Stop pay-as-you-go instances whose CPU and outbound traffic stayed low over the look-back window",
  schedule: SCHEDULE,
  settings: SETTINGS,
  scope: ({ policy: p }) =>
    [
      `pay-as-you-go instances${p.includeTags.length ? ` tagged ${p.includeTags.map(tagText).join(" or ")}` : ""}`,
      p.namePattern ? `named like ${p.namePattern.pattern()}` : "",
      p.projects.length ? `in project(s) ${p.projects.join(", ")}` : "",
      `not tagged ${tagText(p.optOutTag)}`,
      `idle below ${p.cpuThreshold}% CPU and ${p.networkThresholdMbps} Mbps for ${p.lookbackMinutes} min`,
    ]
      .filter(Boolean)
      .join(", "),
  // Reads instances, metrics, prices and (AUTO_STOP_SOURCE=alarms) alarm histories; stops, tags warnings and snoozes.
  calls: [
    "DescribeInstances",
    "GetMonitorData",
    "DescribeZoneInstanceConfigInfos",
    "DescribeAlarmMetrics",
    "DescribeAlarmPolicies",
    "DescribeAlarmHistories",
    "StopInstances",
    "TagResources",
  ],
  loadConfig,
  kinds: KINDS,
  async decide(ctx, region) {
    if (scopeQueries(ctx.config.policy)[0]!.length > 10) {
      throw new ConfigError([
        "AUTO_STOP_INCLUDE_TAGS: at most 7 distinct tag keys (DescribeInstances takes 10 filters)",
      ]);
    }
    // Stops are priced (stop-prices.ts) by a lookup that starts as soon as a stop is likely, for
    // every type that could be stopped, so it runs beside the traffic queries rather than adding a
    // round trip before the first stop.
    const lookUp = (types: Iterable<string>) =>
      lookUpPrices(ctx.client, ctx.logger, region, types, ctx.config.policy.prices);
    const sourced = await candidateLimits(ctx, region);
    if ("problem" in sourced) return { decisions: [], errors: [sourced.problem] };
    // Machines seen busy lately are not queried again until they could be idle (busy-store.ts).
    const remembered = await busyMemory(ctx, region);
    let early: Promise<Map<string, PriceSteps>> | undefined;
    let decisions: Awaited<ReturnType<typeof decideRegion>>;
    try {
      decisions = await decideRegion(
        ctx.client,
        region,
        ctx.config.policy,
        ctx.now,
        ctx.only,
        (d) => ctx.decided(d),
        // Started beside the traffic queries and awaited below: handled from the start, so even a
        // lookup that rejected could not end the process before its await.
        (types) => void (early = awaitedLater(lookUp(types))),
        { ...sourced.limits, memory: remembered.memory },
      );
    } finally {
      // A region that fails leaves nothing running on (the lookup never rejects: it reports unpriced).
      await early;
    }
    withWarnLinks(decisions, {
      ...ctx.config,
      dryRun: ctx.dryRun,
      now: ctx.now,
      zone: ctx.config.policy.timeZone,
    });
    await priceStops(decisions, region, ctx.config.policy, ctx.now, (types) => early ?? lookUp(types));
    // Kept once the region is decided (a region that failed keeps nothing); a store error is reported, never thrown.
    const errors = [...remembered.errors, ...(await remembered.keep())];
    return {
      decisions,
      ...(errors.length ? { errors } : {}),
      ...(sourced.notes.length ? { notes: { alarmPolicy: sourced.notes } } : {}),
    };
  },
  // Where and what each machine is, and what stopping it saves an hour (none known: "unpriced").
  columns: (config) => [
    { head: "zone", cell: (d) => cellText(d.detail?.zone) },
    { head: "type", cell: (d) => cellText(d.detail?.instanceType) },
    {
      head: `${config.policy.currency}/hour`,
      cell: (d) => (typeof d.detail?.hourlyPrice === "number" ? String(d.detail.hourlyPrice) : ""),
      missing: "unpriced",
    },
  ],
  extraLabels: {
    currency: "currency",
    estimatedHourlySavings: "estimated savings an hour",
    estimatedMonthlySavings: "estimated savings a month at this rate",
    unpriced: "stops with no price",
    unpricedTypes: "instance types with no price",
  },
  guard: (summary, config) => guard(summary, config.policy),
  // deploy keeps the idle alarm policies of AUTO_STOP_SOURCE=alarms (none in polling mode).
  provision: provisionAlarms,
  // Cloud Monitor may push an alarm (unsigned): the named machine is verified like any candidate.
  alarmCallback: true,
  // A warning's signed links: keep one machine running for a while, or stop it now.
  snoozeLinks: true,
  guardHelp:
    "check the stops listed are right, then raise AUTO_STOP_MAX_COUNT or AUTO_STOP_MAX_FRACTION, or set AUTO_STOP_OVERRIDE_GUARD=true for one run",
  // The metric budget is not shared out here: it is each account's, and decide splits it by the
  // account's configured regions, which a shard knows as well as a whole run does.
  shareLimits: (config, shards) => ({
    ...config,
    policy: { ...config.policy, maxCount: shareOf(config.policy.maxCount, shards) },
  }),
  async apply(ctx, acting) {
    const out = await applyStops(
      ctx.client,
      acting.filter((d) => d.action === "stop"),
      { stoppedMode: ctx.config.stoppedMode, stopType: ctx.config.stopType },
    );
    for (const [k, o] of await applyWarnings(
      ctx.client,
      acting.filter((d) => d.action === "warn"),
      { fn: "auto-stop-idle", secret: ctx.config.webhookSecret },
    ))
      out.set(k, o);
    return out;
  },
  extras(acting, outcomes, ctx): AutoStopExtras {
    // Estimated savings of what was stopped (or would be, in a dry run), from each decision's
    // price. A type with no price is counted and named, never free.
    const counted = carriedOut(acting, outcomes, ctx.dryRun, "stop");
    if (!counted.length) return {};
    let hourly = 0;
    const unpriced: string[] = [];
    for (const d of counted) {
      const price = d.detail?.hourlyPrice;
      if (typeof price === "number") hourly += price;
      else unpriced.push(String(d.detail?.instanceType ?? ""));
    }
    return estimatedSavings(ctx.config.policy.currency, hourly, unpriced);
  },
});

/** Estimated savings of a run's stops, when prices are known. */
export type AutoStopExtras = {
  currency?: string;
  estimatedHourlySavings?: number;
  estimatedMonthlySavings?: number;
  unpriced?: number;
  unpricedTypes?: string[];
};

/** The report of a run: the one vocabulary, plus estimated savings when prices are set. */
export type AutoStopReport = import("../../lib/report/report.ts").RunReport & { extras: AutoStopExtras };
