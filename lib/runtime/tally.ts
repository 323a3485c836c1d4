/**
 * A run's tally of decisions: counts by kind and region, a sample of kept decisions, and the
 * decisions that ask for a write (for the guard and apply). Decisions are folded in as each region
 * finishes, so memory does not grow with what is left alone; the runner (runner.ts) drives it.
 */
import {
  appendCapped,
  emptyOutcomes,
  REPORT_DETAIL_LIMIT,
  resultEntry,
  type KeptEntry,
  type ResultEntry,
  type RunReport,
} from "../report/report.ts";
import type { Column } from "../report/decision.ts";
import type { ErrorEntry } from "../report/report-head.ts";
import type { Decision, DecisionSummary, FunctionSpec, RegionResult } from "./spec.ts";
import { admits } from "../report/trigger.ts";
import type { WriteStream } from "./write-stream.ts";

const add = (m: Record<string, number>, k: string, n: number) => void (m[k] = (m[k] ?? 0) + n);

/**
 * Entries each region may sample whatever the others reserved: room a region reserves is given
 * back only if it fails, too late for what the others streamed meanwhile, so without this floor a
 * region that failed after streaming a full list would leave the others' entries unlisted.
 */
const SAMPLE_FLOOR = 100;

/** Kept decisions one region streamed while deciding: counted, and sampled while the report has room. */
interface Streamed<K extends string> {
  byKind: Map<K, number>;
  sample: Array<Decision<K>>;
  /** A read-only function's findings (decisions with an action), counted by kind, and listed while the report has room. */
  found: Map<K, number>;
  foundSample: ResultEntry[];
}

export class RunTally<K extends string, P> {
  /** The decisions asking for a write, and every decision's count by kind: what the guard reads. */
  readonly summary: DecisionSummary<K> = { acting: [], byKind: {} };
  readonly actingByRegion: Record<string, number> = {};
  /** Each completed region's carry, for apply (a failed region's is never kept: its decisions are dropped too). */
  readonly carried = new Map<string, P>();
  /** Writes applied while regions are still read (FunctionSpec.streamWrites), when the function streams them. */
  writes: WriteStream<K> | undefined;
  /**
   * A read-only function without a guard (no apply, so its decisions with an action are findings)
   * may stream its findings through ctx.decided: each is counted and, while the report has room,
   * listed with these columns' cells, so a 100,000-machine run never holds them all.
   */
  findings: { columns: readonly Column<K>[] } | undefined;
  // Kept decisions a function streams while a region decides (ctx.decided): counted and sampled
  // as they come, so a region's thousands of them are never held; folded into the run only when
  // the region completes, and dropped with it when it fails, as returned decisions are.
  // The samples of all regions still deciding share the report's room for kept entries, so ten
  // regions hold at most one list's worth between them, not ten.
  private readonly streamed = new Map<string, Streamed<K>>();
  private sampled = 0;
  private foundSampled = 0;

  constructor(
    private readonly spec: Pick<FunctionSpec<never, K, P>, "name" | "kinds" | "noteLines">,
    private readonly report: RunReport,
    private readonly errors: ErrorEntry[],
    private readonly run: { only: ReadonlySet<string> | undefined; dryRun: boolean },
  ) {}

  /** Counts one kind of decision `n` times, for a region. */
  count(kind: K, regionName: string, n: number): void {
    const label = this.spec.kinds[kind];
    this.summary.byKind[kind] = (this.summary.byKind[kind] ?? 0) + n;
    add(this.report.byKind, label, n);
    const region = (this.report.byRegion[regionName] ??= { scanned: 0, byKind: {}, outcomes: emptyOutcomes() });
    region.scanned += n;
    this.report.scanned += n;
    add(region.byKind, label, n);
  }

  /** A kept decision: counted n times (by kind), listed while the report's list has room. */
  keep(kind: K, n: number, d?: Decision<K>): void {
    const label = this.spec.kinds[kind];
    const { report } = this;
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
  }

  /** A decision that asks for a write: counted, checked against the trigger, and queued for apply. */
  act(d: Decision<K>): void {
    this.count(d.kind, d.region, 1);
    const { only } = this.run;
    // A trigger only narrows a run: a write outside the instances it named is refused here, for every
    // function, by the trigger itself (not ctx.only, which a function could change).
    if (!admits(only, d)) {
      this.errors.push(outsideTrigger(only!, d));
      return;
    }
    this.summary.acting.push(d);
    add(this.actingByRegion, d.region, 1);
    if (!this.run.dryRun) this.writes?.add(d);
  }

  /** ctx.decided: a decision streamed while its region decides. */
  decided(d: Decision<K>): void {
    if (d.action && this.writes) {
      this.act(d);
      return;
    }
    if (d.action && !this.findings)
      throw new TypeError(`${this.spec.name}: a decision that asks for a write is returned from decide, not streamed`);
    const b: Streamed<K> = this.streamed.get(d.region) ?? {
      byKind: new Map(),
      sample: [],
      found: new Map(),
      foundSample: [],
    };
    this.streamed.set(d.region, b);
    if (d.action) {
      this.found(b, d);
      return;
    }
    b.byKind.set(d.kind, (b.byKind.get(d.kind) ?? 0) + 1);
    if (this.report.kept.length + this.sampled < REPORT_DETAIL_LIMIT || b.sample.length < SAMPLE_FLOOR) {
      b.sample.push(d);
      this.sampled++;
    }
  }

  /** A streamed finding: refused outside the trigger as a write would be; else counted and, with room, listed. */
  private found(b: Streamed<K>, d: Decision<K>): void {
    if (!admits(this.run.only, d)) {
      this.count(d.kind, d.region, 1);
      this.errors.push(outsideTrigger(this.run.only!, d));
      return;
    }
    b.found.set(d.kind, (b.found.get(d.kind) ?? 0) + 1);
    if (this.report.results.length + this.foundSampled < REPORT_DETAIL_LIMIT || b.foundSample.length < SAMPLE_FLOOR) {
      b.foundSample.push(resultEntry(d, "finding", undefined, this.spec.kinds, this.findings!.columns));
      this.foundSampled++;
    }
  }

  /** A region's streamed findings into the report: counted as findings, as reportOutcomes counts returned ones. */
  private foldFound(region: string, b: Streamed<K>): void {
    for (const [kind, n] of b.found) {
      this.count(kind, region, n);
      add(this.actingByRegion, region, n);
      this.report.outcomes.finding += n;
      this.report.byRegion[region]!.outcomes.finding += n;
      this.report.resultsCount += n;
    }
    for (const e of b.foundSample) if (this.report.results.length < REPORT_DETAIL_LIMIT) this.report.results.push(e);
  }

  /** The regions that streamed decisions and are not folded in yet. */
  streamingRegions(): string[] {
    return [...this.streamed.keys()];
  }

  /** A region's streamed decisions, taken out of the waiting set (to be folded in, or dropped with a failed region). */
  takeStreamed(region: string): Streamed<K> | undefined {
    const b = this.streamed.get(region);
    this.streamed.delete(region);
    this.sampled -= b?.sample.length ?? 0;
    this.foundSampled -= b?.foundSample.length ?? 0;
    return b;
  }

  /** Folds in what the given regions decided: their streamed and returned decisions, errors and notes. */
  fold(r: RegionResult<K, P>, regions: readonly string[]): void {
    if (r.carry !== undefined && regions.length === 1) this.carried.set(regions[0]!, r.carry);
    for (const region of regions) {
      const b = this.takeStreamed(region);
      if (!b) continue;
      for (const [kind, n] of b.byKind) {
        this.count(kind, region, n);
        this.keep(kind, n);
      }
      for (const d of b.sample) this.keep(d.kind, 0, d);
      this.foldFound(region, b);
    }
    for (const d of r.decisions) {
      if (d.action) {
        this.act(d);
        continue;
      }
      this.count(d.kind, d.region, 1);
      this.keep(d.kind, 1, d);
    }
    this.errors.push(...(r.errors ?? []));
    this.foldNotes(r);
  }

  private foldNotes(r: RegionResult<K, P>): void {
    const { report } = this;
    for (const [k, v] of Object.entries(r.notes ?? {})) {
      add(report.notesCount, k, r.notesCount?.[k] ?? v.length);
      const line = this.spec.noteLines?.[k] as ((n: unknown) => string) | undefined;
      if (line) appendCapped(((report.noteLines ??= {})[k] ??= []), v, line);
      appendCapped((report.notes[k] ??= []), v);
    }
  }
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
