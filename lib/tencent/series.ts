/**
 * A metric's points as Cloud Monitor returns them: GetMonitorData's DataPoint carries two parallel
 * arrays, `Timestamps` and `Values`, and a series may miss points (the official model says so), so
 * series are joined on timestamps, never by array position.
 *
 * Kept as two typed arrays, not one `[t, v]` array per point: a fortnight of hourly points for
 * 1,000 machines and three metrics held ~75 bytes a point as pairs (47 MB of the 116 MB a 128 MB
 * function gets) and cost an allocation each; as columns it is 16 bytes and two allocations a
 * series. Every series is in time order, so a window is a view, found by binary search.
 */

/** Timestamps (ms) and values side by side, in time order. */
export interface Series {
  readonly t: Float64Array;
  readonly v: Float64Array;
}

export const NO_POINTS: Series = { t: new Float64Array(0), v: new Float64Array(0) };

/** A series from [ms, value] pairs in any order (tests, and callers that build one by hand); equal times keep their order. */
export function seriesFrom(points: ReadonlyArray<readonly [number, number]>): Series {
  const sorted = [...points].sort((x, y) => x[0] - y[0]);
  return { t: Float64Array.from(sorted, (p) => p[0]), v: Float64Array.from(sorted, (p) => p[1]) };
}

/** The pairs of a series, for reading it in a test or a message. */
export function pointsOf(s: Series): Array<[number, number]> {
  return Array.from(s.t, (t, i) => [t, s.v[i]!]);
}

/** The first index whose time is at least `ms` (the length when none is). */
function firstAtOrAfter(t: Float64Array, ms: number): number {
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid]! < ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The points inside [start, end] (ms): a view of the same arrays, no copy. */
export function withinWindow(s: Series, w: { start: number; end: number }): Series {
  const from = firstAtOrAfter(s.t, w.start);
  let to = firstAtOrAfter(s.t, w.end);
  while (to < s.t.length && s.t[to] === w.end) to++;
  return { t: s.t.subarray(from, to), v: s.v.subarray(from, to) };
}

/**
 * How many of the period's slots a series covers: its timestamps floored to the period and
 * de-duplicated. Coverage is counted in slots, never points: twelve copies of one timestamp, or
 * twelve points crowded into the last minute, are one slot of an hour's twelve, not an hour.
 */
export function distinctSlots(s: Series, periodS: number): number {
  const ms = periodS * 1000;
  let slots = 0;
  let last = Number.NaN;
  // In time order, a slot's points are adjacent: counting changes counts slots.
  for (let i = 0; i < s.t.length; i++) {
    const slot = Math.floor(s.t[i]! / ms);
    if (slot !== last) slots++;
    last = slot;
  }
  return slots;
}

/** The value `b` has at time `t`, reading forward from `j` (both in time order); the last of equal times wins. */
function valueAt(b: Series, t: number, j: { at: number }): number | undefined {
  while (j.at < b.t.length && b.t[j.at]! < t) j.at++;
  let k = j.at;
  if (k >= b.t.length || b.t[k] !== t) return undefined;
  while (k + 1 < b.t.length && b.t[k + 1] === t) k++;
  return b.v[k];
}

const thousandths = (n: number) => Math.round(n * 1000) / 1000;

/** Sum of two series at the timestamps both have; a point missing from either is missing from the sum. */
export function joinOnTimestamps(a: Series, b: Series): Series {
  const t = new Float64Array(a.t.length);
  const v = new Float64Array(a.t.length);
  const j = { at: 0 };
  let n = 0;
  for (let i = 0; i < a.t.length; i++) {
    const w = valueAt(b, a.t[i]!, j);
    if (w === undefined) continue;
    t[n] = a.t[i]!;
    v[n++] = thousandths(a.v[i]! + w);
  }
  return { t: t.subarray(0, n), v: v.subarray(0, n) };
}

/** `a` plus `b` where `b` has a point at the same timestamp, `a` alone elsewhere: for a series known to be zero when absent. */
export function addWherePresent(a: Series, b: Series): Series {
  const v = new Float64Array(a.t.length);
  const j = { at: 0 };
  for (let i = 0; i < a.t.length; i++) v[i] = thousandths(a.v[i]! + (valueAt(b, a.t[i]!, j) ?? 0));
  return { t: a.t, v };
}

/**
 * Reads one reply's DataPoint: the points with a finite timestamp (Unix seconds, the official
 * model's DataPoint.Timestamps) and value, in time order; anything malformed reads as no data.
 */
export function seriesOfDataPoint(dp: { Timestamps?: unknown; Values?: unknown }): Series {
  const ts = Array.isArray(dp.Timestamps) ? (dp.Timestamps as unknown[]) : [];
  const vs = Array.isArray(dp.Values) ? (dp.Values as unknown[]) : [];
  if (ts.length !== vs.length) return NO_POINTS;
  const same = onLastTimes(ts, vs);
  if (same) return same;
  const t = new Float64Array(ts.length);
  const v = new Float64Array(ts.length);
  let n = 0;
  let ordered = true;
  for (let i = 0; i < ts.length; i++) {
    const at = ts[i];
    const value = vs[i];
    if (typeof at !== "number" || !Number.isFinite(at) || typeof value !== "number" || !Number.isFinite(value))
      continue;
    t[n] = at * 1000;
    v[n] = value;
    if (n > 0 && t[n]! < t[n - 1]!) ordered = false;
    n++;
  }
  const s = { t: t.subarray(0, n), v: v.subarray(0, n) };
  if (ordered) {
    // Kept only when whole (every point read: onLastTimes compares reply points one to one), and
    // not shorter than the kept one: a series with a gap must not displace the full fortnight
    // that most of the others have.
    if (n === ts.length && n >= lastTimes.length) lastTimes = s.t;
    return s;
  }
  // Out of order (never seen; the model does not promise order): sorted, equal times in reply order.
  return seriesFrom(pointsOf(s));
}

/**
 * The timestamps of the last series read whole, shared by the next series with the same ones.
 * Memory: the machines of one query (and of every query over the same window) almost always
 * have the same hourly timestamps, and a series' timestamps are half its size. At 100,000
 * machines, schedule-advisor held three metrics' series for a page of 100 machines in each of
 * ten regions at once (~20 MB of ArrayBuffers, outside the V8 heap but inside RSS); sharing the
 * timestamps keeps one copy. Safe because a Series is never written once built (`readonly`;
 * addWherePresent already shares its input's timestamps).
 */
let lastTimes: Float64Array = NO_POINTS.t;

/** The series on lastTimes when its reply's timestamps are exactly those and every value is a finite number; else undefined. */
function onLastTimes(ts: unknown[], vs: unknown[]): Series | undefined {
  const t = lastTimes;
  if (t.length !== ts.length || t.length === 0) return undefined;
  const v = new Float64Array(t.length);
  for (let i = 0; i < t.length; i++) {
    const at = ts[i];
    const value = vs[i];
    if (typeof at !== "number" || at * 1000 !== t[i] || typeof value !== "number" || !Number.isFinite(value))
      return undefined;
    v[i] = value;
  }
  return { t, v };
}
