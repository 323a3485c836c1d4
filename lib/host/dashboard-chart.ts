/**
 * The dashboard's bar chart of realised savings by day, as inline SVG: one bar a day of the
 * month, scaled to the largest day. The SVG holds only bars and lines and stretches to the width
 * it is given (preserveAspectRatio none, strokes that do not scale), so it fills a phone and a
 * desk alike; its words (the best day, the day numbers, the empty state) are HTML around it, at
 * the page's own size, not text shrunk with the drawing. No script, no external asset.
 */
import { escapeHtml, money } from "./dashboard-format.ts";

/** The drawing's height in its own units: bars are percentages of the best day. */
const H = 100;

const dayKey = (month: string, day: number) => `${month}-${String(day).padStart(2, "0")}`;

/** The bars: one per day, the days after `today` drawn as a faint stub (still to come). */
function bars(values: readonly number[], max: number, month: string, today: number): string {
  return values
    .map((v, i) => {
      const day = i + 1;
      const future = day > today;
      // A day with savings shows at least a sliver, so a small day is not mistaken for none.
      const h = future ? 0.8 : max > 0 && v > 0 ? Math.max(1.5, (v / max) * (H - 4)) : 0.8;
      const title = `<title>${dayKey(month, day)}: ${money(v)} CNY</title>`;
      return `<rect class="${future ? "future" : v > 0 ? "bar" : "zero"}" x="${i + 0.15}" y="${(H - h).toFixed(2)}" width="0.7" height="${h.toFixed(2)}">${title}</rect>`;
    })
    .join("");
}

/** The chart of `month` (YYYY-MM) with `days` days; `today` (1-based) marks the days still to come. */
export function dayChart(byDay: Readonly<Record<string, number>>, month: string, days: number, today: number): string {
  const values = Array.from({ length: days }, (_, i) => byDay[dayKey(month, i + 1)] ?? 0);
  const max = Math.max(0, ...values);
  const best = values.indexOf(max) + 1;
  const caption =
    max > 0 ? `best day: ${escapeHtml(dayKey(month, best))}, ${money(max)} CNY` : "no realised savings yet this month";
  const ticks = values.map((_, i) => `<span>${i === 0 || (i + 1) % 5 === 0 ? i + 1 : ""}</span>`).join("");
  const line = (y: number, cls: string) =>
    `<line class="${cls}" x1="0" x2="${days}" y1="${y}" y2="${y}" vector-effect="non-scaling-stroke"/>`;
  return `<figure class="chart-wrap"><figcaption class="${max > 0 ? "best" : "empty"}">${caption}</figcaption><svg class="chart" viewBox="0 0 ${days} ${H}" preserveAspectRatio="none" role="img" aria-label="realised savings by day, ${escapeHtml(month)}">${max > 0 ? line(4, "grid") : ""}${bars(values, max, month, today)}${line(H, "axis")}</svg><div class="ticks" style="grid-template-columns:repeat(${days},1fr)">${ticks}</div></figure>`;
}
