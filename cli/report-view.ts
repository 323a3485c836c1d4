/**
 * How `run` shows a report (tccli's `--output` names): `json` is the report itself (the
 * default when piped), `table` lists each resource acted on or planned with name, id, region,
 * the function's own columns (RunReport.columns) and reason, sorted by region and name, then the
 * counts (the default on a terminal), `text` is the one-line
 * summary. cli-table3 (well kept, ~90M weekly downloads) does the column widths, including
 * CJK instance names, which hand padding gets wrong.
 */
import { countWords, errorLine, type ResultEntry, type RunReport } from "../lib/report/report.ts";
import type { RegionProgress } from "../lib/runtime/run-deps.ts";
import { UsageError } from "./usage.ts";
import { extrasPhrases } from "../lib/report/savings.ts";
import { guardWords } from "../lib/report/report.ts";
import { lineAccount } from "../lib/accounts/accounts.ts";
import { deliveryWords } from "../lib/notify/deliver.ts";

export const OUTPUTS = ["table", "json", "text"] as const;
export type Output = (typeof OUTPUTS)[number];

export function outputFormat(flag: string | undefined, isTTY: boolean): Output {
  if (flag === undefined) return isTTY ? "table" : "json";
  if ((OUTPUTS as readonly string[]).includes(flag)) return flag as Output;
  throw new UsageError(`--output must be one of ${OUTPUTS.join(", ")}, got "${flag}"`);
}

const counts = (m: Record<string, number>) => countWords(m).join(", ") || "none";
/** Notes listed under the table: enough to act on, never a flood. */
const NOTE_LINES = 10;

/** Where a table is drawn: the terminal's width, and whether to colour outcomes. */
export interface TableView {
  width: number;
  color: boolean;
  /** At most this many rows (`run --limit N`); the rest are counted under the table. */
  limit?: number | undefined;
}

/** The view for this process: the terminal's columns (COLUMNS, else 130), colour on a terminal unless NO_COLOR, or with FORCE_COLOR. */
export function tableView(
  env: Record<string, string | undefined>,
  stdout: { isTTY?: boolean; columns?: number },
): TableView {
  const cols = stdout.columns ?? Number(env.COLUMNS);
  const force = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0";
  return {
    width: Number.isFinite(cols) && cols >= 40 ? cols : 130,
    color: force || (stdout.isTTY === true && env.NO_COLOR === undefined),
  };
}

/** Columns a cell takes on a terminal: East Asian wide characters take two. */
const WIDE = /[\u1100-\u115F\u2E80-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6]/gu;
const cells = (s: string) => s.length + (s.match(WIDE)?.length ?? 0);

const OUTCOME_COLOR: Record<string, number> = {
  done: 32,
  planned: 36,
  "changed-under-us": 33,
  failed: 31,
  "skipped-by-guard": 35,
  finding: 34,
};
/**
 * Colours each outcome word where it starts a cell, after the table is drawn: cli-table3 measures
 * and wraps the plain text, so escape codes are never split or counted.
 */
const OUTCOME_CELL = new RegExp(`│ (${Object.keys(OUTCOME_COLOR).join("|")})(?=[ (])`, "g");
const paint = (text: string) =>
  text.replace(OUTCOME_CELL, (_m, word: string) => `│ \x1b[${OUTCOME_COLOR[word]}m${word}\x1b[39m`);

/**
 * Column widths that fit `width`: each column as wide as its widest cell, then, while the table is
 * wider than the terminal, the columns worth least go (the function's own, in the order it
 * declared them, then a region every row shares), then the reason and the name shrink and wrap.
 * What is left out is in --output json.
 */
function fit(
  head: string[],
  rows: string[][],
  width: number,
  droppable: readonly string[],
): { keep: number[]; widths: number[] } {
  // One region for every row: the header line names it, so its column can go before others shrink.
  const r = head.indexOf("region");
  const sameRegion = r >= 0 && new Set(rows.map((row) => row[r])).size <= 1;
  const natural = head.map((h, i) => Math.max(cells(h), ...rows.map((r) => cells(r[i]!))) + 2);
  // A column no row fills takes no room.
  let keep = head.map((_, i) => i).filter((i) => rows.some((row) => row[i] !== ""));
  const total = (w: number[]) => keep.reduce((n, i) => n + w[i]!, 0) + keep.length + 1;
  const widths = [...natural];
  const reason = head.indexOf("reason");
  const name = head.indexOf("name");
  const MIN_REASON = 24;
  const shrink = () => {
    const over = total(widths) - width;
    if (over > 0 && reason >= 0) widths[reason] = Math.max(MIN_REASON, widths[reason]! - over);
  };
  shrink();
  for (const drop of [...droppable, sameRegion ? "region" : undefined]) {
    if (total(widths) <= width) break;
    const i = drop ? head.indexOf(drop) : -1;
    if (i >= 0) keep = keep.filter((k) => k !== i);
    widths[reason] = natural[reason]!;
    shrink();
  }
  if (total(widths) > width && name >= 0) widths[name] = Math.max(10, widths[name]! - (total(widths) - width));
  // Last: a narrower reason, then the region even if rows differ in it (the header names them all).
  if (total(widths) > width && reason >= 0) widths[reason] = Math.max(12, widths[reason]! - (total(widths) - width));
  if (total(widths) > width && r >= 0) {
    keep = keep.filter((k) => k !== r);
    widths[reason] = Math.max(12, Math.min(natural[reason]!, widths[reason]! + width - total(widths)));
  }
  return { keep, widths };
}

/** Parts joined by " · ", broken onto more lines where one would pass the width. */
function fitLine(parts: string[], width: number): string[] {
  const out: string[] = [];
  for (const p of parts) {
    const last = out.at(-1);
    if (last !== undefined && cells(last) + 3 + cells(p) <= width) out[out.length - 1] = `${last} · ${p}`;
    else out.push(p);
  }
  return out;
}

/** Rows in a stable order a person can scan: by region, then name, then id. */
const byRegionAndName = (a: ResultEntry, b: ResultEntry) =>
  a.region.localeCompare(b.region) || (a.name ?? "").localeCompare(b.name ?? "") || a.id.localeCompare(b.id);

/** The writes as a table: name, id, region, the function's own columns (RunReport.columns), action, outcome, reason. */
async function resultsTable(r: RunReport, view: TableView): Promise<string[]> {
  // Loaded only for table output, so json runs (scripts, platforms) never pay for it.
  const { default: Table } = await import("cli-table3");
  const own = r.columns ?? [];
  const byAccount = r.results.some((e) => e.account);
  const head = [
    ...(byAccount ? ["account"] : []),
    "name",
    "id",
    "region",
    ...own.map((c) => c.head),
    "action",
    "outcome",
    "reason",
  ];
  const shown = [...r.results].sort(byRegionAndName).slice(0, view.limit ?? r.results.length);
  // A column some row fills shows its `missing` words where another row has none ("unpriced").
  const filled = own.map((_, i) => shown.some((e) => e.cells?.[i]));
  const rows = shown.map((e) => [
    ...(byAccount ? [lineAccount(e) ?? ""] : []),
    e.name ?? "",
    e.id,
    e.region,
    ...own.map((c, i) => e.cells?.[i] || (filled[i] ? (c.missing ?? "") : "")),
    e.action,
    e.outcome + (e.code ? ` (${e.code})` : ""),
    e.reason,
  ]);
  // biome-ignore lint/suspicious/noFocusedTests: fit() sizes the table's columns; it is not vitest's focused test
  const { keep, widths } = fit(
    head,
    rows,
    view.width,
    own.filter((c) => !c.keep).map((c) => c.head),
  );
  const table = new Table({
    head: keep.map((i) => head[i]!),
    style: { head: [], border: [], compact: true },
    wordWrap: true,
    colWidths: keep.map((i) => widths[i]!),
  });
  for (const row of rows) table.push(keep.map((i) => row[i]!));
  const lines = [view.color ? paint(table.toString()) : table.toString()];
  const left = head.filter((_, i) => !keep.includes(i) && rows.some((row) => row[i] !== ""));
  if (left.length) lines.push(`(${left.join(", ")} left out to fit ${view.width} columns: see --output json)`);
  const rest = r.resultsCount - shown.length;
  if (rest > 0) lines.push(`… and ${rest} more (the full list is in --output json)`);
  return lines;
}

export async function renderTable(r: RunReport, view: TableView = { width: 130, color: false }): Promise<string> {
  const lines: string[] = fitLine(
    [`${r.function}${r.dryRun ? " (dry run)" : ""}`, `run ${r.runId}`, `regions ${r.regions.join(", ") || "none"}`],
    view.width,
  );
  if (r.results.length) lines.push(...(await resultsTable(r, view)));
  else {
    // Never a reassuring line above errors: with errors, what was decided is not the whole story.
    const nothing = r.dryRun ? "Nothing would be changed" : "Nothing was changed";
    lines.push(
      r.errors.length ? `${nothing} in what could be decided; ${r.errors.length} error(s) below.` : `${nothing}.`,
    );
  }
  lines.push(`scanned ${r.scanned} · decided: ${counts(r.byKind)}`);
  lines.push(
    `writes: ${counts(r.outcomes)}${Object.keys(r.keptByKind).length ? ` · kept: ${counts(r.keptByKind)}` : ""}`,
  );
  lines.push(...extrasPhrases(r.extras, r.extraLabels));
  if (r.guard?.tripped) lines.push(guardWords(r));
  for (const [k, list] of Object.entries(r.notes)) {
    if (!list.length) continue;
    lines.push(`${k} (${list.length}):`);
    // Each entry in the words its function gave it (FunctionSpec.noteLines), else as data.
    const said = r.noteLines?.[k];
    for (const [i, n] of list.slice(0, NOTE_LINES).entries()) lines.push(`  ${said?.[i] ?? JSON.stringify(n)}`);
    if (list.length > NOTE_LINES) lines.push(`  … and ${list.length - NOTE_LINES} more`);
  }
  for (const n of r.notices ?? []) lines.push(`notice: ${n}`);
  if (r.errors.length) {
    lines.push(`errors (${r.errors.length}):`);
    for (const e of r.errors) lines.push(`  ${errorLine(e)}`);
  }
  for (const n of r.notifications ?? []) lines.push(`notified ${n.to}: ${deliveryWords(n)}`);
  return lines.join("\n");
}

/**
 * `--output text`: the summary line, then each notice and each error once, with its code and
 * RequestId, to stdout, so `> file` keeps what a person must act on.
 */
export function renderText(r: RunReport, summary: string): string {
  return [
    summary,
    ...(r.notices ?? []).map((n) => `notice: ${n}`),
    ...warningLines(r),
    ...r.errors.map((e) => `error: ${errorLine(e)}`),
  ].join("\n");
}

/** Every notes list (renewal warnings, say), an entry a line in its function's words (FunctionSpec.noteLines), and how many more there were. */
function warningLines(r: RunReport): string[] {
  const out: string[] = [];
  for (const [key, list] of Object.entries(r.notes ?? {})) {
    const said = r.noteLines?.[key];
    out.push(...list.map((n, i) => `${key}: ${said?.[i] ?? JSON.stringify(n)}`));
    const more = (r.notesCount?.[key] ?? list.length) - list.length;
    if (list.length && more > 0) out.push(`${key}: … and ${more} more (the JSON report, -o json, lists them)`);
  }
  return out;
}

/** One line per region as its decisions are in: on a terminal only, never a flood. */
export function progressLine(p: RegionProgress): string {
  // Said once, in the report's error list (with code and RequestId), not again here.
  if (p.error) return `  ${p.region}: could not be decided (the error is listed below)`;
  return `  ${p.region}: scanned ${p.scanned}${p.scanned ? ` (${counts(p.byKind)})` : ""}; ${p.acting} to act on`;
}
