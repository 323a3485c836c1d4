/**
 * The one runner: narrow → decide per region (collect + pure plan, regions in parallel) →
 * guard → apply → report. Dry run, the guard, outcome words, error records and report size are
 * handled here once, the same for every function.
 */
import type { BaseConfig } from "../config/config.ts";
import { errorRecord } from "../tencent/errors.ts";
import { emptyOutcomes, REPORT_DETAIL_LIMIT, resultOf, type KeptEntry, type ResultEntry, type RunReport } from "./report.ts";
import { forEachRegion, resolveRegions, type RunDeps } from "./runtime.ts";
import { keyOf, type DecisionSummary, type FunctionSpec, type Outcome, type OutcomeStatus, type RegionResult, type RunContext } from "./spec.ts";
import { narrow, type ErrorEntry, type Trigger } from "./trigger.ts";

const bump = (m: Record<string, number>, k: string) => void (m[k] = (m[k] ?? 0) + 1);

export async function runSpec<C extends BaseConfig, K extends string>(spec: FunctionSpec<C, K>, config: C, trigger: Trigger, deps: RunDeps): Promise<RunReport> {
  const startedAt = deps.now();
  const base = { config, client: deps.client, logger: deps.logger, now: startedAt, sleep: deps.sleep };
  const all = spec.regions ? await spec.regions(base) : await resolveRegions(config, deps.client);
  const n = narrow(config.dryRun, all, trigger);
  const ctx: RunContext<C> = { ...base, dryRun: n.dryRun, regions: n.regions, only: n.instanceIds };

  const errors: ErrorEntry[] = [];
  const notes: Record<string, unknown[]> = {};
  const report: RunReport = {
    function: spec.name, runId: deps.runId, trigger: trigger.source, dryRun: ctx.dryRun, startedAt: startedAt.toISOString(), finishedAt: "",
    regions: n.regions, scanned: 0, byKind: {}, outcomes: emptyOutcomes(), byRegion: {},
    results: [], resultsCount: 0, kept: [], keptCount: 0, keptByKind: {}, notes, extras: {}, errors,
  };
  // A trigger may only narrow: a region asked for but outside the configured set is an error in
  // the report (not a silent no-op), so a typo like "ap-guangzou" is seen.
  for (const r of trigger.regions ?? []) {
    if (!all.includes(r)) errors.push({ region: r, code: "RegionNotConfigured", message: `region ${r} was asked for but is not in REGIONS (${all.join(", ")}); add it to REGIONS or fix the name` });
  }
  // Decisions are folded into counts as each region finishes: only those asking for a write are
  // kept whole (the guard and apply need them), so memory does not grow with what is left alone.
  const summary: DecisionSummary<K> = { acting: [], byKind: {} };
  const actingByRegion: Record<string, number> = {};
  const fold = (r: RegionResult<K>) => {
    for (const d of r.decisions) {
      const label = spec.kinds[d.kind];
      summary.byKind[d.kind] = (summary.byKind[d.kind] ?? 0) + 1;
      bump(report.byKind, label);
      const region = (report.byRegion[d.region] ??= { scanned: 0, byKind: {}, outcomes: emptyOutcomes() });
      region.scanned++;
      report.scanned++;
      bump(region.byKind, label);
      if (d.action) {
        summary.acting.push(d);
        bump(actingByRegion, d.region);
        continue;
      }
      if (report.kept.length < REPORT_DETAIL_LIMIT) report.kept.push({ id: d.id, region: d.region, ...(d.name ? { name: d.name } : {}), kind: label, reason: d.reason } satisfies KeptEntry);
      report.keptCount++;
      bump(report.keptByKind, label);
    }
    errors.push(...(r.errors ?? []));
    for (const [k, v] of Object.entries(r.notes ?? {})) (notes[k] ??= []).push(...v);
  };
  const progress = (region: string, error?: string) => {
    if (!deps.progress) return;
    const r = report.byRegion[region];
    deps.progress({ region, scanned: r?.scanned ?? 0, byKind: { ...(r?.byKind ?? {}) }, acting: actingByRegion[region] ?? 0, ...(error ? { error } : {}) });
  };
  if (spec.decideAll) {
    fold(await spec.decideAll(ctx));
    for (const region of n.regions) progress(region);
  } else {
    await forEachRegion(n.regions, async (region) => {
      try {
        fold(await spec.decide!(ctx, region));
        progress(region);
      } catch (err) {
        const e = errorRecord(err);
        errors.push({ region, ...e });
        progress(region, `${e.code}: ${e.message}`);
      }
    });
  }

  const guard = spec.guard?.(summary, config);
  if (guard) report.guard = guard;
  const acting = summary.acting;
  let outcomes = new Map<string, Outcome>();
  if (!guard?.tripped && !ctx.dryRun && acting.length) {
    try {
      outcomes = await spec.apply(ctx, acting);
    } catch (err) {
      // An apply that throws fails every write it had not reported on; the run still reports.
      errors.push({ ...errorRecord(err) });
    }
  }
  for (const d of acting) {
    const o = outcomes.get(keyOf(d));
    const status: OutcomeStatus = guard?.tripped ? "skipped-by-guard" : ctx.dryRun ? "planned" : (o?.status ?? "failed");
    report.outcomes[status]++;
    report.byRegion[d.region]!.outcomes[status]++;
    if (report.results.length < REPORT_DETAIL_LIMIT) report.results.push({ ...resultOf(d, status, o), kind: spec.kinds[d.kind] } satisfies ResultEntry);
    report.resultsCount++;
    if (status === "failed") {
      errors.push({ region: d.region, id: d.id, action: d.action, code: o?.status === "failed" ? o.code : "NotApplied", message: o?.status === "failed" ? o.message : "the write was not carried out", requestId: o?.requestId });
    }
  }
  report.extras = (await spec.extras?.(acting, outcomes, ctx)) ?? {};
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
  if (r.guard?.tripped) parts.push(guardWords(r));
  parts.push(`errors ${r.errors.length}`);
  for (const [k, v] of Object.entries(r.notes)) if (v.length) parts.push(`${k} ${v.length}`);
  for (const [k, v] of Object.entries(r.extras)) parts.push(`${k} ${String(v)}`);
  const kept = Object.entries(r.keptByKind).map(([k, v]) => `${v} ${k}`);
  return `${spec.name}${r.dryRun ? " (dry run)" : ""}: ${parts.join(", ")}${kept.length ? `; kept: ${kept.join(", ")}` : ""}`;
}

/** The guard's verdict in words; over several accounts, where it held the run back. */
export function guardWords(r: RunReport): string {
  const g = r.guard!;
  const held = r.accounts?.filter((a) => a.guard?.tripped).map((a) => a.uin);
  if (held) return `blast-radius guard tripped in ${held.length} of ${r.accounts!.length} accounts (${held.join(", ")}): nothing done there`;
  return `blast-radius guard tripped: ${g.wouldAct} of ${g.inScope} in scope, limit ${g.limit}; nothing done`;
}
