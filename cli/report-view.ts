/**
 * How `run` shows a report (tccli's `--output` names): `json` is the report itself (the
 * default when piped), `table` lists each resource acted on or planned with name, id, region,
 * zone, type and reason, then the counts (the default on a terminal), `text` is the one-line
 * summary. cli-table3 (well kept, ~90M weekly downloads) does the column widths, including
 * CJK instance names, which hand padding gets wrong.
 */
import { errorLine, type RunReport } from "../lib/runtime/report.ts";
import type { RegionProgress } from "../lib/runtime/runtime.ts";
import { UsageError } from "./usage.ts";
import { SAVINGS_KEYS, savingsLine } from "../lib/runtime/savings.ts";
import { guardWords } from "../lib/runtime/report.ts";
import { lineAccount } from "../lib/accounts/accounts.ts";

export const OUTPUTS = ["table", "json", "text"] as const;
export type Output = (typeof OUTPUTS)[number];

export function outputFormat(flag: string | undefined, isTTY: boolean): Output {
  if (flag === undefined) return isTTY ? "table" : "json";
  if ((OUTPUTS as readonly string[]).includes(flag)) return flag as Output;
  throw new UsageError(`--output must be one of ${OUTPUTS.join(", ")}, got "${flag}"`);
}

const str = (v: unknown) => (typeof v === "string" || typeof v === "number" ? String(v) : "");
const counts = (m: Record<string, number>) => Object.entries(m).filter(([, v]) => v).map(([k, v]) => `${v} ${k}`).join(", ") || "none";
/** Notes listed under the table: enough to act on, never a flood. */
const NOTE_LINES = 10;

export async function renderTable(r: RunReport): Promise<string> {
  // Loaded only for table output, so json runs (scripts, platforms) never pay for it.
  const { default: Table } = await import("cli-table3");
  const lines: string[] = [`${r.function}${r.dryRun ? " (dry run)" : ""} · run ${r.runId} · regions ${r.regions.join(", ") || "none"}`];
  if (r.results.length) {
    // A price column when the function priced what it acts on (auto-stop's hourly saving per machine).
    const currency = r.results.map((e) => e.detail?.currency).find((c) => typeof c === "string");
    const priced = r.results.some((e) => typeof e.detail?.hourlyPrice === "number");
    const byAccount = r.results.some((e) => e.account);
    const head = [...(byAccount ? ["account"] : []), "name", "id", "region", "zone", "type", ...(priced ? [`${str(currency) || "price"}/hour`] : []), "action", "outcome", "reason"];
    const table = new Table({ head, style: { head: [], border: [], compact: true }, wordWrap: true, colWidths: [...Array<null>(head.length - 1).fill(null), 48] });
    for (const e of r.results) {
      const d = e.detail ?? {};
      const price = priced ? [typeof d.hourlyPrice === "number" ? String(d.hourlyPrice) : "unpriced"] : [];
      table.push([...(byAccount ? [lineAccount(e) ?? ""] : []), e.name ?? "", e.id, e.region, str(d.zone), str(d.instanceType), ...price, e.action, e.outcome + (e.code ? ` (${e.code})` : ""), e.reason]);
    }
    lines.push(table.toString());
    if (r.resultsCount > r.results.length) lines.push(`… and ${r.resultsCount - r.results.length} more (the full list is in --output json)`);
  } else {
    lines.push(r.dryRun ? "Nothing would be changed." : "Nothing was changed.");
  }
  lines.push(`scanned ${r.scanned} · decided: ${counts(r.byKind)}`);
  lines.push(`writes: ${counts(r.outcomes)}${Object.keys(r.keptByKind).length ? ` · kept: ${counts(r.keptByKind)}` : ""}`);
  const money = savingsLine(r.extras);
  if (money) lines.push(money);
  for (const [k, v] of Object.entries(r.extras)) if (!money || !(SAVINGS_KEYS as readonly string[]).includes(k)) lines.push(`${k}: ${str(v) || JSON.stringify(v)}`);
  if (r.guard?.tripped) lines.push(guardWords(r));
  for (const [k, list] of Object.entries(r.notes)) {
    if (!list.length) continue;
    lines.push(`${k} (${list.length}):`);
    for (const n of list.slice(0, NOTE_LINES)) lines.push(`  ${JSON.stringify(n)}`);
    if (list.length > NOTE_LINES) lines.push(`  … and ${list.length - NOTE_LINES} more`);
  }
  for (const n of r.notices ?? []) lines.push(`notice: ${n}`);
  if (r.errors.length) {
    lines.push(`errors (${r.errors.length}):`);
    for (const e of r.errors) lines.push(`  ${errorLine(e)}`);
  }
  for (const n of r.notifications ?? []) lines.push(`notified ${n.to}: ${n.ok ? "sent" : `not delivered after ${n.attempts} attempt(s): ${n.error ?? ""}`}`);
  return lines.join("\n");
}

/**
 * `--output text`: the summary line, then each notice and each error once, with its code and
 * RequestId, to stdout, so `> file` keeps what a person must act on.
 */
export function renderText(r: RunReport, summary: string): string {
  return [summary, ...(r.notices ?? []).map((n) => `notice: ${n}`), ...r.errors.map((e) => `error: ${errorLine(e)}`)].join("\n");
}

/** One line per region as its decisions are in: on a terminal only, never a flood. */
export function progressLine(p: RegionProgress): string {
  if (p.error) return `  ${p.region}: could not be decided: ${p.error}`;
  return `  ${p.region}: scanned ${p.scanned}${p.scanned ? ` (${counts(p.byKind)})` : ""}; ${p.acting} to act on`;
}
