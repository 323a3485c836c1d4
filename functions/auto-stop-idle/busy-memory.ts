/**
 * Polling that remembers: a machine whose CPU was at or above the threshold at time t cannot be
 * idle over a look-back window W that still holds t, so it is not queried again until the window
 * has moved past t. Pure: what to remember of a CPU series, whether a remembered span still
 * proves a machine busy now, and the object one region's memory is kept in (busy-store.ts reads
 * and writes it).
 *
 * Exact, not a heuristic: a machine skipped here is one the judge (plan.ts `judge`) would have
 * called busy-cpu or missing-cpu with fresh metrics, so the machines stopped are the same with
 * memory as without. That rests on three facts:
 * - the judge keeps the points with `now - W <= t <= now` (withinWindow), by the point's own
 *   timestamp: a point is remembered by that timestamp, not by the end of its period, which
 *   would skip the run just after the point left the window;
 * - a Cloud Monitor point, once given, keeps its value (series are history), so the point seen at
 *   t is there again when the window is asked for later;
 * - a series has at most one point a period (GetMonitorData's DataPoint: Timestamps aligned to
 *   Period), which bounds how many points a window can hold; `p95` needs it, `max` does not.
 */
import * as z from "zod/mini";
import { withinWindow, type Series } from "../../lib/tencent/series.ts";
import type { AutoStopPolicy } from "./config.ts";
import { p95Index, type Verdict } from "./plan.ts";
import { utcSeconds } from "../../lib/utc-seconds.ts";

/** The busy points that prove a machine busy: all of them lie between `oldest` and `newest` (ms). */
export interface BusySpan {
  oldest: number;
  newest: number;
}

/**
 * What a remembered point means depends on these: another threshold, window, period or statistic
 * makes it prove nothing, so the memory is kept with them and read only under the same ones.
 */
export function fingerprintOf(p: AutoStopPolicy) {
  return {
    cpuStat: p.cpuStat,
    cpuThreshold: p.cpuThreshold,
    lookbackMinutes: p.lookbackMinutes,
    metricPeriod: p.metricPeriod,
  };
}
export type Fingerprint = ReturnType<typeof fingerprintOf>;

const sameFingerprint = (a: Fingerprint, b: Fingerprint) =>
  a.cpuStat === b.cpuStat &&
  a.cpuThreshold === b.cpuThreshold &&
  a.lookbackMinutes === b.lookbackMinutes &&
  a.metricPeriod === b.metricPeriod;

/**
 * How many busy points a window must hold to be busy whatever else it holds. With `max`, one.
 * With `p95` (nearest rank), a window of n points is busy when at least n - p95Index(n) of them
 * are: the most that can take over every n a window may hold, one point a period plus the
 * window's closed end (5-minute points over an hour: 13 points, and p95 is their maximum; 1-minute
 * points over an hour: 61 points, 4 busy ones).
 */
export function busyPointsNeeded(p: AutoStopPolicy): number {
  if (p.cpuStat === "max") return 1;
  const most = Math.floor((p.lookbackMinutes * 60) / p.metricPeriod) + 1;
  let k = 1;
  for (let n = 1; n <= most; n++) k = Math.max(k, n - p95Index(n));
  return k;
}

const windowMs = (p: AutoStopPolicy) => p.lookbackMinutes * 60_000;

/** What to remember of a CPU series read now: the span of its latest busy points, enough of them to prove it busy; else nothing. */
export function busySpan(cpu: Series, p: AutoStopPolicy, now: Date): BusySpan | undefined {
  const k = busyPointsNeeded(p);
  // Only points the judge read (inside this run's window), so none lies after this run's `now`.
  const seen = withinWindow(cpu, { start: now.getTime() - windowMs(p), end: now.getTime() });
  // In time order already (series.ts).
  const busy: number[] = [];
  for (let i = 0; i < seen.t.length; i++) if (seen.v[i]! >= p.cpuThreshold) busy.push(seen.t[i]!);
  return busy.length < k ? undefined : { oldest: busy[busy.length - k]!, newest: busy.at(-1)! };
}

/**
 * Whether a remembered span proves the machine busy over the window ending now: every point of it
 * inside [now - W, now], as the judge would read them. A point after `now` is not trusted at all:
 * it was written by a run whose clock was ahead of this one (clock skew, or a dry run `--at` an
 * earlier time), and the judge asking up to `now` would not see it, so skipping on it could keep a
 * machine the judge would stop. A point before the window has left it. Either way: query.
 */
export function provesBusy(s: BusySpan, p: AutoStopPolicy, now: Date): boolean {
  const t = now.getTime();
  return s.newest <= t && s.oldest >= t - windowMs(p);
}

/** The decision's words for a machine left unqueried on its remembered busy points. */
export function rememberedBusy(s: BusySpan, p: AutoStopPolicy): Verdict {
  const points =
    busyPointsNeeded(p) === 1
      ? `CPU ${p.cpuThreshold}% or more at ${utcSeconds(s.newest)}`
      : `${busyPointsNeeded(p)} CPU points at ${p.cpuThreshold}% or more from ${utcSeconds(s.oldest)}`;
  return {
    kind: "busy-remembered",
    reason: `busy: ${points}, so not idle over ${p.lookbackMinutes} min before ${utcSeconds(s.oldest + windowMs(p))}: not queried`,
  };
}

/**
 * One region's memory as it is kept: machines grouped by their span, in seconds (most busy
 * machines share the window's latest timestamp, so an id costs about 16 bytes), with the
 * settings it holds for.
 */
const FILE = z.object({
  version: z.literal(1),
  account: z.string(),
  region: z.string(),
  writtenAt: z.string(),
  policy: z.object({
    cpuStat: z.enum(["max", "p95"]),
    cpuThreshold: z.number(),
    lookbackMinutes: z.number(),
    metricPeriod: z.number(),
  }),
  busy: z.array(z.tuple([z.number(), z.number(), z.array(z.string())])),
});
export type BusyFile = z.infer<typeof FILE>;

/** Reads a kept object: its spans by machine, or why it cannot be read. Spans out of order are left out. */
export function parseBusyFile(text: string): { file: BusyFile; spans: Map<string, BusySpan> } | { problem: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { problem: `not JSON: ${(e as Error).message}` };
  }
  const r = FILE.safeParse(raw);
  if (!r.success) return { problem: `not a busy-memory object: ${r.error.issues[0]?.message ?? "invalid"}` };
  const spans = new Map<string, BusySpan>();
  for (const [oldest, newest, ids] of r.data.busy)
    if (Number.isFinite(oldest) && Number.isFinite(newest) && oldest <= newest)
      for (const id of ids) spans.set(id, { oldest: oldest * 1000, newest: newest * 1000 });
  return { file: r.data, spans };
}

/**
 * One region's memory for one run: the spans read back, of which a machine listed now takes its
 * own if it still proves it busy, and the spans seen this run. Only these two are kept for the
 * next run: a machine no longer listed (stopped, gone, out of scope) or whose span has expired
 * is dropped, so the object holds at most the region's busy machines.
 */
export class RegionMemory {
  private readonly next = new Map<string, BusySpan>();
  constructor(
    private readonly recalled: ReadonlyMap<string, BusySpan>,
    private readonly policy: AutoStopPolicy,
    private readonly now: Date,
  ) {}

  /** Why a listed machine is busy now without a query (its span is carried into the next object), or undefined: query it. */
  recall(id: string): Verdict | undefined {
    const s = this.recalled.get(id);
    if (!s || !provesBusy(s, this.policy, this.now)) return undefined;
    this.next.set(id, s);
    return rememberedBusy(s, this.policy);
  }

  /** A CPU series read this run: its busy span, if it has one, is kept. */
  saw(id: string, cpu: Series): void {
    const s = busySpan(cpu, this.policy, this.now);
    if (s) this.next.set(id, s);
  }

  /** Machines the next run will find remembered. */
  get size(): number {
    return this.next.size;
  }

  /** The object to keep for the next run. */
  toFile(account: string, region: string): BusyFile {
    const groups = new Map<string, [number, number, string[]]>();
    for (const [id, s] of this.next) {
      // Rounded outwards, so a span read back never proves more than the points did (they are whole seconds anyway).
      const oldest = Math.floor(s.oldest / 1000);
      const newest = Math.ceil(s.newest / 1000);
      const key = `${oldest}/${newest}`;
      const g = groups.get(key) ?? groups.set(key, [oldest, newest, []]).get(key)!;
      g[2].push(id);
    }
    return {
      version: 1,
      account,
      region,
      writtenAt: this.now.toISOString(),
      policy: fingerprintOf(this.policy),
      busy: [...groups.values()],
    };
  }
}

/** The spans of a kept object, if it was written under the same settings; else none. */
export function spansFor(
  parsed: { file: BusyFile; spans: Map<string, BusySpan> },
  p: AutoStopPolicy,
): Map<string, BusySpan> | undefined {
  return sameFingerprint(parsed.file.policy, fingerprintOf(p)) ? parsed.spans : undefined;
}
