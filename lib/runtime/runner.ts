/**
 * The one runner: narrow → decide per region (collect + pure plan, regions in parallel) →
 * guard → apply → report. Dry run, the guard, outcome words, error records and report size are
 * handled here once, the same for every function.
 */
import type { BaseConfig } from "../config/config.ts";
import { errorRecord } from "../tencent/errors.ts";
import { emptyOutcomes, REPORT_DETAIL_LIMIT, resultOf, type KeptEntry, type ResultEntry, type RunReport } from "./report.ts";
import { forEachRegion, resolveRegions, type RunDeps } from "./runtime.ts";
import { keyOf, type Decision, type FunctionSpec, type Outcome, type OutcomeStatus, type RegionResult, type RunContext } from "./spec.ts";
import { narrow, type ErrorEntry, type Trigger } from "./trigger.ts";

const bump = (m: Record<string, number>, k: string) => void (m[k] = (m[k] ?? 0) + 1);

export async function runSpec<C extends BaseConfig, K extends string>(spec: FunctionSpec<C, K>, config: C, trigger: Trigger, deps: RunDeps): Promise<RunReport> {
  const startedAt = deps.now();
  const base = { config, client: deps.client, logger: deps.logger, now: startedAt, sleep: deps.sleep };
  const all = spec.regions ? await spec.regions(base) : await resolveRegions(config, deps.client);
  const n = narrow(config.dryRun, all, trigger);
  const ctx: RunContext<C> = { ...base, dryRun: n.dryRun, regions: n.regions, only: n.instanceIds };

  const errors: ErrorEntry[] = [];
  const decisions: Array<Decision<K>> = [];
  const notes: Record<string, unknown[]> = {};
  const results = spec.decideAll
    ? [{ region: undefined, value: await spec.decideAll(ctx) }]
    : await forEachRegion(n.regions, (region) => spec.decide!(ctx, region));
  for (const r of results as Array<{ region?: string | undefined; value?: RegionResult<K>; error?: unknown }>) {
    if (r.error) errors.push({ region: r.region, ...errorRecord(r.error) });
    if (!r.value) continue;
    for (const d of r.value.decisions) decisions.push(d);
    errors.push(...(r.value.errors ?? []));
    for (const [k, v] of Object.entries(r.value.notes ?? {})) (notes[k] ??= []).push(...v);
  }

  const guard = spec.guard?.(decisions, config);
  const acting = decisions.filter((d) => d.action);
  let outcomes = new Map<string, Outcome>();
  const statusOf = (d: Decision<K>): OutcomeStatus => {
    if (guard?.tripped) return "skipped-by-guard";
    if (ctx.dryRun) return "planned";
    return outcomes.get(keyOf(d))?.status ?? "failed";
  };
  if (!guard?.tripped && !ctx.dryRun && acting.length) {
    try {
      outcomes = await spec.apply(ctx, acting);
    } catch (err) {
      // An apply that throws fails every write it had not reported on; the run still reports.
      errors.push({ ...errorRecord(err) });
    }
  }

  const report: RunReport = {
    function: spec.name, runId: deps.runId, trigger: trigger.source, dryRun: ctx.dryRun, startedAt: startedAt.toISOString(), finishedAt: "",
    regions: n.regions, scanned: decisions.length, byKind: {}, outcomes: emptyOutcomes(), byRegion: {},
    results: [], resultsCount: 0, kept: [], keptCount: 0, keptByKind: {}, ...(guard ? { guard } : {}), notes, extras: {}, errors,
  };
  for (const d of decisions) {
    const label = spec.kinds[d.kind];
    bump(report.byKind, label);
    const region = (report.byRegion[d.region] ??= { scanned: 0, byKind: {}, outcomes: emptyOutcomes() });
    region.scanned++;
    bump(region.byKind, label);
    if (!d.action) {
      if (report.kept.length < REPORT_DETAIL_LIMIT) report.kept.push({ id: d.id, region: d.region, ...(d.name ? { name: d.name } : {}), kind: label, reason: d.reason } satisfies KeptEntry);
      report.keptCount++;
      bump(report.keptByKind, label);
      continue;
    }
    const status = statusOf(d);
    const o = outcomes.get(keyOf(d));
    report.outcomes[status]++;
    region.outcomes[status]++;
    if (report.results.length < REPORT_DETAIL_LIMIT) report.results.push({ ...resultOf(d, status, o), kind: label } satisfies ResultEntry);
    report.resultsCount++;
    if (status === "failed") {
      errors.push({ region: d.region, id: d.id, action: d.action, code: o?.status === "failed" ? o.code : "NotApplied", message: o?.status === "failed" ? o.message : "the write was not carried out", requestId: o?.requestId });
    }
  }
  report.extras = spec.extras?.(decisions, outcomes, ctx) ?? {};
  report.finishedAt = deps.now().toISOString();
  deps.logger.info(`${spec.name} finished`, { scanned: report.scanned, ...report.outcomes, kept: report.keptCount, errors: errors.length, dryRun: ctx.dryRun, guardTripped: guard?.tripped ?? false });
  return report;
}

/** One line for people: what happened and why, from the counts alone. */
export function summarize(spec: { name: string }, r: RunReport): string {
  const o = r.outcomes;
  // What was acted on, by kind: every kind the report counts that no kept decision has.
  const actedKinds = Object.entries(r.byKind).filter(([k]) => !(k in r.keptByKind)).map(([k, v]) => `${v} ${k}`);
  const acted = `${r.dryRun ? `would act on ${o.planned}` : `done ${o.done}`}${actedKinds.length ? ` (${actedKinds.join(", ")})` : ""}`;
  const parts = [`scanned ${r.scanned}`, acted];
  if (o["changed-under-us"]) parts.push(`changed under us ${o["changed-under-us"]}`);
  if (o.failed) parts.push(`failed ${o.failed}`);
  if (r.guard?.tripped) parts.push(`blast-radius guard tripped: ${r.guard.wouldAct} of ${r.guard.inScope} in scope, limit ${r.guard.limit}; nothing done`);
  parts.push(`errors ${r.errors.length}`);
  for (const [k, v] of Object.entries(r.notes)) if (v.length) parts.push(`${k} ${v.length}`);
  for (const [k, v] of Object.entries(r.extras)) parts.push(`${k} ${String(v)}`);
  const kept = Object.entries(r.keptByKind).map(([k, v]) => `${v} ${k}`);
  return `${spec.name}${r.dryRun ? " (dry run)" : ""}: ${parts.join(", ")}${kept.length ? `; kept: ${kept.join(", ")}` : ""}`;
}
