/**
 * A run's message, before any service's format: what happened, to what, what it saved, what
 * failed. Built from the report alone. Results without links are bounded: the first few by name
 * with reasons, then "and N more" — a run that stops 1,000 machines still sends one short message.
 * Results with links (auto-stop's warnings: keep running / stop now) are a promise to each owner,
 * so every one is kept, grouped by owner (`autopilot:owner`), and the formats split them over
 * several messages (pages.ts).
 */
import { countWords, errorLine, type ResultEntry, type RunReport } from "../report/report.ts";
import { savingsLine } from "../report/savings.ts";
import { guardWords } from "../report/report.ts";
import { accountLabel, lineAccount } from "../accounts/accounts.ts";

export interface Digest {
  headline: string;
  /** Label and value pairs: function, regions, run id, trigger. */
  facts: Array<[string, string]>;
  counts: string;
  sections: Array<{ title: string; lines: string[]; more: number }>;
  /** Every result that carries links, by owner: none is ever left out of the messages. */
  groups?: OwnerGroup[];
  /** Links about the message as a whole (the monthly digest's dashboard): our own signed URLs, after the sections. */
  links?: DigestLink[];
  /** Owners (autopilot:owner) of the machines listed in `sections`: each format mentions those its service can. Never from names. */
  mentions?: string[];
}

/** One owner's machines with their links; `owner` undefined: machines with no owner tag. */
export interface OwnerGroup {
  owner?: string | undefined;
  /** `short`: the machine's name and id alone, for the list past a robot's message cap. */
  items: Array<{ line: string; short: string; links: DigestLink[] }>;
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

/** An owner tag's value as a mention may use it: never "all", never longer than a tag value. */
const ownerOf = (e: ResultEntry): string | undefined => {
  const o = e.detail?.owner;
  return typeof o === "string" && o.length > 0 && o.length <= 64 ? o : undefined;
};

/** renew-flag's results say which flag they set, `from → to (why)`; an unset flag is said as such. */
const flagChange = (e: ResultEntry): string | undefined => {
  const { from, to } = e.detail ?? {};
  return typeof to === "string" ? `${typeof from === "string" ? from : "unset"} → ${to} (${e.reason})` : undefined;
};

const where = (e: ResultEntry) =>
  `${e.name ? `${e.name} ` : ""}(${[lineAccount(e), e.id, e.region].filter(Boolean).join(", ")})`;
const resultLine = (e: ResultEntry) =>
  `${where(e)}: ${e.outcome}${e.code ? ` ${e.code}` : ""}: ${flagChange(e) ?? e.reason}`;
/** A machine under its owner: its reason, and its outcome only when that is news (a warning that failed). */
const itemLine = (e: ResultEntry) =>
  `${where(e)}: ${e.outcome === "done" || e.outcome === "planned" ? "" : `${e.outcome}${e.code ? ` ${e.code}` : ""}: `}${e.reason}`;

/** Results with links, grouped by owner in the order owners first appear; machines with no owner last. */
function ownerGroups(results: ResultEntry[]): OwnerGroup[] {
  const by = new Map<string | undefined, OwnerGroup>();
  for (const e of results) {
    const links = linksOf(e.detail);
    if (!links.length) continue;
    const owner = ownerOf(e);
    const g = by.get(owner) ?? { ...(owner ? { owner } : {}), items: [] };
    by.set(owner, g);
    g.items.push({ line: clip(itemLine(e)), short: clip(`${e.name ? `${e.name} ` : ""}(${e.id})`), links });
  }
  const unowned = by.get(undefined);
  by.delete(undefined);
  return [...by.values(), ...(unowned ? [unowned] : [])];
}

/** Warnings given (or, in a dry run, planned): auto-stop's `warn` action, which tags a machine and stops nothing. */
const warnsOf = (r: RunReport) =>
  r.results.filter((e) => e.action === "warn" && e.outcome === (r.dryRun ? "planned" : "done")).length;

/** Writes by outcome, a warning's tag said as a warning: "warned" beside "done" would read as two different runs. */
function writesWords(r: RunReport): string {
  const warns = warnsOf(r);
  const key = r.dryRun ? "planned" : "done";
  if (!warns) return counts(r.outcomes);
  return counts({
    [r.dryRun ? "to tag as warned" : "tagged as warned"]: warns,
    ...r.outcomes,
    [key]: r.outcomes[key] - warns,
  });
}

/** The run's state in words: a warning is "warned", never "done"; the guard, failures and errors after it. */
function stateWords(r: RunReport): string[] {
  const o = r.outcomes;
  const warns = warnsOf(r);
  const acted = (r.dryRun ? o.planned : o.done) - warns;
  const main =
    r.guard?.tripped && !r.accounts
      ? ["blast-radius guard tripped, nothing done"]
      : [
          ...(warns ? [r.dryRun ? `would warn ${warns}` : `warned ${warns}`] : []),
          ...(acted > 0 || !warns ? [r.dryRun ? `would act on ${acted}` : `done ${acted}`] : []),
        ];
  return [
    ...main,
    ...(r.guard?.tripped && r.accounts ? [guardWords(r)] : []),
    ...(o.failed ? [`failed ${o.failed}`] : []),
    ...(o.finding ? [`${o.finding} finding(s)`] : []),
    ...(r.errors.length ? [`${r.errors.length} error(s)`] : []),
    ...(r.notesCount.warnings ? [`${r.notesCount.warnings} warning(s)`] : []),
  ];
}

export function digestOf(r: RunReport, items = DIGEST_ITEMS, account?: string): Digest {
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
  const writes = writesWords(r);
  const sections: Digest["sections"] = [];
  const section = (title: string, all: string[], total: number) => {
    if (total)
      sections.push({ title, lines: all.slice(0, items).map(clip), more: total - Math.min(items, all.length) });
  };
  const groups = ownerGroups(r.results);
  const listed = groups.reduce((n, g) => n + g.items.length, 0);
  const plain = r.results.filter((e) => !linksOf(e.detail).length);
  section("Resources", plain.map(resultLine), r.resultsCount - listed);
  // Each notes list its function gave words to (FunctionSpec.noteLines: renew-flag's expiry warnings), under its name.
  for (const [k, lines] of Object.entries(r.noteLines ?? {}))
    section(`${k[0]!.toUpperCase()}${k.slice(1)}`, lines, r.notesCount[k] ?? lines.length);
  section("Notices", r.notices ?? [], r.notices?.length ?? 0);
  section("Errors", r.errors.map(errorLine), r.errors.length);
  const money = savingsLine(r.extras);
  const owners = [...new Set(plain.slice(0, items).flatMap((e) => ownerOf(e) ?? []))];
  return {
    ...(owners.length ? { mentions: owners } : {}),
    ...(groups.length ? { groups } : {}),
    headline: `cvm-autopilot ${r.function}${r.dryRun ? " (dry run)" : ""}: ${stateWords(r).join(", ")}`,
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
