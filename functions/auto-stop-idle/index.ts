/** auto-stop-idle, declared once: stop pay-as-you-go instances that have been idle, within a blast-radius guard. */
import { ConfigError } from "../../lib/config/config.ts";
import { defineFunction } from "../../lib/runtime/spec.ts";
import { applyStops } from "./apply.ts";
import { decideRegion, scopeQueries } from "./collect.ts";
import { loadConfig, VARIABLES } from "./config.ts";
import { guard, KINDS } from "./plan.ts";

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
    // Estimated savings per hour of what was stopped (or would be, in a dry run), from AUTO_STOP_PRICES.
    const prices = ctx.config.policy.prices;
    if (!prices.size) return {};
    const counted = acting.filter((d) => d.action === "stop" && (ctx.dryRun || outcomes.get(`${d.region}/${d.id}`)?.status === "done"));
    const total = counted.reduce((s, d) => s + (prices.get(String(d.detail?.instanceType ?? "")) ?? 0), 0);
    return { estimatedHourlySavings: Math.round(total * 100) / 100 };
  },
});

/** The report of a run: the one vocabulary, plus `extras.estimatedHourlySavings` when prices are set. */
export type AutoStopReport = import("../../lib/runtime/report.ts").RunReport & { extras: { estimatedHourlySavings?: number } };
