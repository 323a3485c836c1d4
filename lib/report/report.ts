/**
 * The one report every function returns, in one vocabulary (docs/design.md, "Reports"): decisions counted
 * by kind, writes counted by outcome (planned, done, changed-under-us, failed, skipped-by-guard),
 * the first REPORT_DETAIL_LIMIT of each list with reasons, every error with its RequestId.
 */
import type { Column, Decision, Guard, Outcome, OutcomeStatus } from "./decision.ts";
import type { ErrorEntry, ReportBase } from "./report-head.ts";
import { lineAccount } from "../accounts/accounts.ts";

/** Reports stay small enough to return from a function (SCF caps a synchronous reply at 6 MB). */
export const REPORT_DETAIL_LIMIT = 1000;

/** Appends to one of a report's lists while it has room (REPORT_DETAIL_LIMIT); `as` shapes only what is kept. */
export function appendCapped<T, U = T>(
  into: U[],
  items: readonly T[],
  as: (item: T) => U = (x) => x as unknown as U,
): void {
  for (const item of items.slice(0, Math.max(0, REPORT_DETAIL_LIMIT - into.length))) into.push(as(item));
}

/** A decision that asked for a write, and what became of it. */
export interface ResultEntry {
  /** The account's uin, in a run over several accounts, and its name where the organization gives one. */
  account?: string | undefined;
  accountName?: string | undefined;
  id: string;
  region: string;
  name?: string | undefined;
  action: string;
  kind: string;
  reason: string;
  outcome: OutcomeStatus;
  code?: string | undefined;
  requestId?: string | undefined;
  detail?: Record<string, unknown> | undefined;
  /** The function's own columns for this row (RunReport.columns), in order. */
  cells?: string[] | undefined;
}

/** A decision that kept a resource as it is. */
export interface KeptEntry {
  account?: string | undefined;
  accountName?: string | undefined;
  id: string;
  region: string;
  name?: string | undefined;
  kind: string;
  reason: string;
}

export type OutcomeCounts = Record<OutcomeStatus, number>;

export interface RunReport extends ReportBase {
  /** Resources decided about. */
  scanned: number;
  /** Every decision, counted by its kind's words. */
  byKind: Record<string, number>;
  /** Writes, counted by outcome. */
  outcomes: OutcomeCounts;
  byRegion: Record<string, { scanned: number; byKind: Record<string, number>; outcomes: OutcomeCounts }>;
  results: ResultEntry[];
  resultsCount: number;
  kept: KeptEntry[];
  keptCount: number;
  /** Kept decisions, counted by kind: why nothing was done to them. */
  keptByKind: Record<string, number>;
  guard?: Guard | undefined;
  /** Function-specific lists (expiry warnings, …), each at most REPORT_DETAIL_LIMIT long. */
  notes: Record<string, unknown[]>;
  /** How many entries each notes list had in all, listed or not. */
  notesCount: Record<string, number>;
  /** Each notes list in words, an entry a line, as the function says them (FunctionSpec.noteLines). */
  noteLines?: Record<string, string[]> | undefined;
  /** The function's own table columns (FunctionSpec.columns); each result carries its cells. */
  columns?: Array<{ head: string; missing?: string | undefined; keep?: boolean | undefined }> | undefined;
  extras: Record<string, unknown>;
  /** What people call each extras field (FunctionSpec.extraLabels): the words tables and messages use. */
  extraLabels?: Record<string, string>;
  /**
   * Run-wide notices for people, each once however many regions or accounts the run covered: a
   * fact about the run itself, such as a holiday calendar past its data. Shown in the table and
   * in any message the run sends; a notice alone sends no message.
   */
  notices?: string[] | undefined;
  /** Per account, in a run over several: what each shard did, or why it could not run. */
  accounts?: AccountSummary[] | undefined;
}

export interface AccountSummary {
  uin: string;
  name?: string | undefined;
  regions: string[];
  scanned: number;
  outcomes: OutcomeCounts;
  errors: number;
  guard?: Guard | undefined;
  /** Set when the shard did not run (its role could not be assumed). */
  error?: { code: string; message: string; requestId?: string | undefined } | undefined;
}

export const emptyOutcomes = (): OutcomeCounts => ({
  planned: 0,
  done: 0,
  "changed-under-us": 0,
  failed: 0,
  "skipped-by-guard": 0,
  finding: 0,
});

/** A report's counts and lists before anything is decided: the runner's and the many-account merge's starting point. */
export const emptyTally = () => ({
  scanned: 0,
  byKind: {},
  outcomes: emptyOutcomes(),
  byRegion: {},
  results: [],
  resultsCount: 0,
  kept: [],
  keptCount: 0,
  keptByKind: {},
  notes: {},
  notesCount: {},
  extras: {},
});

/**
 * What became of one decision that asked for a write: the one rule the report and the run
 * history share. A read-only function's is a finding; a tripped guard held every write back; a
 * dry run planned it; else its outcome, and none means it failed.
 */
export function outcomeStatus(
  o: Outcome | undefined,
  run: { writes: boolean; guardTripped: boolean; dryRun: boolean },
): OutcomeStatus {
  if (!run.writes) return "finding";
  if (run.guardTripped) return "skipped-by-guard";
  if (run.dryRun) return "planned";
  return o?.status ?? "failed";
}

/** The listed entry for one acting decision: its result, its kind's label and the function's own cells. */
export function resultEntry<K extends string>(
  d: Decision<K>,
  status: OutcomeStatus,
  o: Outcome | undefined,
  kinds: Record<K, string>,
  columns: ReadonlyArray<Column<K>>,
): ResultEntry {
  // resultOf's entry is fresh, so it is completed in place: on Node 20 a spread followed by more
  // fields gives every object a hidden class of its own (1–4 µs; see auto-stop's plan.ts), and a
  // run lists an entry for each machine it acts on.
  const entry = resultOf(d, status, o);
  entry.kind = kinds[d.kind];
  if (columns.length) entry.cells = columns.map((c) => c.cell(d));
  return entry;
}

/** The report entry for one acting decision. */
export function resultOf(d: Decision, status: OutcomeStatus, o?: Outcome): ResultEntry {
  const code = o && o.status !== "done" ? o.code : undefined;
  // Object.assign, not `{ ...a, ...b }`: two spreads are the slow case on Node 20 (see resultEntry).
  const detail: Record<string, unknown> = Object.assign({}, d.detail, o?.status === "done" ? o.detail : undefined);
  return {
    id: d.id,
    region: d.region,
    ...(d.name ? { name: d.name } : {}),
    action: d.action!,
    kind: d.kind,
    reason: d.reason,
    outcome: status,
    ...(code ? { code } : {}),
    ...(o?.requestId ? { requestId: o.requestId } : {}),
    ...(Object.keys(detail).length ? { detail } : {}),
  };
}

/** A detail field as a table cell: text or a number, else "" (no value). */
export const cellText = (v: unknown): string => (typeof v === "string" || typeof v === "number" ? String(v) : "");

/** Counts in words, `3 idle`, one per non-zero entry: the one way the summary, the table and the messages say them. */
export const countWords = (m: Record<string, number>): string[] =>
  Object.entries(m)
    .filter(([, v]) => v)
    .map(([k, v]) => `${v} ${k}`);

/** One error in words, for the table and the messages: where, code, message, RequestId. */
export function errorLine(e: ErrorEntry): string {
  const where = [lineAccount(e), e.region, e.id, e.action].filter(Boolean).join(" ");
  return `${where}${where ? ": " : ""}${e.code}: ${e.message}${e.requestId ? ` (RequestId ${e.requestId})` : ""}`;
}

/**
 * Whether the guard held back the whole run: it tripped, and nothing was done (or, in a dry run,
 * planned) anywhere. Over several accounts one may trip while another acts; then the run did
 * something, and no text or exit code may say otherwise.
 */
export function guardHeldAll(r: { guard?: { tripped: boolean } | undefined; outcomes?: OutcomeCounts }): boolean {
  return r.guard?.tripped === true && acted(r.outcomes) === 0;
}

/** What the run did, or in a dry run planned: the count the guard's verdicts weigh. */
const acted = (o: OutcomeCounts | undefined) => (o?.done ?? 0) + (o?.planned ?? 0);

/** A failed run in one phrase, true for the whole run: what the guard held back, what was done anyway, and the errors. */
export function failureWords(r: {
  guard?: Guard | undefined;
  outcomes?: OutcomeCounts;
  errors: unknown[];
  accounts?: AccountSummary[] | undefined;
}): string {
  const parts: string[] = [];
  if (guardHeldAll(r)) parts.push("the blast-radius guard tripped: nothing was done");
  else if (r.guard?.tripped) {
    const done = acted(r.outcomes);
    const help = r.guard.help ? `; to proceed: ${r.guard.help}` : "";
    parts.push(
      `${r.accounts ? guardWords(r as RunReport, false) : "the blast-radius guard tripped"}; ${done} ${r.outcomes?.planned ? "planned" : "done"} elsewhere${help}`,
    );
  }
  if (r.errors.length) parts.push(`${r.errors.length} error(s)`);
  return parts.join("; ");
}

/** The guard's verdict in words; over several accounts, where it held the run back. */
export function guardWords(r: RunReport, withHelp = true): string {
  const g = r.guard!;
  const held = r.accounts?.filter((a) => a.guard?.tripped).map((a) => a.uin);
  const help = g.help && withHelp ? `; to proceed: ${g.help}` : "";
  if (held)
    return `blast-radius guard tripped in ${held.length} of ${r.accounts!.length} accounts (${held.join(", ")}): nothing done there${help}`;
  return `blast-radius guard tripped: ${g.wouldAct} of ${g.inScope} in scope, limit ${g.limit}; nothing done${help}`;
}
