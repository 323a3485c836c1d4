/**
 * rightsize, declared once: propose the smallest type of each running machine's family that its
 * 14-day P99 CPU (and memory, where the monitoring agent reports it) would fit, priced; resize the
 * machines tagged for it, in the maintenance window only, through the guard.
 */
import { blastRadius, shareOf } from "../../lib/runtime/guard.ts";
import { cellText, REPORT_DETAIL_LIMIT } from "../../lib/report/report.ts";
import { defineFunction, keyOf, type Outcome } from "../../lib/runtime/spec.ts";
import { tagText } from "../../lib/runtime/scope-words.ts";
import { resizeOne } from "./apply.ts";
import { RunTime } from "./pace.ts";
import { decideRegion } from "./collect.ts";
import { loadConfig, SETTINGS, type RightsizeConfig } from "./config.ts";
import { carriedOut, estimatedSavings } from "../../lib/report/savings.ts";
import { HOURS_PER_MONTH, KINDS, type RightsizeDecision, type RightsizeDetail, type RightsizeKind } from "./plan.ts";

/** One proposal as the report lists it, whether or not it is applied. */
export interface Proposal {
  id: string;
  name?: string | undefined;
  region: string;
  zone: string;
  from: string;
  to: string;
  cpuP95?: number | undefined;
  cpuP99?: number | undefined;
  memP99: number | null;
  monthlySaving?: number | undefined;
  message: string;
}

const PROPOSING: ReadonlySet<RightsizeKind> = new Set([
  "proposal",
  "waiting-for-window",
  "snoozed",
  "bad-snooze-tag",
  "resize",
]);

/**
 * A proposal as its region holds it until the region completes: the figures and the kind, not
 * yet the line. Memory: each region holds up to 1,000, and the line is the largest part (two
 * bytes a character, for its arrow): ten regions' lines were 3.4 MB of a 28 MB heap at 100,000
 * machines. Written when the region hands its list over, and the report keeps 1,000 in all.
 */
type Held = Omit<Proposal, "message"> & { kind: RightsizeKind };

function heldOf(d: RightsizeDecision): Held {
  const x = d.detail!;
  return {
    id: d.id,
    name: d.name,
    region: d.region,
    zone: x.zone,
    from: x.from,
    to: x.to!,
    cpuP95: x.cpuP95,
    cpuP99: x.cpuP99,
    memP99: x.memP99 ?? null,
    monthlySaving: x.monthlySaving,
    kind: d.kind,
  };
}

/** A proposal's one line: which machine, from → to, its usage and the monthly difference. */
function proposalOf(h: Held): Proposal {
  const who = `${h.name ? `${h.name} ` : ""}(${h.id}, ${h.region})`;
  const money = h.monthlySaving !== undefined ? `saves ${h.monthlySaving} CNY/month` : "unpriced";
  const mem = h.memP99 === null ? "memory unknown: no monitoring agent" : `memory P99 ${h.memP99}%`;
  // Joined, not a template literal (memory): V8 keeps a template's result as a chain of ~20
  // pieces (700 bytes a line where the report holds 1,000).
  const message = [
    who,
    " ",
    h.from,
    " → ",
    h.to,
    ": CPU P95 ",
    // String(): a join writes undefined as "", the template wrote "undefined".
    String(h.cpuP95),
    "% P99 ",
    String(h.cpuP99),
    "%, ",
    mem,
    "; ",
    money,
    " (",
    KINDS[h.kind],
    ")",
  ].join("");
  const { id, name, region, zone, from, to, cpuP95, cpuP99, memP99, monthlySaving } = h;
  return { id, name, region, zone, from, to, cpuP95, cpuP99, memP99, monthlySaving, message };
}

/** Estimated savings of a run's resizes. */
export type RightsizeExtras = {
  currency?: string;
  estimatedHourlySavings?: number;
  estimatedMonthlySavings?: number;
  unpriced?: number;
  unpricedTypes?: string[];
};

export default defineFunction<RightsizeConfig, RightsizeKind, never, RightsizeExtras, RightsizeDetail>({
  name: "rightsize",
  // rightsize resizes only in a maintenance window; the demo's is all day, so its tagged machine shows the plan.
  demoSettings: { RIGHTSIZE_WINDOW: "00:00-24:00" },
  description:
    "Propose a smaller type for running instances from 14 days of P99 CPU and memory, priced; resize tagged ones in a window",
  schedule: "0 19 * * *",
  settings: SETTINGS,
  scope: ({ policy: p }) =>
    `running instances: P99 CPU over ${p.lookbackDays} days under ${p.cpuTarget}% on the smaller type; resized only if tagged ${tagText(p.applyTag)}, ${p.window.length ? `in the window (${p.timeZone})` : "never (no RIGHTSIZE_WINDOW)"}`,
  calls: [
    "DescribeInstances",
    "GetMonitorData",
    "DescribeZoneInstanceConfigInfos",
    "InquiryPriceResetInstancesType",
    "TagResources",
    "UnTagResources",
    "StopInstances",
    "ResetInstancesType",
    "StartInstances",
  ],
  loadConfig,
  kinds: KINDS,
  columns: () => [
    { head: "zone", cell: (d) => cellText(d.detail?.zone) },
    { head: "CPU P99", cell: (d) => (d.detail?.cpuP99 !== undefined ? `${d.detail.cpuP99}%` : "") },
    { head: "CNY/month saved", cell: (d) => cellText(d.detail?.monthlySaving), missing: "unpriced" },
    { head: "type", cell: (d) => `${cellText(d.detail?.from)} → ${cellText(d.detail?.to)}`, keep: true },
  ],
  noteLines: { proposals: (p: Proposal) => p.message },
  async decide(ctx, region) {
    const proposals: Held[] = [];
    let count = 0;
    const acting: RightsizeDecision[] = [];
    await decideRegion(ctx.client, ctx.logger, region, ctx.config.policy, ctx.now, ctx.only, (d) => {
      if (PROPOSING.has(d.kind)) {
        count++;
        // Built only while the list has room: past it a proposal was made and dropped at once.
        if (proposals.length < REPORT_DETAIL_LIMIT) proposals.push(heldOf(d));
      }
      if (d.action) acting.push(d);
      else ctx.decided(d);
    });
    return { decisions: acting, notes: { proposals: proposals.map(proposalOf) }, notesCount: { proposals: count } };
  },
  // Machines judged count in the denominator; a machine with too little data or no offer was not judged.
  guard: (summary, config) =>
    blastRadius(summary, new Set<RightsizeKind>(["too-little-data", "no-offer"]), {
      maxFraction: config.policy.maxFraction,
      maxCount: config.policy.maxCount,
      override: config.policy.overrideGuard,
    }),
  guardHelp:
    "check the resizes listed are right, then raise RIGHTSIZE_MAX_COUNT or RIGHTSIZE_MAX_FRACTION, or set RIGHTSIZE_OVERRIDE_GUARD=true for one run",
  shareLimits: (config, shards) => ({
    ...config,
    policy: { ...config.policy, maxCount: shareOf(config.policy.maxCount, shards) },
  }),
  // What the resizes done (or, in a dry run, planned) save a month, from each proposal's two
  // prices; a resize with no price (one finished from an earlier run's tag, or unquoted) is counted
  // and named, never free.
  extras(acting, outcomes, ctx): RightsizeExtras {
    const counted = carriedOut(acting, outcomes, ctx.dryRun, "resize");
    if (!counted.length) return {};
    let monthly = 0;
    const unpriced: string[] = [];
    for (const d of counted) {
      const saving = d.detail?.monthlySaving;
      if (saving !== undefined) monthly += saving;
      else unpriced.push(d.detail?.from ?? "");
    }
    return estimatedSavings("CNY", monthly / HOURS_PER_MONTH, unpriced);
  },
  /** One machine at a time: each resize is a stop and a start of a machine someone relies on. */
  async apply(ctx, acting) {
    const out = new Map<string, Outcome>();
    const run = new RunTime(ctx.sleep, ctx.now.getTime(), ctx.runningFor());
    for (const d of acting) out.set(keyOf(d), await resizeOne(ctx.client, d, run, ctx.config.policy.applyTag));
    return out;
  },
});
