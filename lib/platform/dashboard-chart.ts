/**
 * The dashboard's bar chart of realised savings by day, as inline SVG: one bar a day of the
 * month, scaled to the largest day, drawn in a viewBox so it shrinks with the screen (no fixed
 * pixel width, so a phone never scrolls sideways). No script, no external asset.
 */
import { escapeHtml, money } from "./dashboard-format.ts";

const W = 640;
const H = 220;
const LEFT = 8;
const RIGHT = 8;
const TOP = 28;
const BOTTOM = 28;

/** A day's bar: its x, width, height and value. */
interface Bar {
  day: number;
  x: number;
  w: number;
  h: number;
  value: number;
}

function bars(byDay: Readonly<Record<string, number>>, month: string, days: number): { bars: Bar[]; max: number } {
  const values = Array.from({ length: days }, (_, i) => byDay[`${month}-${String(i + 1).padStart(2, "0")}`] ?? 0);
  const max = Math.max(0, ...values);
  const slot = (W - LEFT - RIGHT) / days;
  const plot = H - TOP - BOTTOM;
  return {
    max,
    bars: values.map((value, i) => ({
      day: i + 1,
      x: LEFT + i * slot + slot * 0.15,
      w: slot * 0.7,
      // A day with savings shows at least a sliver, so a small day is not mistaken for none.
      h: max > 0 && value > 0 ? Math.max(2, (value / max) * plot) : 0,
      value,
    })),
  };
}

/** The chart of `month` (YYYY-MM) with `days` days; `today` (1-based) marks the days still to come. */
export function dayChart(byDay: Readonly<Record<string, number>>, month: string, days: number, today: number): string {
  const { bars: list, max } = bars(byDay, month, days);
  const base = H - BOTTOM;
  const rects = list
    .map((b) => {
      const title = `<title>${month}-${String(b.day).padStart(2, "0")}: ${money(b.value)} CNY</title>`;
      const future = b.day > today;
      return `<rect class="${future ? "future" : "bar"}" x="${b.x.toFixed(1)}" y="${(base - (future ? 1 : b.h)).toFixed(1)}" width="${b.w.toFixed(1)}" height="${(future ? 1 : Math.max(b.h, 1)).toFixed(1)}">${title}</rect>`;
    })
    .join("");
  const ticks = list
    .filter((b) => b.day === 1 || b.day % 5 === 0)
    .map((b) => `<text x="${(b.x + b.w / 2).toFixed(1)}" y="${H - 8}" text-anchor="middle">${b.day}</text>`)
    .join("");
  const label =
    max > 0
      ? `<text x="${LEFT}" y="16">best day ${escapeHtml(money(max))} CNY</text><line class="grid" x1="${LEFT}" x2="${W - RIGHT}" y1="${TOP}" y2="${TOP}"/>`
      : `<text x="${W / 2}" y="${TOP + (H - TOP - BOTTOM) / 2}" text-anchor="middle" class="empty">no realised savings yet this month</text>`;
  return `<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="realised savings by day, ${month}" preserveAspectRatio="xMidYMid meet">${label}<line class="axis" x1="${LEFT}" x2="${W - RIGHT}" y1="${base}" y2="${base}"/>${rects}${ticks}</svg>`;
}
