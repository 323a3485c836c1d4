/**
 * The one runner: narrow → decide per region (collect + pure plan, regions in parallel) →
 * guard → apply → report. Dry run, the guard, outcome words, error records and report size are
 * handled here once, the same for every function.
 */
import type { BaseConfig } from "../config/config.ts";
import { errorRecord } from "../tencent/errors.ts";
import {
  appendCapped,
  countWords,
  emptyOutcomes,
  emptyTally,
  guardWords,
  REPORT_DETAIL_LIMIT,
  resultOf,
  type KeptEntry,
  type ResultEntry,
  type RunReport,
} from "./report.ts";
import type { RunDeps } from "./run-deps.ts";
import { forEachRegion, resolveRegions } from "./regions.ts";
import {
  keyOf,
  type Decision,
  type DecisionSummary,
  type FunctionSpec,
  type Outcome,
  type OutcomeStatus,
  type RegionResult,
  type RunContext,
} from "./spec.ts";
import { admits, narrow, type Trigger } from "./trigger.ts";
import type { ErrorEntry } from "./report-head.ts";
import { WriteStream } from "./write-stream.ts";
import { extrasPhrases } from "./savings.ts";

const add = (m: Record<string, number>, k: string, n: number) => void (m[k] = (m[k] ?? 0) + n);
const bump = (m: Record<string, number>, k: string) => add(m, k, 1);

export async function runSpec<C extends BaseConfig, K extends string, P = never>(
  spec: FunctionSpec<C, K, P>,
  config: C,
  trigger: Trigger,
  deps: RunDeps,
): Promise<RunReport> {
  const startedAt = deps.now();
  const base = { config, client: deps.client, logger: deps.logger, now: startedAt, sleep: deps.sleep };
  const all = spec.regions ? await spec.regions(base) : await resolveRegions(config, deps.client);
  const n = narrow(config.dryRun, all, trigger);
  const ctx: RunContext<C> = {
    ...base,
    dryRun: n.dryRun,
    regions: n.regions,
    only: n.instanceIds,
    alarmed: n.alarmed,
    stopNow: n.stopNow,
    history: deps.history?.store,
    decided: (d) => decided(d as Decision<K>),
  };

  const errors: ErrorEntry[] = [];
  const notes: Record<string, unknown[]> = {};
  const report: RunReport = {
    function: spec.name,
    runId: deps.runId,
    trigger: trigger.source,
    dryRun: ctx.dryRun,
    startedAt: startedAt.toISOString(),
    finishedAt: "",
    regions: n.regions,
    ...emptyTally(),
    notes,
    errors,
  };
  // A trigger may only narrow: a region asked for but outside the configured set is an error in
  // the report (not a silent no-op), so a typo like "ap-guangzou" is seen.
  for (const r of trigger.regions ?? []) {
    if (!all.includes(r))
      errors.push({
        region: r,
        code: "RegionNotConfigured",
        message: `region ${r} was asked for but is not in REGIONS (${all.join(", ")}); add it to REGIONS or fix the name`,
      });
  }
  const columns = spec.columns?.(config) ?? [];
  if (columns.length) report.columns = columns.map(({ cell: _cell, ...c }) => c);
  // Decisions are folded into counts as each region finishes: only those asking for a write are
  // kept whole (the guard and apply need them), so memory does not grow with what is left alone.
  const summary: DecisionSummary<K> = { acting: [], byKind: {} };
  const actingByRegion: Record<string, number> = {};
  /** Counts one kind of decision `n` times, for a region. */
  const count = (kind: K, regionName: string, n: number) => {
    const label = spec.kinds[kind];
    summary.byKind[kind] = (summary.byKind[kind] ?? 0) + n;
    add(report.byKind, label, n);
    const region = (report.byRegion[regionName] ??= { scanned: 0, byKind: {}, outcomes: emptyOutcomes() });
    region.scanned += n;
    report.scanned += n;
    add(region.byKind, label, n);
  };
  /** A kept decision: counted n times (by kind), listed while the report's list has room. */
  const keep = (kind: K, n: number, d?: Decision<K>) => {
    const label = spec.kinds[kind];
    if (d && report.kept.length < REPORT_DETAIL_LIMIT)
      report.kept.push({
        id: d.id,
        region: d.region,
        ...(d.name ? { name: d.name } : {}),
        kind: label,
        reason: d.reason,
      } satisfies KeptEntry);
    report.keptCount += n;
    add(report.keptByKind, label, n);
  };
  // Kept decisions a function streams while a region decides (ctx.decided): counted and sampled
  // as they come, so a region's thousands of them are never held; folded into the run only when
  // the region completes, and dropped with it when it fails, as returned decisions are.
  // The samples of all regions still deciding share the report's room for kept entries, so ten
  // regions hold at most one list's worth between them, not ten.
  const streamed = new Map<string, { byKind: Map<K, number>; sample: Array<Decision<K>> }>();
  let sampled = 0;
  // A function without a guard may stream its writes: each is counted at once and applied as
  // its group fills (not in a dry run), and reported even if its region fails later.
  const writes =
    spec.streamWrites && spec.apply && !spec.guard
      ? new WriteStream<K>(spec.streamWrites, (g) => spec.apply!(ctx, g, carried))
      : undefined;
  const act = (d: Decision<K>) => {
    count(d.kind, d.region, 1);
    // A trigger only narrows a run: a write outside the instances it named is refused here, for every
    // function, by the trigger itself (not ctx.only, which a function could change).
    if (!admits(n.instanceIds, d)) return void errors.push(outsideTrigger(n.instanceIds!, d));
    summary.acting.push(d);
    bump(actingByRegion, d.region);
    if (!ctx.dryRun) writes?.add(d);
  };
  const decided = (d: Decision<K>) => {
    if (d.action && writes) return act(d);
    if (d.action)
      throw new TypeError(`${spec.name}: a decision that asks for a write is returned from decide, not streamed`);
    const b = streamed.get(d.region) ?? { byKind: new Map<K, number>(), sample: [] };
    streamed.set(d.region, b);
    b.byKind.set(d.kind, (b.byKind.get(d.kind) ?? 0) + 1);
    if (report.kept.length + sampled < REPORT_DETAIL_LIMIT) {
      b.sample.push(d);
      sampled++;
    }
  };
  /** A region's streamed decisions, taken out of the waiting set (to be folded in, or dropped with a failed region). */
  const takeStreamed = (region: string) => {
    const b = streamed.get(region);
    streamed.delete(region);
    sampled -= b?.sample.length ?? 0;
    return b;
  };
  // Each completed region's carry, for apply (a failed region's is never kept: its decisions are dropped too).
  const carried = new Map<string, P>();
  const fold = (r: RegionResult<K, P>, regions: readonly string[]) => {
    if (r.carry !== undefined && regions.length === 1) carried.set(regions[0]!, r.carry);
    for (const region of regions) {
      const b = takeStreamed(region);
      if (!b) continue;
      for (const [kind, n] of b.byKind) {
        count(kind, region, n);
        keep(kind, n);
      }
      for (const d of b.sample) keep(d.kind, 0, d);
    }
    for (const d of r.decisions) {
      if (d.action) {
        act(d);
        continue;
      }
      count(d.kind, d.region, 1);
      keep(d.kind, 1, d);
    }
    errors.push(...(r.errors ?? []));
    for (const [k, v] of Object.entries(r.notes ?? {})) {
      add(report.notesCount, k, r.notesCount?.[k] ?? v.length);
      const line = spec.noteLines?.[k] as ((n: unknown) => string) | undefined;
      if (line) appendCapped(((report.noteLines ??= {})[k] ??= []), v, line);
      appendCapped((notes[k] ??= []), v);
    }
  };
  const progress = (region: string, error?: string) => {
    if (!deps.progress) return;
    const r = report.byRegion[region];
    deps.progress({
      region,
      scanned: r?.scanned ?? 0,
      byKind: { ...(r?.byKind ?? {}) },
      acting: actingByRegion[region] ?? 0,
      ...(error ? { error } : {}),
    });
  };
  if (spec.decideAll) {
    const all = await spec.decideAll(ctx);
    // A plan over every region hands apply one carry, under each region of the run.
    if (all.carry !== undefined) for (const region of n.regions) carried.set(region, all.carry);
    fold({ ...all, carry: undefined }, [...streamed.keys()]);
    for (const region of n.regions) progress(region);
  } else {
    await forEachRegion(n.regions, async (region) => {
      try {
        fold(await spec.decide!(ctx, region), [region]);
        writes?.endRegion(region);
        progress(region);
      } catch (err) {
        writes?.endRegion(region);
        takeStreamed(region);
        const e = errorRecord(err);
        errors.push({ region, ...e });
        progress(region, `${e.code}: ${e.message}`);
      }
    });
  }

  const guard = spec.guard?.(summary, config);
  if (guard) report.guard = guard.tripped && spec.guardHelp ? { ...guard, help: spec.guardHelp } : guard;
  const acting = summary.acting;
  let outcomes = new Map<string, Outcome>();
  if (writes) {
    await writes.settle();
    outcomes = writes.outcomes;
    errors.push(...writes.errors);
  } else if (!guard?.tripped && !ctx.dryRun && acting.length) {
    try {
      // A read-only function has no apply: its decisions with an action are findings (below).
      outcomes = spec.apply ? await spec.apply(ctx, acting, carried) : new Map();
    } catch (err) {
      // An apply that throws fails every write it had not reported on; the run still reports.
      errors.push({ ...errorRecord(err) });
    }
  }
  for (const d of acting) {
    const o = outcomes.get(keyOf(d));
    const status: OutcomeStatus = !spec.apply
      ? "finding"
      : guard?.tripped
        ? "skipped-by-guard"
        : ctx.dryRun
          ? "planned"
          : (o?.status ?? "failed");
    report.outcomes[status]++;
    report.byRegion[d.region]!.outcomes[status]++;
    if (report.results.length < REPORT_DETAIL_LIMIT)
      report.results.push({
        ...resultOf(d, status, o),
        kind: spec.kinds[d.kind],
        ...(columns.length ? { cells: columns.map((c) => c.cell(d)) } : {}),
      } satisfies ResultEntry);
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
  report.extras = (await spec.extras?.(acting, outcomes, ctx)) ?? {};
  // History (what was done, the ledger's stops and starts) never fails the run: a store error is reported.
  if (deps.history && spec.apply)
    errors.push(
      ...(await deps.history.record({
        function: spec.name,
        runId: deps.runId,
        trigger: trigger.source,
        startedAt,
        finishedAt: deps.now(),
        dryRun: ctx.dryRun,
        client: deps.client,
        region: config.region,
        logger: deps.logger,
        report,
        acting,
        outcomes,
      })),
    );
  if (spec.extraLabels && Object.keys(report.extras).length) report.extraLabels = spec.extraLabels;
  const notices = spec.notices?.(ctx) ?? [];
  if (notices.length) report.notices = notices;
  report.finishedAt = deps.now().toISOString();
  deps.logger.info(`${spec.name} finished`, {
    scanned: report.scanned,
    ...report.outcomes,
    kept: report.keptCount,
    errors: errors.length,
    dryRun: ctx.dryRun,
    guardTripped: guard?.tripped ?? false,
  });
  return report;
}

/** The error a refused write becomes: the runner keeps the trigger's promise even when a function forgets it. */
export function outsideTrigger(
  only: ReadonlySet<string>,
  d: { id: string; region: string; action?: string | undefined },
): ErrorEntry {
  return {
    region: d.region,
    id: d.id,
    action: d.action,
    code: "OutsideTrigger",
    message: `refused: the trigger named only ${[...only].join(", ")}, and a trigger may only narrow a run; nothing was written to ${d.id}`,
  };
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
