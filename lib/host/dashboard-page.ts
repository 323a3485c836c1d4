/**
 * The dashboard page, server-rendered: this month's realised savings against last month's, a bar
 * chart by day, the top owners and machines, recent runs with their outcomes, and the next
 * office-hours actions. One HTML document with its style inline and the chart as inline SVG: no
 * script, no font, no external asset, so it opens behind any firewall and on any phone. Every
 * string that comes from tenants (owner tags, machine ids, error messages) is escaped.
 */
import type { RunRecord } from "../history/records.ts";
import type { SavingsReport } from "../history/realised.ts";
import type { Upcoming } from "../runtime/spec.ts";
import { dayChart } from "./dashboard-chart.ts";
import { escapeHtml as e, hours, inZone, money } from "./dashboard-format.ts";
import { DASHBOARD_STYLE } from "./dashboard-style.ts";

export interface DashboardData {
  nowMs: number;
  thisMonth: SavingsReport;
  lastMonth: SavingsReport;
  /** The latest runs, newest first. */
  runs: readonly RunRecord[];
  /** The next scheduled actions; undefined when no function served here has a schedule of its own (office-hours). */
  upcoming: readonly Upcoming[] | undefined;
  /** Where history is read from, said at the foot. */
  where: string;
}

const TOP = 5;

/** A plain page with a title and a few lines: the refusals and the "off" page. */
export function plainPage(title: string, lines: readonly string[]): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>${e(title)}</title><style>${DASHBOARD_STYLE}</style></head><body><main><h1>${e(title)}</h1>${lines.map((l) => `<p>${e(l)}</p>`).join("")}</main></body></html>`;
}

function daysIn(month: string): number {
  const [y, m] = month.split("-").map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** The two headline figures and how this month compares so far. */
function figures(d: DashboardData): string {
  const a = d.thisMonth;
  const b = d.lastMonth;
  const compare =
    b.realised > 0
      ? `${Math.round((a.realised / b.realised) * 100)}% of last month's total so far`
      : a.realised > 0
        ? "last month saved nothing to compare with"
        : "nothing saved yet in either month";
  const card = (id: string, label: string, r: SavingsReport, extra: string) =>
    `<section class="card" id="${id}"><h2>${e(label)}</h2><p class="big">${money(r.realised)} <small>${e(r.currency)}</small></p><p>${hours(r.hoursNotBilled)} machine-hours not billed${extra}</p></section>`;
  return `<div class="cards">${card("this-month", `This month (${a.month}, to date)`, a, ` · ${e(compare)}`)}${card("last-month", `Last month (${b.month})`, b, "")}</div>`;
}

/** A ranked list with a bar for each row's share of the first. */
function ranked(id: string, title: string, rows: ReadonlyArray<[string, number, string?]>, none: string): string {
  if (!rows.length) return `<section id="${id}"><h2>${e(title)}</h2><p class="none">${e(none)}</p></section>`;
  const max = Math.max(...rows.map(([, v]) => v), 0);
  const items = rows
    .map(([k, v, note]) => {
      const pct = max > 0 ? Math.max(2, Math.round((v / max) * 100)) : 0;
      return `<li><span class="name">${e(k)}${note ? ` <small>${e(note)}</small>` : ""}</span><span class="val">${money(v)}</span><span class="meter"><span style="width:${pct}%"></span></span></li>`;
    })
    .join("");
  return `<section id="${id}"><h2>${e(title)}</h2><ol class="ranked">${items}</ol></section>`;
}

function topOwners(r: SavingsReport): string {
  const rows = Object.entries(r.byOwner)
    .filter(([, v]) => v > 0)
    .sort(([, a], [, b]) => b - a)
    .slice(0, TOP)
    .map(([k, v]): [string, number] => [k === "(none)" ? "no owner tag" : k, v]);
  return ranked("owners", "Top owners this month (CNY)", rows, "no savings by owner yet this month");
}

function topMachines(r: SavingsReport): string {
  const rows = r.instances
    .filter((i) => (i.saved ?? 0) > 0)
    .slice(0, TOP)
    .map((i): [string, number, string] => [i.id, i.saved ?? 0, `${i.function}, ${hours(i.hoursNotBilled)} h`]);
  return ranked("machines", "Top machines this month (CNY)", rows, "no machine has saved anything yet this month");
}

/** A run's outcome in a few words, and whether it went wrong. */
function outcome(r: RunRecord): { words: string; bad: boolean } {
  const o = r.outcomes;
  const parts = [
    o.done ? `done ${o.done}` : "",
    o.planned ? `planned ${o.planned}` : "",
    o.failed ? `failed ${o.failed}` : "",
    o["skipped-by-guard"] ? `held by the guard ${o["skipped-by-guard"]}` : "",
    r.errors.length ? `errors ${r.errors.length}` : "",
  ].filter(Boolean);
  return {
    words: parts.length ? parts.join(", ") : `nothing to do (${r.scanned} scanned)`,
    bad: o.failed > 0 || o["skipped-by-guard"] > 0 || r.errors.length > 0,
  };
}

function recentRuns(runs: readonly RunRecord[]): string {
  if (!runs.length) return `<section id="runs"><h2>Recent runs</h2><p class="none">no runs recorded yet</p></section>`;
  const rows = runs
    .map((r) => {
      const o = outcome(r);
      return `<li class="${o.bad ? "bad" : "ok"}"><span class="when">${e(inZone(Date.parse(r.startedAt), "UTC"))}Z</span> <b>${e(r.function)}</b> <span class="trig">${e(r.trigger)}</span><br><span class="out">${e(o.words)}</span></li>`;
    })
    .join("");
  return `<section id="runs"><h2>Recent runs</h2><ul class="runs">${rows}</ul></section>`;
}

function nextActions(u: readonly Upcoming[] | undefined): string {
  const head = `<section id="next"><h2>Next office-hours actions</h2>`;
  if (u === undefined)
    return `${head}<p class="none">office-hours is not served here, so no schedule is known</p></section>`;
  if (!u.length)
    return `${head}<p class="none">none: no schedule starts or stops anything in the next two months</p></section>`;
  const rows = u
    .map(
      (a) =>
        `<li><b>${a.action === "skip" ? "no start" : a.action}</b> ${e(inZone(a.at, a.zone))} <small>${e(a.zone)}</small> · ${e(a.schedule)} · ${e(a.dayKind)}</li>`,
    )
    .join("");
  return `${head}<ul class="next">${rows}</ul></section>`;
}

/** The whole page. */
export function dashboardPage(d: DashboardData): string {
  const r = d.thisMonth;
  const today = Number(new Date(d.nowMs).toISOString().slice(8, 10));
  const chart = `<section id="by-day"><h2>Realised savings by day, ${e(r.month)} (CNY)</h2>${dayChart(r.byDay, r.month, daysIn(r.month), today)}</section>`;
  const unpriced = r.unpricedHours
    ? `<p class="note">${hours(r.unpricedHours)} hours not billed on machines with no price are not counted.</p>`
    : "";
  const body = [
    figures(d),
    chart,
    `<div class="cols">${topOwners(r)}${topMachines(r)}</div>`,
    recentRuns(d.runs),
    nextActions(d.upcoming),
  ];
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><meta name="referrer" content="no-referrer"><title>cvm-autopilot: savings</title><style>${DASHBOARD_STYLE}</style></head><body><main><header><h1>cvm-autopilot savings</h1><p class="asof">as of ${e(inZone(d.nowMs, "UTC"))} UTC</p></header>${body.join("")}${unpriced}<footer><p class="note">${e(r.note)}. Read from ${e(d.where)}; the same figures as <code>cvm-autopilot savings --month ${e(r.month)}</code>.</p></footer></main></body></html>`;
}
