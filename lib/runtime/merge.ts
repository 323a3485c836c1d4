/**
 * Shard reports into one run report. Every entry that names a resource gets its
 * account's uin; regions are keyed `uin/region`; counts add up; the guard and savings are summed;
 * a shard that could not run is an error with its code and RequestId, and the others stand.
 */
import type { Account } from "../accounts/accounts.ts";
import { appendCapped, emptyOutcomes, emptyTally, type AccountSummary, type RunReport } from "../report/report.ts";
import type { Guard } from "./spec.ts";
import { cents } from "../report/savings.ts";
import type { ErrorEntry, ReportBase } from "../report/report-head.ts";

export type ShardResult =
  | { account: Account; report: RunReport; error?: undefined }
  | {
      account: Account;
      report?: undefined;
      error: { code: string; message: string; requestId?: string | undefined; action?: string | undefined };
    };

const add = (into: Record<string, number>, from: Record<string, number>) => {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
};

/** Figures add up, lists join, the rest is kept from the first shard that has it. */
function mergeExtras(all: Array<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const e of all) {
    for (const [k, v] of Object.entries(e)) {
      const have = out[k];
      if (typeof v === "number" && (typeof have === "number" || have === undefined))
        out[k] = cents(((have as number | undefined) ?? 0) + v);
      else if (Array.isArray(v)) out[k] = [...new Set([...(Array.isArray(have) ? have : []), ...v])];
      else if (have === undefined) out[k] = v;
    }
  }
  return out;
}

/** Who a shard's lines name: the uin, and the member's name where known. */
type Who = { account: string; accountName?: string };

/** A shard's line in the run's list of accounts: its figures, or the error that kept it from running. */
function accountSummary(s: ShardResult): AccountSummary {
  const summary: AccountSummary = {
    uin: s.account.uin,
    ...(s.account.name ? { name: s.account.name } : {}),
    regions: [],
    scanned: 0,
    outcomes: emptyOutcomes(),
    errors: 0,
  };
  if (!s.report) {
    summary.error = { code: s.error.code, message: s.error.message, requestId: s.error.requestId };
    summary.errors = 1;
    return summary;
  }
  const r = s.report;
  return Object.assign(summary, {
    regions: r.regions,
    scanned: r.scanned,
    outcomes: r.outcomes,
    errors: r.errors.length,
    ...(r.guard ? { guard: r.guard } : {}),
  });
}

/** One shard's report added into the run's: counts add up, lists join (capped), each entry names its account. */
function addShard(out: RunReport, r: RunReport, who: Who): void {
  const uin = who.account;
  for (const region of r.regions) if (!out.regions.includes(region)) out.regions.push(region);
  out.scanned += r.scanned;
  add(out.byKind, r.byKind);
  add(out.outcomes as unknown as Record<string, number>, r.outcomes as unknown as Record<string, number>);
  add(out.keptByKind, r.keptByKind);
  for (const [region, v] of Object.entries(r.byRegion)) out.byRegion[`${uin}/${region}`] = v;
  // A warning's snooze links name the function's own account only (lib/snooze): in a run over
  // several accounts they are left out rather than sent where they cannot act.
  appendCapped(out.results, r.results, (e) => ({ ...who, ...withoutLinks(e) }));
  appendCapped(out.kept, r.kept, (e) => ({ ...who, ...e }));
  out.resultsCount += r.resultsCount;
  out.keptCount += r.keptCount;
  for (const e of r.errors) out.errors.push({ ...who, ...e });
  add(out.notesCount, r.notesCount ?? {});
  for (const [k, list] of Object.entries(r.notes))
    appendCapped((out.notes[k] ??= []), list, (n) => (n && typeof n === "object" ? { ...who, ...n } : n));
  for (const [k, lines] of Object.entries(r.noteLines ?? {}))
    appendCapped(((out.noteLines ??= {})[k] ??= []), lines, (l) => `${uin}: ${l}`);
  out.columns ??= r.columns;
}

/** Each shard had its own guard; the run's is tripped if any was, with the figures summed. */
function mergeGuards(guards: Guard[]): Guard | undefined {
  if (!guards.length) return undefined;
  const help = guards.find((g) => g.help)?.help;
  return {
    tripped: guards.some((g) => g.tripped),
    inScope: sum(guards, "inScope"),
    wouldAct: sum(guards, "wouldAct"),
    limit: sum(guards, "limit"),
    ...(help ? { help } : {}),
  };
}

export function mergeShardReports(shards: ShardResult[], head: Omit<ReportBase, "regions" | "errors">): RunReport {
  const errors: ErrorEntry[] = [];
  const out: RunReport = {
    ...head,
    regions: [],
    ...emptyTally(),
    errors,
    accounts: [],
  };
  for (const s of shards) {
    const uin = s.account.uin;
    // Every line that names a resource names its account: the uin, and the member's name where known.
    const who: Who = { account: uin, ...(s.account.name ? { accountName: s.account.name } : {}) };
    out.accounts!.push(accountSummary(s));
    if (s.report) addShard(out, s.report, who);
    else
      errors.push({
        ...who,
        action: s.error.action,
        code: s.error.code,
        message: `account ${uin}: ${s.error.message}`,
        requestId: s.error.requestId,
      });
  }
  const notices = [...new Set(shards.flatMap((s) => s.report?.notices ?? []))];
  if (notices.length) out.notices = notices;
  out.extras = mergeExtras(shards.flatMap((s) => (s.report ? [s.report.extras] : [])));
  const labels = Object.assign({}, ...shards.map((s) => s.report?.extraLabels ?? {})) as Record<string, string>;
  if (Object.keys(labels).length) out.extraLabels = labels;
  const guard = mergeGuards(shards.flatMap((s) => (s.report?.guard ? [s.report.guard] : [])));
  if (guard) out.guard = guard;
  return out;
}

const sum = (gs: Guard[], k: "inScope" | "wouldAct" | "limit") => gs.reduce((n, g) => n + g[k], 0);

function withoutLinks<E extends { detail?: Record<string, unknown> | undefined }>(e: E): E {
  if (!e.detail || !("links" in e.detail)) return e;
  const { links: _links, ...detail } = e.detail;
  return { ...e, detail };
}
