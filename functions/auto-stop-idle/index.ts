/** auto-stop-idle, declared once: stop pay-as-you-go instances that have been idle, within a blast-radius guard. */
import { ConfigError } from "../../lib/config/config.ts";
import { defineFunction } from "../../lib/runtime/spec.ts";
import { applyStops } from "./apply.ts";
import { decideRegion, scopeQueries } from "./collect.ts";
import { loadConfig, VARIABLES } from "./config.ts";
import { guard, KINDS } from "./plan.ts";

const HOURS_PER_MONTH = 30 * 24;

export default defineFunction({
  name: "auto-stop-idle",
  description: "Stop pay-as-you-go instances whose CPU and outbound traffic stayed low over the look-back window",
  schedule: "*/15 * * * *",
  variables: VARIABLES,
  loadConfig,
  kinds: KINDS,
  async decide(ctx, region) {
    if (scopeQueries(ctx.config.policy)[0]!.length > 10) {
      throw new ConfigError(["AUTO_STOP_INCLUDE_TAGS: at most 7 distinct tag keys (DescribeInstances takes 10 filters)"]);
    }
    return { decisions: await decideRegion(ctx.client, region, ctx.config.policy, ctx.now, ctx.only) };
  },
  guard: (summary, config) => guard(summary, config.policy),
  apply: (ctx, acting) => applyStops(ctx.client, acting, { stoppedMode: ctx.config.stoppedMode, stopType: ctx.config.stopType }),
  extras(acting, outcomes, ctx) {
    // Estimated savings of what was stopped (or would be, in a dry run), from AUTO_STOP_PRICES.
    // A type with no price is counted and named, never taken as free.
    const { prices, currency } = ctx.config.policy;
    if (!prices.size) return {};
    const counted = acting.filter((d) => d.action === "stop" && (ctx.dryRun || outcomes.get(`${d.region}/${d.id}`)?.status === "done"));
    let hourly = 0;
    const unpriced = new Map<string, number>();
    for (const d of counted) {
      const type = String(d.detail?.instanceType ?? "");
      const price = prices.get(type);
      if (price === undefined) unpriced.set(type, (unpriced.get(type) ?? 0) + 1);
      else hourly += price;
    }
    const cents = (n: number) => Math.round(n * 100) / 100;
    return {
      currency,
      estimatedHourlySavings: cents(hourly),
      // A month at this rate: 30 days, as Tencent Cloud's monthly prices count it.
      estimatedMonthlySavings: cents(hourly * HOURS_PER_MONTH),
      unpriced: [...unpriced.values()].reduce((a, b) => a + b, 0),
      ...(unpriced.size ? { unpricedTypes: [...unpriced.keys()].sort() } : {}),
    };
  },
});

/** The report of a run: the one vocabulary, plus estimated savings when prices are set. */
export type AutoStopReport = import("../../lib/runtime/report.ts").RunReport & {
  extras: { currency?: string; estimatedHourlySavings?: number; estimatedMonthlySavings?: number; unpriced?: number; unpricedTypes?: string[] };
};
