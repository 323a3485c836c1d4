/**
 * The columnar series against the plain reading of each rule, written here over [t, v] pairs:
 * windows inclusive at both ends, equal timestamps, points missing from one side of a join,
 * replies out of order or malformed.
 */
import { describe, expect, it } from "vitest";
import {
  addWherePresent,
  distinctSlots,
  joinOnTimestamps,
  pointsOf,
  seriesFrom,
  seriesOfDataPoint,
  withinWindow,
} from "../lib/tencent/series.ts";

type Pairs = Array<[number, number]>;
const MIN = 60_000;

/** A seeded stream of points: some timestamps repeated, some missing, out of order. */
function randomPairs(seed: number, n: number): Pairs {
  let x = seed;
  const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: n }, () => [Math.floor(next() * 40) * 5 * MIN, Math.round(next() * 1000) / 100]);
}
const byTime = (p: Pairs) => [...p].sort((a, b) => a[0] - b[0]);

describe("series", () => {
  it("a window keeps exactly the points within [start, end], equal timestamps included", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const pairs = randomPairs(seed, 60);
      const s = seriesFrom(pairs);
      for (const [start, end] of [
        [0, 200 * MIN],
        [15 * MIN, 15 * MIN],
        [17 * MIN, 90 * MIN],
        [300 * MIN, 400 * MIN],
      ] as const)
        expect(pointsOf(withinWindow(s, { start, end }))).toEqual(
          byTime(pairs).filter(([t]) => t >= start && t <= end),
        );
    }
  });

  it("counts distinct slots, not points", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const pairs = randomPairs(seed, 60);
      expect(distinctSlots(seriesFrom(pairs), 600)).toBe(new Set(pairs.map(([t]) => Math.floor(t / 600_000))).size);
    }
  });

  it("joins on timestamps: a point missing from either side is missing from the sum; the last of equal times wins", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const a = byTime(randomPairs(seed, 40));
      const b = byTime(randomPairs(seed + 100, 40));
      const last = new Map(b);
      const want: Pairs = a
        .filter(([t]) => last.has(t))
        .map(([t, v]) => [t, Math.round((v + last.get(t)!) * 1000) / 1000]);
      expect(pointsOf(joinOnTimestamps(seriesFrom(a), seriesFrom(b)))).toEqual(want);
      const zeroWhenAbsent: Pairs = a.map(([t, v]) => [t, Math.round((v + (last.get(t) ?? 0)) * 1000) / 1000]);
      expect(pointsOf(addWherePresent(seriesFrom(a), seriesFrom(b)))).toEqual(zeroWhenAbsent);
    }
  });

  it("reads a reply's DataPoint: seconds to ms, malformed points dropped, out-of-order points sorted", () => {
    expect(pointsOf(seriesOfDataPoint({ Timestamps: [120, 60, 180, 240], Values: [2, 1, "x", null] }))).toEqual([
      [60_000, 1],
      [120_000, 2],
    ]);
    expect(pointsOf(seriesOfDataPoint({ Timestamps: [60, 120], Values: [1] }))).toEqual([]);
    expect(pointsOf(seriesOfDataPoint({ Timestamps: "60", Values: [1] }))).toEqual([]);
    expect(pointsOf(seriesOfDataPoint({}))).toEqual([]);
  });

  it("series read with the same timestamps share them, and each keeps its own values and points", () => {
    const a = seriesOfDataPoint({ Timestamps: [60, 120, 180], Values: [1, 2, 3] });
    const b = seriesOfDataPoint({ Timestamps: [60, 120, 180], Values: [4, 5, 6] });
    expect(b.t).toBe(a.t);
    expect(pointsOf(a)).toEqual([
      [60_000, 1],
      [120_000, 2],
      [180_000, 3],
    ]);
    expect(pointsOf(b)).toEqual([
      [60_000, 4],
      [120_000, 5],
      [180_000, 6],
    ]);
    // A bad value, another time or another length: read on its own, the rules above unchanged.
    expect(pointsOf(seriesOfDataPoint({ Timestamps: [60, 120, 180], Values: [7, Number.NaN, 9] }))).toEqual([
      [60_000, 7],
      [180_000, 9],
    ]);
    expect(pointsOf(seriesOfDataPoint({ Timestamps: [60, 121, 180], Values: [1, 2, 3] }))).toEqual([
      [60_000, 1],
      [121_000, 2],
      [180_000, 3],
    ]);
    expect(pointsOf(seriesOfDataPoint({ Timestamps: ["60", 120, 180], Values: [1, 2, 3] }))).toEqual([
      [120_000, 2],
      [180_000, 3],
    ]);
    expect(pointsOf(seriesOfDataPoint({ Timestamps: [60, 120], Values: [1, 2] }))).toEqual([
      [60_000, 1],
      [120_000, 2],
    ]);
    // A series with a gap does not displace the full one the others share.
    const full = seriesOfDataPoint({ Timestamps: [60, 120, 180], Values: [1, 2, 3] });
    expect(pointsOf(seriesOfDataPoint({ Timestamps: [60, 180], Values: [1, 3] }))).toEqual([
      [60_000, 1],
      [180_000, 3],
    ]);
    expect(seriesOfDataPoint({ Timestamps: [60, 120, 180], Values: [3, 2, 1] }).t).toBe(full.t);
  });
});
