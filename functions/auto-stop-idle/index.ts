/** auto-stop-idle, declared once: stop pay-as-you-go instances that have been idle, within a blast-radius guard. */
import { ConfigError } from "../../lib/config/config.ts";
import { defineFunction } from "../../lib/runtime/spec.ts";
import { cellText } from "../../lib/report/report.ts";
import { carriedOut, cents, unpricedSummary } from "../../lib/report/savings.ts";
import { shareOf } from "../../lib/runtime/guard.ts";
import { awaitedLater } from "../../lib/settle.ts";
import { applyStops } from "./apply.ts";
import { applyWarnings } from "../../lib/snooze/warnings.ts";
import { warnLinks } from "./warn-links.ts";
import { decideRegion, scopeQueries } from "./collect.ts";
import { candidateLimits } from "./candidates.ts";
import { busyMemory } from "./busy-store.ts";
import { provisionAlarms } from "./provision.ts";
import { loadConfig, SCHEDULE, SETTINGS } from "./config.ts";
import { tagText } from "../../lib/runtime/scope-words.ts";
import { guard, KINDS } from "./plan.ts";
import { key, lookUpPrices, priceOf, type PriceSteps } from "../../lib/tencent/prices.ts";

const HOURS_PER_MONTH = 30 * 24;

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
    // Each machine to stop carries its hourly price (AUTO_STOP_PRICES, else the API's), looked up
    // once for the region, so the report and table show the saving per instance. The lookup
    // starts as soon as a stop is likely, for every type that could be stopped, so it runs beside
    // the traffic queries rather than adding a round trip before the first stop.
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
    // A warning carries its signed links (keep running / stop now) into the report and the message;
    // a dry run writes no warning, so it hands out no link that could act on one.
    const { linkUrl, webhookSecret } = ctx.config;
    if (linkUrl && webhookSecret && !ctx.dryRun) {
      for (const d of decisions)
        if (d.action === "warn")
          d.detail = {
            ...d.detail,
            links: warnLinks(d, {
              base: linkUrl,
              secret: webhookSecret,
              now: ctx.now,
              zone: ctx.config.policy.timeZone,
            }),
          };
    }
    const stops = decisions.filter((d) => d.action === "stop");
    if (stops.length) {
      const at = (d: (typeof stops)[number]) => ({
        region,
        zone: String(d.detail?.zone ?? ""),
        type: String(d.detail?.instanceType ?? ""),
      });
      const looked = await (early ?? lookUp(stops.map((d) => at(d).type)));
      for (const d of stops) {
        const born = Date.parse(String(d.detail?.createdTime ?? ""));
        const price = priceOf(
          at(d),
          ctx.config.policy.prices,
          looked,
          Number.isFinite(born) ? (ctx.now.getTime() - born) / 3600_000 : undefined,
        );
        // The steps go with the price: the ledger prices each hour a machine stays stopped at its own step.
        const own = ctx.config.policy.prices.get(at(d).type);
        const steps = own !== undefined ? { first: own } : looked.get(key(at(d)));
        if (price !== undefined)
          d.detail = { ...d.detail, hourlyPrice: price, currency: ctx.config.policy.currency, priceSteps: steps };
      }
    }
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
    return {
      currency: ctx.config.policy.currency,
      estimatedHourlySavings: cents(hourly),
      // A month at this rate: 30 days, as Tencent Cloud's monthly prices count it.
      estimatedMonthlySavings: cents(hourly * HOURS_PER_MONTH),
      ...unpricedSummary(unpriced),
    };
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
