/**
 * A run's one message, before any service's format: what happened, to what, what it saved, what
 * failed. Built from the report alone and bounded: the first few resources by name
 * with reasons, then "and N more" — a run that stops 1,000 machines still sends one short message.
 */
import { countWords, errorLine, type RunReport } from "../runtime/report.ts";
import { savingsLine } from "../runtime/savings.ts";
import { guardWords } from "../runtime/report.ts";
import { accountLabel, lineAccount } from "../accounts/accounts.ts";

export interface Digest {
  headline: string;
  /** Label and value pairs: function, regions, run id, trigger. */
  facts: Array<[string, string]>;
  counts: string;
  sections: Array<{ title: string; lines: string[]; more: number; links?: Array<DigestLink[]>; moreNote?: string }>;
  /** Owners (autopilot:owner) of the machines the run warned of or acted on: each format mentions those its service can. Never from names. */
  mentions?: string[];
}

/** A link the message carries beside a line: our own signed URL, rendered as a link by each format (never taken from tenant text). */
export interface DigestLink {
  label: string;
  url: string;
}

/** The links a result carries (auto-stop's warnings: keep running / stop now), read defensively from its detail. */
const linksOf = (detail: Record<string, unknown> | undefined): DigestLink[] =>
  Array.isArray(detail?.links)
    ? (detail.links as unknown[]).filter(
        (l): l is DigestLink =>
          typeof (l as DigestLink)?.label === "string" &&
          typeof (l as DigestLink)?.url === "string" &&
          /^https?:\/\//.test((l as DigestLink).url),
      )
    : [];

/** Resources, warnings and errors listed by name before "and N more". */
export const DIGEST_ITEMS = 10;
const ITEM_CHARS = 240;

const clip = (s: string) => (s.length > ITEM_CHARS ? `${s.slice(0, ITEM_CHARS - 1)}…` : s).replace(/\s+/g, " ");
const counts = (m: Record<string, number>) => countWords(m).join(", ");

/** Whether a run is worth a message: it acted, planned, tripped the guard, warned or failed. */
export function eventful(r: RunReport): boolean {
  const o = r.outcomes;
  return (
    o.planned + o.done + o["changed-under-us"] + o.failed + o["skipped-by-guard"] + o.finding > 0 ||
    r.guard?.tripped === true ||
    r.errors.length > 0 ||
    (r.notesCount.warnings ?? 0) > 0
  );
}

export function digestOf(r: RunReport, items = DIGEST_ITEMS, account?: string): Digest {
  const o = r.outcomes;
  const state = [
    r.guard?.tripped && !r.accounts
      ? "blast-radius guard tripped, nothing done"
      : r.dryRun
        ? `would act on ${o.planned}`
        : `done ${o.done}`,
    ...(r.guard?.tripped && r.accounts ? [guardWords(r)] : []),
    ...(o.failed ? [`failed ${o.failed}`] : []),
    ...(o.finding ? [`${o.finding} finding(s)`] : []),
    ...(r.errors.length ? [`${r.errors.length} error(s)`] : []),
    ...(r.notesCount.warnings ? [`${r.notesCount.warnings} warning(s)`] : []),
  ];
  const facts: Array<[string, string]> = [
    ["function", r.function],
    ...(r.accounts
      ? [["accounts", r.accounts.map(accountLabel).join(", ")] as [string, string]]
      : account
        ? [["account", account] as [string, string]]
        : []),
    ["regions", r.regions.join(", ") || "none"],
    ["run", r.runId],
    ["trigger", `${r.trigger}${r.dryRun ? ", dry run" : ""}`],
  ];
  const writes = counts(r.outcomes);
  const sections: Digest["sections"] = [];
  const section = (title: string, all: string[], total: number, links?: DigestLink[][]) => {
    if (!total) return;
    const shown = links?.slice(0, items);
    const more = total - Math.min(items, all.length);
    // Links left out of a message that cannot hold them all are in the report, which keeps every result.
    const linked = links?.some((l) => l.length) ?? false;
    sections.push({
      title,
      lines: all.slice(0, items).map(clip),
      more,
      ...(shown?.some((l) => l.length) ? { links: shown } : {}),
      ...(linked && more > 0
        ? { moreNote: "their links are in the run's report (--out, REPORT_DIR, or the log)" }
        : {}),
    });
  };
  section(
    "Resources",
    r.results.map(
      (e) =>
        `${e.name ? `${e.name} ` : ""}(${[lineAccount(e), e.id, e.region].filter(Boolean).join(", ")}): ${e.outcome}${e.code ? ` ${e.code}` : ""}: ${e.reason}`,
    ),
    r.resultsCount,
    r.results.map((e) => linksOf(e.detail)),
  );
  // Each notes list its function gave words to (FunctionSpec.noteLines: renew-flag's expiry warnings), under its name.
  for (const [k, lines] of Object.entries(r.noteLines ?? {}))
    section(`${k[0]!.toUpperCase()}${k.slice(1)}`, lines, r.notesCount[k] ?? lines.length);
  section("Notices", r.notices ?? [], r.notices?.length ?? 0);
  section("Errors", r.errors.map(errorLine), r.errors.length);
  const money = savingsLine(r.extras);
  const owners = [
    ...new Set(
      r.results
        .map((e) => e.detail?.owner)
        .filter((o): o is string => typeof o === "string" && o.length > 0 && o.length <= 64),
    ),
  ];
  return {
    ...(owners.length ? { mentions: owners } : {}),
    headline: `cvm-autopilot ${r.function}${r.dryRun ? " (dry run)" : ""}: ${state.join(", ")}`,
    facts,
    counts: [
      `scanned ${r.scanned}`,
      counts(r.byKind) && `decided: ${counts(r.byKind)}`,
      writes && `writes: ${writes}`,
      money,
      r.guard?.tripped &&
        `guard: ${r.guard.wouldAct} of ${r.guard.inScope} in scope, limit ${r.guard.limit}${r.guard.help ? `; to proceed: ${r.guard.help}` : ""}`,
    ]
      .filter(Boolean)
      .join(" · "),
    sections,
  };
}

/** The message of a run that ended without a report (it threw): what failed, and where to look. */
export function failureDigest(
  fn: string,
  runId: string,
  err: { code?: unknown; message: string; requestId?: unknown },
): Digest {
  const code = typeof err.code === "string" ? `${err.code}: ` : "";
  const rid = typeof err.requestId === "string" ? ` (RequestId ${err.requestId})` : "";
  return {
    headline: `cvm-autopilot ${fn}: run failed`,
    facts: [
      ["function", fn],
      ["run", runId],
    ],
    counts: "the run ended before its report; nothing after the failure was done",
    sections: [{ title: "Errors", lines: [clip(`${code}${err.message}${rid}`)], more: 0 }],
  };
}
