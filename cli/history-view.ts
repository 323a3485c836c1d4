/** How `history` and `savings` print for a person (table) or a spreadsheet (csv). */
import type { RunRecord } from "../lib/history/records.ts";
import type { SavingsReport } from "../lib/history/realised.ts";

export type Grouping =
  | { kind: "owner" | "project" | "function" | "account" | "region" | "day" }
  | { kind: "tag"; key: string };

const money = (n: number) => n.toFixed(2);
const minute = (iso: string) => `${iso.slice(0, 16).replace("T", " ")}Z`;

/** Runs, newest first, each with its writes and what the ledger saw. */
export function renderHistory(records: readonly RunRecord[]): string {
  if (!records.length) return "no runs in this period";
  const lines: string[] = [];
  for (const r of [...records].sort((a, b) => b.startedAt.localeCompare(a.startedAt))) {
    const o = r.outcomes;
    lines.push(
      `${minute(r.startedAt)}  ${r.function}  account ${r.account}  (${r.trigger})  scanned ${r.scanned}, done ${o.done}` +
        `${o.failed ? `, failed ${o.failed}` : ""}${o["changed-under-us"] ? `, changed under us ${o["changed-under-us"]}` : ""}` +
        `${o["skipped-by-guard"] ? `, held by the guard ${o["skipped-by-guard"]}` : ""}${r.errors.length ? `, errors ${r.errors.length}` : ""}`,
    );
    for (const a of r.actions)
      lines.push(
        `    ${a.action.padEnd(6)} ${a.id} ${a.region}${a.name ? ` (${a.name})` : ""}: ${a.outcome}${a.code ? ` ${a.code}` : ""}`,
      );
    for (const e of r.events)
      if (e.type === "close")
        lines.push(
          `    ${e.id} ${e.region}: ${e.by === "our-start" ? "started by us" : e.by === "seen-gone" ? "gone" : "found running"}; stopped until at least ${minute(e.lastStopped)}`,
        );
    for (const e of r.errors.slice(0, 5)) lines.push(`    error ${e.code}: ${e.message}`);
  }
  return lines.join("\n");
}

/** The groups `--by` asks for, largest first. */
export function groupsOf(r: SavingsReport, by: Grouping): Array<[string, number]> {
  const m =
    by.kind === "tag"
      ? (r.byTag?.groups ?? {})
      : {
          owner: r.byOwner,
          project: r.byProject,
          function: r.byFunction,
          account: r.byAccount,
          region: r.byRegion,
          day: r.byDay,
        }[by.kind];
  const rows = Object.entries(m);
  return by.kind === "day" ? rows.sort(([a], [b]) => a.localeCompare(b)) : rows.sort(([, a], [, b]) => b - a);
}

const label = (by: Grouping) => (by.kind === "tag" ? `tag ${by.key}` : by.kind);

export function renderSavings(r: SavingsReport, by: Grouping): string {
  const lines = [
    `Realised savings, ${r.month}: ${money(r.realised)} ${r.currency} (${r.hoursNotBilled} machine-hours not billed of ${r.hoursStopped} stopped)`,
  ];
  if (r.unpricedHours) lines.push(`  plus ${r.unpricedHours} hours not billed on machines with no price (not counted)`);
  const groups = groupsOf(r, by);
  if (groups.length) {
    lines.push("", `By ${label(by)}:`);
    const w = Math.max(...groups.map(([k]) => k.length), 8);
    for (const [k, v] of groups) lines.push(`  ${k.padEnd(w)}  ${money(v).padStart(12)}`);
  }
  if (r.instances.length) {
    lines.push("", "Machines (most saved first):");
    for (const i of r.instances.slice(0, 20))
      lines.push(
        `  ${i.id.padEnd(14)} ${i.function.padEnd(16)} ${String(i.hoursStopped).padStart(8)} h stopped  ${i.saved === null ? "no price".padStart(12) : money(i.saved).padStart(12)}`,
      );
    if (r.instances.length > 20) lines.push(`  … ${r.instances.length - 20} more (-o json lists every one)`);
  }
  lines.push("", r.note);
  return lines.join("\n");
}

/** CSV of the groups: one header, one line a group; a value with a comma or quote is quoted. */
export function savingsCsv(r: SavingsReport, by: Grouping): string {
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return [
    `${q(label(by))},realised_${r.currency.toLowerCase()}`,
    ...groupsOf(r, by).map(([k, v]) => `${q(k)},${money(v)}`),
  ].join("\n");
}
