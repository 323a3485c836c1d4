/** schedule-advisor's weekly profile and proposal syntax, table-tested: calendars, percentiles, periods. */
import { describe, expect, it } from "vitest";
import { parseSchedules } from "../functions/office-hours/config.ts";
import { periodsOf, proposalOf } from "../functions/schedule-advisor/proposal.ts";
import { hoursInUse, p95 } from "../functions/schedule-advisor/weekly.ts";
import { NO_POINTS, type Series, seriesFrom } from "../lib/tencent/series.ts";

const HOUR = 3600_000;
const thresholds = { cpu: 5, trafficMbps: 1 };
const week = (busy: (day: number, hour: number) => boolean) =>
  Array.from({ length: 168 }, (_, h) => busy(Math.floor(h / 24), h % 24));

/** 14 days of hourly CPU from a local date's midnight, Beijing time: busy (40%) on these local dates' 09-19, else 1%. */
function fortnight(from: string, busyDates: string[]): Series {
  const start = Date.parse(`${from}T00:00:00+08:00`);
  return seriesFrom(
    Array.from({ length: 14 * 24 }, (_, k): [number, number] => {
      const at = start + k * HOUR;
      const local = new Date(at + 8 * HOUR);
      const h = local.getUTCHours();
      return [at, busyDates.includes(local.toISOString().slice(0, 10)) && h >= 9 && h < 19 ? 40 : 1];
    }),
  );
}

describe("hours in use", () => {
  it("takes the nearest-rank 95th percentile: with two weeks, the busier week", () => {
    expect(p95([1, 50])).toBe(50);
    expect(p95(Array.from({ length: 20 }, (_, i) => i))).toBe(18);
  });

  // chinese-days' 2026 data: Saturday 2026-10-10 is a make-up workday (Saturday 10-17 is ordinary); Friday 2026-09-25
  // is the Mid-Autumn holiday (Friday 09-18 is ordinary). Days count from Monday (0).
  it.each([
    ["CN: a make-up Saturday's use says nothing of Saturdays", "CN", "2026-10-08", "2026-10-10", 5, 0],
    ["CN: a holiday Friday's use says nothing of Fridays", "CN", "2026-09-14", "2026-09-25", 4, 0],
    ["no calendar: that Saturday is a Saturday", "none", "2026-10-08", "2026-10-10", 5, 10],
    ["CN: an ordinary Tuesday's use is Tuesday's", "CN", "2026-09-14", "2026-09-15", 1, 10],
  ] as const)("%s", (_name, calendar, from, busy, day, hours) => {
    const cal = { timezone: "Asia/Shanghai", calendar, exceptions: {} };
    const used = hoursInUse(fortnight(from, [busy]), NO_POINTS, cal, thresholds);
    expect(used.slice(day * 24, day * 24 + 24).filter(Boolean)).toHaveLength(hours);
  });

  it("counts an hour of the week with no point on an ordinary day as in use: it never proposes a stop it knows nothing about", () => {
    const none = hoursInUse(
      NO_POINTS,
      NO_POINTS,
      { timezone: "Asia/Shanghai", calendar: "none", exceptions: {} },
      thresholds,
    );
    expect(none.every(Boolean)).toBe(true);
  });
});

describe("the proposal's syntax", () => {
  it.each([
    ["office hours", "mon-fri.0900-1900", week((d, h) => d < 5 && h >= 9 && h < 19)],
    ["weekends", "sat.sun.0000-2400", week((d) => d >= 5)],
    [
      "a lunch break",
      "mon-fri.0900-1200_mon-fri.1300-1800",
      week((d, h) => d < 5 && ((h >= 9 && h < 12) || (h >= 13 && h < 18))),
    ],
    ["Mon, Wed and Fri mornings", "mon.wed.fri.0800-1200", week((d, h) => d % 2 === 0 && d < 5 && h >= 8 && h < 12)],
  ] as const)("%s: named %s, read back by office-hours' parser to the same periods", (_name, name, used) => {
    const p = proposalOf(used, { timezone: "Asia/Shanghai", calendar: "CN", exceptions: {} });
    expect(p.name).toBe(name);
    const problems: string[] = [];
    const s = parseSchedules(p.entry, (m) => problems.push(m)).get(name)!;
    expect(problems).toEqual([]);
    expect(s.periods.map((x) => [x.days.length, x.begin, x.end])).toEqual(
      periodsOf(used).map((x) => [
        x.days.includes("-") ? 5 : x.days.split(",").length,
        Number(x.begin.slice(0, 2)) * 60,
        Number(x.end.slice(0, 2)) * 60,
      ]),
    );
  });

  it("names a schedule too long for a tag value by a digest", () => {
    const scattered = week((d, h) => h % 2 === 0 && d === h % 7);
    const p = proposalOf(scattered, { timezone: "UTC", calendar: "none", exceptions: {} });
    expect(p.name).toMatch(/^advised-[0-9a-f]{12}$/);
    expect(parseSchedules(p.entry, (m) => expect.fail(m)).has(p.name)).toBe(true);
  });
});
