/**
 * Decides which instances to stop. Pure: takes the described instances, their metrics, the
 * policy and `now`; returns decisions. Never stops on missing data. Each decision
 * carries a `kind` from a closed list: statistics and the guard read the kind, never the prose.
 */
import { inWindow, minutesInZone, parseWindow, type TimeWindow } from "../../lib/config/parsers.ts";
import type { Instance } from "../../lib/tencent/data-types.ts";
import { tagsOf } from "../../lib/tencent/normalize.ts";
import {
  addWherePresent,
  distinctSlots,
  joinOnTimestamps,
  NO_POINTS,
  withinWindow,
  type Series,
} from "../../lib/tencent/series.ts";
import { instantTag, snoozeOf } from "../../lib/snooze/snooze.ts";
import { runningPeriodOf, warningStanding, type Announcement } from "../../lib/snooze/warning-tag.ts";
import { decisionOf, type Decision as SpecDecision } from "../../lib/runtime/spec.ts";
import type { AutoStopPolicy } from "./config.ts";
import { idleReason } from "./idle-reason.ts";
import { utcSeconds } from "../../lib/utc-seconds.ts";

/** Why an instance is kept or stopped. The first four put it outside the scope the guard counts. */
export const KINDS = {
  "not-postpaid": "not pay-as-you-go",
  "not-running": "not running",
  "opted-out": "opted out",
  "name-mismatch": "name does not match",
  "too-young": "too young",
  "outside-window": "outside the stop window",
  "bad-schedule-tag": "bad schedule tag",
  "not-alarmed": "no idle alarm",
  "not-asked": "not checked: this run was for one named machine",
  snoozed: "snoozed",
  "bad-snooze-tag": "bad snooze tag",
  warned: "warned, stop pending",
  "asked-to-stop": "stop asked through a link",
  "restarted-since-link": "started again since the link was sent",
  "snooze-ended": "snooze ended",
  deferred: "deferred: metric budget",
  "busy-remembered": "busy: CPU, seen lately",
  "missing-cpu": "missing CPU metrics",
  "busy-cpu": "busy: CPU",
  "missing-traffic": "missing traffic metrics",
  "busy-network": "busy: network",
  idle: "idle",
  "idle-warned": "idle: warned first",
} as const;
export type DecisionKind = keyof typeof KINDS;

/** Scope rules, after the server-side ones (charge type, state, tags, projects): outside them, an instance is not in the fleet the guard measures. */
export const OUT_OF_SCOPE: ReadonlySet<DecisionKind> = new Set([
  "not-postpaid",
  "not-running",
  "opted-out",
  "name-mismatch",
]);
/** Kinds decided from metrics: the instance passed screening (its CPU was queried). */
export const SCREENED_IN: ReadonlySet<DecisionKind> = new Set([
  "missing-cpu",
  "busy-cpu",
  "missing-traffic",
  "busy-network",
  "idle",
  "idle-warned",
  "warned",
]);
/** Kinds whose CPU looked idle, so their outbound traffic was queried too. */
export const TRAFFIC_QUERIED: ReadonlySet<DecisionKind> = new Set([
  "missing-traffic",
  "busy-network",
  "idle",
  "idle-warned",
  "warned",
]);

/** The fields the plan reads, per instance. */
export type RegionalInstance = Pick<
  Instance,
  | "InstanceId"
  | "InstanceName"
  | "InstanceState"
  | "InstanceChargeType"
  | "InstanceType"
  | "CreatedTime"
  | "Tags"
  | "PublicIpAddresses"
  | "LatestOperationRequestId"
> & {
  Placement?: { Zone: string } | undefined;
  Region: string;
};

export interface InstanceMetrics {
  cpu: Series;
  /** LanOuttraffic and WanOuttraffic, Mbps; undefined when not fetched. Joined on timestamps by the plan. */
  lan?: Series | undefined;
  wan?: Series | undefined;
  /**
   * The instance has no public IP, so its public (WAN) traffic is zero: Cloud Monitor's docs do not
   * say whether WanOuttraffic then has zero points or none, so a missing WAN point is read as 0
   * only on this positive evidence, never for an instance that has a public address.
   */
  noPublicIp?: boolean;
}

/** A decision about one instance: `stop`, or kept for the reason its kind names. */
export type Decision = SpecDecision<DecisionKind>;

export const SCHEDULE_TAG = "autopilot:schedule";
/** At least this share of the window's period slots must have data to call an instance idle (counted by distinct slot, not by point). */
export const MIN_COVERAGE = 0.8;

export type Verdict = { kind: DecisionKind; reason: string };

/** Why an instance is not even a candidate for metrics, or undefined if it is one. */
export function screen(
  inst: RegionalInstance,
  policy: AutoStopPolicy,
  now: Date,
  tags: ReadonlyMap<string, string> = tagsOf(inst),
): Verdict | undefined {
  if (inst.InstanceChargeType !== "POSTPAID_BY_HOUR")
    return { kind: "not-postpaid", reason: `charge type ${inst.InstanceChargeType} is not POSTPAID_BY_HOUR` };
  if (inst.InstanceState !== "RUNNING")
    return { kind: "not-running", reason: `state ${inst.InstanceState} is not RUNNING` };
  if (tags.get(policy.optOutTag.key) === policy.optOutTag.value)
    return { kind: "opted-out", reason: `opted out by tag ${policy.optOutTag.key}=${policy.optOutTag.value}` };
  if (policy.namePattern && !policy.namePattern.test(inst.InstanceName))
    return { kind: "name-mismatch", reason: "name does not match AUTO_STOP_NAME_PATTERN" };
  // A snooze anyone may set keeps the machine running, in scope (the guard still counts it).
  const snooze = snoozeOf(tags, now);
  if (snooze.state === "active")
    return { kind: "snoozed", reason: `snoozed until ${instantTag(snooze.until)} (tag autopilot:snooze-until)` };
  if (snooze.state === "bad")
    return {
      kind: "bad-snooze-tag",
      reason: `tag autopilot:snooze-until="${snooze.value}" is not a time with its zone (e.g. 2026-12-02T18:00+08:00): kept running, not guessed at`,
    };
  const born = Date.parse(inst.CreatedTime);
  if (!Number.isFinite(born) || now.getTime() - born < policy.lookbackMinutes * 60_000) {
    return { kind: "too-young", reason: `younger than the ${policy.lookbackMinutes}-minute look-back window` };
  }
  const tagSchedule = tags.get(SCHEDULE_TAG);
  let windows: TimeWindow[] = policy.schedule;
  if (tagSchedule !== undefined) {
    const parsed = tagSchedule.split(",").map(parseWindow);
    if (parsed.some((w) => !w))
      return { kind: "bad-schedule-tag", reason: `tag ${SCHEDULE_TAG}="${tagSchedule}" is not HH:MM-HH:MM` };
    windows = parsed as TimeWindow[];
  }
  if (windows.length) {
    const minutes = minutesInZone(now, policy.timeZone);
    if (!windows.some((w) => inWindow(minutes, w)))
      return { kind: "outside-window", reason: `outside the stop window (${policy.timeZone})` };
  }
  return undefined;
}

/** Where the 95th percentile of `n` values sits once they are sorted (nearest rank); busy-memory.ts counts on it too. */
export const p95Index = (n: number) => Math.max(0, Math.ceil(n * 0.95) - 1);

function p95(values: Float64Array): number {
  // A copy: the values are a view of the series. A typed array sorts numerically.
  const sorted = values.slice().sort();
  return sorted[p95Index(sorted.length)]!;
}

/** The largest value (Math.max(...v) would spread every point onto the stack). */
function maxOf(values: Float64Array): number {
  let m = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) if (values[i]! > m) m = values[i]!;
  return m;
}

const expectedPoints = (policy: AutoStopPolicy) => Math.floor((policy.lookbackMinutes * 60) / policy.metricPeriod);
const windowOf = (policy: AutoStopPolicy, now: Date) => ({
  start: now.getTime() - policy.lookbackMinutes * 60_000,
  end: now.getTime(),
});

export function cpuStat(values: Float64Array, policy: AutoStopPolicy): number {
  return policy.cpuStat === "p95" ? p95(values) : maxOf(values);
}

export type Judgement = Verdict & { idle: boolean; cpu?: number; outTrafficMbps?: number };

/**
 * Idle means CPU and outbound traffic both below their thresholds over the window, with data.
 * Outbound traffic is LAN + WAN joined on timestamps (a point counts only when both series have
 * it) and the coverage rule applies to the joined series: a point missing from one series can
 * never hide a busy point of the other. Points outside the window are ignored.
 */
export function judge(m: InstanceMetrics | undefined, policy: AutoStopPolicy, now: Date): Judgement {
  const c = cpuVerdict(m?.cpu, policy, now);
  return "settled" in c ? c.settled : trafficJudgement(m, policy, now, c.calm);
}

/** The CPU half of judging: a judgement that needs no traffic (CPU missing or busy), or the CPU statistic under the threshold. */
export type CpuVerdict = { settled: Judgement } | { calm: number };

/** The points a judgement needs in the window: MIN_COVERAGE of its slots. */
const neededSlots = (policy: AutoStopPolicy) => Math.max(1, Math.ceil(expectedPoints(policy) * MIN_COVERAGE));

/**
 * The CPU half of judge, taken once as the CPU answers: a machine it settles needs no traffic
 * query, and one it finds calm is judged by its traffic alone afterwards (trafficJudgement).
 */
export function cpuVerdict(cpu: Series | undefined, policy: AutoStopPolicy, now: Date): CpuVerdict {
  const cpuPoints = cpu ? withinWindow(cpu, windowOf(policy, now)) : NO_POINTS;
  const cpuValues = cpuPoints.v;
  if (cpuValues.length === 0)
    return { settled: { idle: false, kind: "missing-cpu", reason: "no CPU metrics: never stopped on missing data" } };
  const cpuSlots = distinctSlots(cpuPoints, policy.metricPeriod);
  if (cpuSlots < neededSlots(policy))
    return {
      settled: {
        idle: false,
        kind: "missing-cpu",
        reason: `CPU data in only ${cpuSlots} of ${expectedPoints(policy)} ${policy.metricPeriod}-second slots (${cpuValues.length} points)`,
      },
    };
  const stat = cpuStat(cpuValues, policy);
  if (stat >= policy.cpuThreshold)
    return {
      settled: {
        idle: false,
        kind: "busy-cpu",
        reason: `busy: CPU ${policy.cpuStat} ${stat}% >= ${policy.cpuThreshold}%`,
        cpu: stat,
      },
    };
  return { calm: stat };
}

/** The second half of judge: a machine whose CPU is calm (`cpu`, from cpuVerdict), judged by its outbound traffic. */
export function trafficJudgement(
  m: Pick<InstanceMetrics, "lan" | "wan" | "noPublicIp"> | undefined,
  policy: AutoStopPolicy,
  now: Date,
  cpu: number,
): Judgement {
  const joined = !m?.lan
    ? NO_POINTS
    : m.noPublicIp
      ? addWherePresent(m.lan, m.wan ?? NO_POINTS)
      : m.wan
        ? joinOnTimestamps(m.lan, m.wan)
        : NO_POINTS;
  const outPoints = withinWindow(joined, windowOf(policy, now));
  const outSlots = distinctSlots(outPoints, policy.metricPeriod);
  if (outSlots < neededSlots(policy)) {
    return {
      idle: false,
      kind: "missing-traffic",
      reason: `no traffic metrics: ${outSlots} of ${expectedPoints(policy)} slots with both LAN and WAN; never stopped on missing data`,
      cpu,
    };
  }
  const traffic = maxOf(outPoints.v);
  if (traffic >= policy.networkThresholdMbps) {
    return {
      idle: false,
      kind: "busy-network",
      reason: `busy: outbound traffic ${traffic} Mbps >= ${policy.networkThresholdMbps} Mbps`,
      cpu,
      outTrafficMbps: traffic,
    };
  }
  return { idle: true, kind: "idle", reason: idleReason(policy, cpu, traffic), cpu, outTrafficMbps: traffic };
}

/** What a decision about a listed machine names of it. */
export type Listed = Pick<
  RegionalInstance,
  "InstanceId" | "InstanceName" | "Region" | "InstanceType" | "Placement" | "CreatedTime"
>;

/** What judging a screened-in instance reads: a machine waiting for its metrics holds only this. */
export type Candidate = Listed & {
  /** The machine's running period (warning-tag.ts runningPeriodOf): a warning is about one period. */
  period: string;
  /** This function's own warning, proven for this machine and running period, when it has one. */
  warning?: Announcement | undefined;
  /** The machine's autopilot:owner tag: who the message mentions about it. */
  owner?: string | undefined;
};

/**
 * A decision (decisionOf: one hidden class, not a spread). Details (type, zone, figures) go only on
 * decisions that act: a large fleet's kept decisions stay small.
 */
function decision(
  inst: Listed,
  kind: DecisionKind,
  reason: string,
  action?: "stop" | "warn",
  detail?: Decision["detail"],
): Decision {
  return decisionOf(inst.InstanceId, inst.Region, inst.InstanceName, kind, reason, action, action && detail);
}

/** A screened-out instance's decision: no metrics needed. */
export function screenedOut(inst: Listed, v: Verdict): Decision {
  return decision(inst, v.kind, v.reason);
}

/** One instance's decision, from its screening and, when screened in, its metrics. */
export function decide(
  inst: RegionalInstance,
  m: InstanceMetrics | undefined,
  policy: AutoStopPolicy,
  now: Date,
): Decision {
  const skip = screen(inst, policy, now);
  return skip ? screenedOut(inst, skip) : judged({ ...inst, period: runningPeriodOf(inst) }, m, policy, now);
}

/**
 * A machine whose snooze has ended and that nothing else acts on, reported by the run whose
 * interval (`runEveryMs`) its end falls in, so once. The tag is left in place: the Tag API removes
 * by key with no condition, so a removal could erase a snooze a person wrote between our read and
 * our write (a link followed just then), and a time in the past holds nothing back anyway.
 * Out-of-scope machines keep their decision (the guard's denominator must not change).
 */
export function snoozeEnded(d: Decision, until: number, now: Date, runEveryMs: number): Decision {
  if (d.action || OUT_OF_SCOPE.has(d.kind) || until <= now.getTime() - runEveryMs) return d;
  return { ...d, kind: "snooze-ended", reason: `its snooze ended at ${instantTag(until)}; ${d.reason}` };
}

/** What a stop's report and price lookup read of the machine. createdTime: a pay-as-you-go price steps down with the hours used (see prices.ts). */
function stopDetail(inst: Listed): Record<string, unknown> {
  const detail: Record<string, unknown> = { instanceType: inst.InstanceType };
  if (inst.Placement?.Zone) detail.zone = inst.Placement.Zone;
  detail.createdTime = inst.CreatedTime;
  return detail;
}

/** A stop a person asked for through a signed link ("stop now"): no metrics, but every scope rule and the guard. */
export function askedStop(inst: Listed): Decision {
  return decision(inst, "asked-to-stop", "stop now, asked through a signed link", "stop", stopDetail(inst));
}

/** The decision for an instance that passed screening. */
export function judged(inst: Candidate, m: InstanceMetrics | undefined, policy: AutoStopPolicy, now: Date): Decision {
  return judgedAs(inst, judge(m, policy, now), policy, now);
}

/** The decision for a screened-in instance, from its judgement (judge, or cpuVerdict then trafficJudgement). */
export function judgedAs(inst: Candidate, j: Judgement, policy: AutoStopPolicy, now: Date): Decision {
  if (!j.idle) return decision(inst, j.kind, j.reason);
  const detail = stopDetail(inst);
  detail.cpu = j.cpu;
  detail.outTrafficMbps = j.outTrafficMbps;
  if (inst.owner) detail.owner = inst.owner;
  // Warn first (AUTO_STOP_WARN_MINUTES): a machine is stopped only once its own warning, for this
  // running period, is old enough and fresh metrics still say idle; otherwise it is warned (anew).
  if (policy.warnMinutes > 0) {
    const w = warningStanding(inst.warning, now.getTime(), policy.warnMinutes);
    if (w.state === "pending")
      return decision(
        inst,
        "warned",
        `warned: stops after ${instantTag(w.at)} if still idle (snooze it to keep it running)`,
      );
    if (w.state === "none") {
      const at = now.getTime() + policy.warnMinutes * 60_000;
      detail.warnedAt = utcSeconds(now.getTime());
      detail.stopAfter = instantTag(at);
      detail.runningPeriod = inst.period;
      return decision(
        inst,
        "idle-warned",
        `${j.reason}; warned: stops after ${instantTag(at)} unless snoozed`,
        "warn",
        detail,
      );
    }
  }
  return decision(inst, j.kind, j.reason, "stop", detail);
}
