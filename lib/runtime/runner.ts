/**
 * The one runner: narrow → decide per region (collect + pure plan, regions in parallel) →
 * guard → apply → report. Dry run, the guard, outcome words, error records and report size are
 * handled here once, the same for every function.
 */
import type { BaseConfig } from "../config/config.ts";
import { errorRecord } from "../tencent/errors.ts";
import {
  countWords,
  emptyTally,
  guardWords,
  outcomeStatus,
  REPORT_DETAIL_LIMIT,
  resultEntry,
  type RunReport,
} from "../report/report.ts";
import type { RunDeps } from "./run-deps.ts";
import { forEachRegion, resolveRegions } from "./regions.ts";
import { keyOf, type Decision, type FunctionSpec, type Outcome, type RunContext } from "./spec.ts";
import { narrow, type Trigger } from "../report/trigger.ts";
import type { ErrorEntry } from "../report/report-head.ts";
import { WriteStream } from "./write-stream.ts";
import { extrasPhrases } from "../report/savings.ts";
import { RunTally } from "./tally.ts";

/** A run under way: what every step after the opening reads and adds to. */
interface Run<C extends BaseConfig, K extends string, P> {
  spec: FunctionSpec<C, K, P>;
  config: C;
  trigger: Trigger;
  deps: RunDeps;
  startedAt: Date;
  ctx: RunContext<C>;
  report: RunReport;
  errors: ErrorEntry[];
  tally: RunTally<K, P>;
}

export async function runSpec<C extends BaseConfig, K extends string, P = never>(
  spec: FunctionSpec<C, K, P>,
  config: C,
  trigger: Trigger,
  deps: RunDeps,
): Promise<RunReport> {
  const run = await openRun(spec, config, trigger, deps);
  await decide(run);
  const guard = spec.guard?.(run.tally.summary, config);
  if (guard) run.report.guard = guard.tripped && spec.guardHelp ? { ...guard, help: spec.guardHelp } : guard;
  const outcomes = await applyActing(run, guard?.tripped ?? false);
  reportOutcomes(run, outcomes, guard?.tripped ?? false);
  const acting = run.tally.summary.acting;
  run.report.extras = (await spec.extras?.(acting, outcomes, run.ctx)) ?? {};
  await recordHistory(run, outcomes);
  return finish(run, guard?.tripped ?? false);
}

/** Narrows the run to its trigger and opens its context, its empty report and its tally. */
async function openRun<C extends BaseConfig, K extends string, P>(
  spec: FunctionSpec<C, K, P>,
  config: C,
  trigger: Trigger,
  deps: RunDeps,
): Promise<Run<C, K, P>> {
  const startedAt = deps.now();
  const began = performance.now();
  const base = {
    config,
    client: deps.client,
    logger: deps.logger,
    now: startedAt,
    sleep: deps.sleep,
    runningFor: () => performance.now() - began,
  };
  const all = spec.regions ? await spec.regions(base) : await resolveRegions(config, deps.client);
  const n = narrow(config.dryRun, all, trigger);
  const errors: ErrorEntry[] = regionsNotConfigured(trigger, all);
  const report: RunReport = {
    function: spec.name,
    runId: deps.runId,
    trigger: trigger.source,
    dryRun: n.dryRun,
    startedAt: startedAt.toISOString(),
    finishedAt: "",
    regions: n.regions,
    ...emptyTally(),
    notes: {},
    errors,
  };
  const columns = spec.columns?.(config) ?? [];
  if (columns.length) report.columns = columns.map(({ cell: _cell, ...c }) => c);
  const tally = new RunTally<K, P>(spec, report, errors, { only: n.instanceIds, dryRun: n.dryRun });
  const ctx: RunContext<C> = {
    ...base,
    dryRun: n.dryRun,
    regions: n.regions,
    only: n.instanceIds,
    alarmed: n.alarmed,
    stopNow: n.stopNow,
    ...(deps.history ? { history: { store: deps.history.store, runId: deps.runId } } : {}),
    decided: (d) => tally.decided(d as Decision<K>),
  };
  // A function without a guard may stream its writes: each is counted at once and applied as
  // its group fills (not in a dry run), and reported even if its region fails later.
  if (spec.streamWrites && spec.apply && !spec.guard)
    tally.writes = new WriteStream<K>(spec.streamWrites, (g) => spec.apply!(ctx, g, tally.carried));
  // A read-only function without a guard may stream its findings the same way (tally.ts).
  if (!spec.apply && !spec.guard) tally.findings = { columns };
  return { spec, config, trigger, deps, startedAt, ctx, report, errors, tally };
}

/**
 * A trigger may only narrow: a region asked for but outside the configured set is an error in
 * the report (not a silent no-op), so a typo like "ap-guangzou" is seen.
 */
function regionsNotConfigured(trigger: Trigger, all: readonly string[]): ErrorEntry[] {
  return (trigger.regions ?? [])
    .filter((r) => !all.includes(r))
    .map((r) => ({
      region: r,
      code: "RegionNotConfigured",
      message: `region ${r} was asked for but is not in REGIONS (${all.join(", ")}); add it to REGIONS or fix the name`,
    }));
}

/** Collect and plan: over every region at once (decideAll), or per region in parallel, a failed region reported. */
async function decide<C extends BaseConfig, K extends string, P>(run: Run<C, K, P>): Promise<void> {
  const { spec, ctx, tally, errors } = run;
  const regions = ctx.regions;
  if (spec.decideAll) {
    const all = await spec.decideAll(ctx);
    // A plan over every region hands apply one carry, under each region of the run.
    if (all.carry !== undefined) for (const region of regions) tally.carried.set(region, all.carry);
    tally.fold({ ...all, carry: undefined }, tally.streamingRegions());
    for (const region of regions) progress(run, region);
    return;
  }
  await forEachRegion(regions, async (region) => {
    try {
      tally.fold(await spec.decide!(ctx, region), [region]);
      tally.writes?.endRegion(region);
      progress(run, region);
    } catch (err) {
      tally.writes?.endRegion(region);
      tally.takeStreamed(region);
      const e = errorRecord(err);
      errors.push({ region, ...e });
      progress(run, region, `${e.code}: ${e.message}`);
    }
  });
}

/** Tells the caller (the CLI's progress line) that a region is done. */
function progress<C extends BaseConfig, K extends string, P>(run: Run<C, K, P>, region: string, error?: string): void {
  if (!run.deps.progress) return;
  const r = run.report.byRegion[region];
  run.deps.progress({
    region,
    scanned: r?.scanned ?? 0,
    byKind: { ...(r?.byKind ?? {}) },
    acting: run.tally.actingByRegion[region] ?? 0,
    ...(error ? { error } : {}),
  });
}

/** The writes, unless the guard tripped or the run is dry: each write's outcome by its key. */
async function applyActing<C extends BaseConfig, K extends string, P>(
  run: Run<C, K, P>,
  guardTripped: boolean,
): Promise<Map<string, Outcome>> {
  const { spec, ctx, tally, errors } = run;
  const acting = tally.summary.acting;
  if (tally.writes) {
    await tally.writes.settle();
    errors.push(...tally.writes.errors);
    return tally.writes.outcomes;
  }
  if (guardTripped || ctx.dryRun || !acting.length) return new Map();
  try {
    // A read-only function has no apply: its decisions with an action are findings (reportOutcomes).
    return spec.apply ? await spec.apply(ctx, acting, tally.carried) : new Map();
  } catch (err) {
    // An apply that throws fails every write it had not reported on; the run still reports.
    errors.push({ ...errorRecord(err) });
    return new Map();
  }
}

/** Each write's outcome into the report: counted, listed while there is room, a failure also an error. */
function reportOutcomes<C extends BaseConfig, K extends string, P>(
  run: Run<C, K, P>,
  outcomes: Map<string, Outcome>,
  guardTripped: boolean,
): void {
  const { spec, report, errors } = run;
  const columns = spec.columns?.(run.config) ?? [];
  for (const d of run.tally.summary.acting) {
    const o = outcomes.get(keyOf(d));
    const status = outcomeStatus(o, { writes: !!spec.apply, guardTripped, dryRun: run.ctx.dryRun });
    report.outcomes[status]++;
    report.byRegion[d.region]!.outcomes[status]++;
    if (report.results.length < REPORT_DETAIL_LIMIT)
      report.results.push(resultEntry(d, status, o, spec.kinds, columns));
    report.resultsCount++;
    if (status === "done" && o?.status === "done" && o.followUp)
      errors.push({ region: d.region, id: d.id, ...o.followUp });
    if (status === "failed") {
      errors.push({
        region: d.region,
        id: d.id,
        action: d.action,
        code: o?.status === "failed" ? o.code : "NotApplied",
        message: o?.status === "failed" ? o.message : "the write was not carried out",
        requestId: o?.requestId,
      });
    }
  }
}

/** History (what was done, the ledger's stops and starts) never fails the run: a store error is reported. */
async function recordHistory<C extends BaseConfig, K extends string, P>(
  run: Run<C, K, P>,
  outcomes: Map<string, Outcome>,
): Promise<void> {
  const { spec, deps } = run;
  if (!deps.history || !spec.apply) return;
  run.errors.push(
    ...(await deps.history.record({
      function: spec.name,
      runId: deps.runId,
      trigger: run.trigger.source,
      startedAt: run.startedAt,
      finishedAt: deps.now(),
      dryRun: run.ctx.dryRun,
      client: deps.client,
      region: run.config.region,
      logger: deps.logger,
      report: run.report,
      acting: run.tally.summary.acting,
      outcomes,
    })),
  );
}

/** The report's last fields, and the one log line of the run. */
function finish<C extends BaseConfig, K extends string, P>(run: Run<C, K, P>, guardTripped: boolean): RunReport {
  const { spec, report } = run;
  if (spec.extraLabels && Object.keys(report.extras).length) report.extraLabels = spec.extraLabels;
  const notices = spec.notices?.(run.ctx) ?? [];
  if (notices.length) report.notices = notices;
  report.finishedAt = run.deps.now().toISOString();
  run.deps.logger.info(`${spec.name} finished`, {
    scanned: report.scanned,
    ...report.outcomes,
    kept: report.keptCount,
    errors: run.errors.length,
    dryRun: run.ctx.dryRun,
    guardTripped,
  });
  return report;
}

/** One line for people: what happened and why, from the counts alone. */
export function summarize(spec: { name: string }, r: RunReport): string {
  const o = r.outcomes;
  // What was acted on, by kind: every kind the report counts that no kept decision has.
  const actedKinds = countWords(Object.fromEntries(Object.entries(r.byKind).filter(([k]) => !(k in r.keptByKind))));
  const acted = `${r.dryRun ? `would act on ${o.planned}` : `done ${o.done}`}${actedKinds.length ? ` (${actedKinds.join(", ")})` : ""}`;
  const parts = [`scanned ${r.scanned}`, acted];
  if (o["changed-under-us"]) parts.push(`changed under us ${o["changed-under-us"]}`);
  if (o.failed) parts.push(`failed ${o.failed}`);
  if (o.finding) parts.push(`findings ${o.finding}`);
  if (r.guard?.tripped) parts.push(guardWords(r));
  parts.push(`errors ${r.errors.length}`);
  for (const [k, n] of Object.entries(r.notesCount)) if (n) parts.push(`${k} ${n}`);
  parts.push(...extrasPhrases(r.extras, r.extraLabels));
  const kept = countWords(r.keptByKind);
  return `${spec.name}${r.dryRun ? " (dry run)" : ""}: ${parts.join(", ")}${kept.length ? `; kept: ${kept.join(", ")}` : ""}`;
}
