/**
 * Decides which instances to stop. Pure: takes the described instances, their metrics, the
 * policy and `now`; returns decisions. Never stops on missing data (issue 5).
 */
import { inWindow, minutesInZone, parseWindow, type TimeWindow } from "../../lib/config/parsers.ts";
import { tagsOf, type Instance } from "../../lib/tencent/types.ts";
import type { AutoStopPolicy } from "./config.ts";

/** The fields the plan reads, per instance. */
export type RegionalInstance = Pick<Instance, "InstanceId" | "InstanceName" | "InstanceState" | "InstanceChargeType" | "InstanceType" | "CreatedTime" | "Tags"> & {
  Region: string;
};

export interface InstanceMetrics {
  cpu: number[];
  /** Sum of LanOuttraffic and WanOuttraffic per point, Mbps; undefined when not fetched. */
  outTraffic?: number[] | undefined;
}

export interface Decision {
  instanceId: string;
  region: string;
  action: "stop" | "skip";
  reason: string;
  instanceType?: string;
  cpu?: number;
  outTrafficMbps?: number;
}

export interface Guard {
  tripped: boolean;
  inScope: number;
  wouldStop: number;
  limit: number;
}

export const SCHEDULE_TAG = "autopilot:schedule";
/** At least this share of the expected data points must be present to call an instance idle. */
export const MIN_COVERAGE = 0.8;

/** Why an instance is not even a candidate for metrics, or undefined if it is one. */
export function screen(inst: RegionalInstance, policy: AutoStopPolicy, now: Date): string | undefined {
  if (inst.InstanceChargeType !== "POSTPAID_BY_HOUR") return `charge type ${inst.InstanceChargeType} is not POSTPAID_BY_HOUR`;
  if (inst.InstanceState !== "RUNNING") return `state ${inst.InstanceState} is not RUNNING`;
  const tags = tagsOf(inst);
  if (tags.get(policy.optOutTag.key) === policy.optOutTag.value) return `opted out by tag ${policy.optOutTag.key}=${policy.optOutTag.value}`;
  if (policy.namePattern && !policy.namePattern.test(inst.InstanceName)) return "name does not match AUTO_STOP_NAME_PATTERN";
  const born = Date.parse(inst.CreatedTime);
  if (!Number.isFinite(born) || now.getTime() - born < policy.lookbackMinutes * 60_000) return `younger than the ${policy.lookbackMinutes}-minute look-back window`;
  const tagSchedule = tags.get(SCHEDULE_TAG);
  let windows: TimeWindow[] = policy.schedule;
  if (tagSchedule !== undefined) {
    const parsed = tagSchedule.split(",").map(parseWindow);
    if (parsed.some((w) => !w)) return `tag ${SCHEDULE_TAG}="${tagSchedule}" is not HH:MM-HH:MM`;
    windows = parsed as TimeWindow[];
  }
  if (windows.length) {
    const minutes = minutesInZone(now, policy.timeZone);
    if (!windows.some((w) => inWindow(minutes, w))) return `outside the stop window (${policy.timeZone})`;
  }
  return undefined;
}

function p95(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(sorted.length * 0.95) - 1)]!;
}

const expectedPoints = (policy: AutoStopPolicy) => Math.floor((policy.lookbackMinutes * 60) / policy.metricPeriod);

export function cpuStat(values: number[], policy: AutoStopPolicy): number {
  return policy.cpuStat === "p95" ? p95(values) : Math.max(...values);
}

/** CPU below threshold with enough data: worth fetching traffic for. */
export function cpuLooksIdle(cpu: number[], policy: AutoStopPolicy): boolean {
  return cpu.length >= expectedPoints(policy) * MIN_COVERAGE && cpuStat(cpu, policy) < policy.cpuThreshold;
}

/** Idle means CPU and outbound traffic both below their thresholds over the window, with data. */
export function judge(m: InstanceMetrics | undefined, policy: AutoStopPolicy): { idle: boolean; reason: string; cpu?: number; outTrafficMbps?: number } {
  const need = Math.max(1, Math.ceil(expectedPoints(policy) * MIN_COVERAGE));
  if (!m || m.cpu.length === 0) return { idle: false, reason: "no CPU metrics: never stopped on missing data" };
  if (m.cpu.length < need) return { idle: false, reason: `only ${m.cpu.length} of ${expectedPoints(policy)} CPU data points` };
  const cpu = cpuStat(m.cpu, policy);
  if (cpu >= policy.cpuThreshold) return { idle: false, reason: `busy: CPU ${policy.cpuStat} ${cpu}% >= ${policy.cpuThreshold}%`, cpu };
  if (!m.outTraffic || m.outTraffic.length < need) return { idle: false, reason: "no traffic metrics: never stopped on missing data", cpu };
  const traffic = Math.max(...m.outTraffic);
  if (traffic >= policy.networkThresholdMbps) {
    return { idle: false, reason: `busy: outbound traffic ${traffic} Mbps >= ${policy.networkThresholdMbps} Mbps`, cpu, outTrafficMbps: traffic };
  }
  return {
    idle: true,
    reason: `idle: CPU ${policy.cpuStat} ${cpu}% < ${policy.cpuThreshold}% and outbound ${traffic} Mbps < ${policy.networkThresholdMbps} Mbps over ${policy.lookbackMinutes} min`,
    cpu,
    outTrafficMbps: traffic,
  };
}

export interface PlanInput {
  instances: RegionalInstance[];
  metrics: Map<string, InstanceMetrics>;
  policy: AutoStopPolicy;
  now: Date;
}

/** One instance's decision, from its screening and, when screened in, its metrics. */
export function decide(inst: RegionalInstance, m: InstanceMetrics | undefined, policy: AutoStopPolicy, now: Date): Decision {
  const base = { instanceId: inst.InstanceId, region: inst.Region, instanceType: inst.InstanceType };
  const skip = screen(inst, policy, now);
  if (skip) return { ...base, action: "skip", reason: skip };
  const j = judge(m, policy);
  const figures = { ...(j.cpu !== undefined ? { cpu: j.cpu } : {}), ...(j.outTrafficMbps !== undefined ? { outTrafficMbps: j.outTrafficMbps } : {}) };
  return { ...base, ...figures, action: j.idle ? "stop" : "skip", reason: j.reason };
}

/** The blast-radius guard over every decision of the run: past it, nothing is stopped. */
export function applyGuard(decisions: Decision[], policy: AutoStopPolicy): { decisions: Decision[]; guard: Guard } {
  const inScope = decisions.length;
  const wouldStop = decisions.filter((d) => d.action === "stop").length;
  const limit = Math.min(Math.floor(policy.maxFraction * inScope), policy.maxCount ?? Number.POSITIVE_INFINITY);
  const tripped = wouldStop > limit && !policy.overrideGuard;
  const guard: Guard = { tripped, inScope, wouldStop, limit: Number.isFinite(limit) ? limit : inScope };
  if (!tripped) return { decisions, guard };
  const why = `blast-radius guard: ${wouldStop} of ${inScope} in scope would stop, limit ${guard.limit} (AUTO_STOP_MAX_FRACTION / AUTO_STOP_MAX_COUNT; AUTO_STOP_OVERRIDE_GUARD=true to override)`;
  return { decisions: decisions.map((d) => (d.action === "stop" ? { ...d, action: "skip", reason: `${d.reason}; ${why}` } : d)), guard };
}

/** Decisions for every instance, and the guard. */
export function plan({ instances, metrics, policy, now }: PlanInput): { decisions: Decision[]; guard: Guard } {
  return applyGuard(instances.map((inst) => decide(inst, metrics.get(inst.InstanceId), policy, now)), policy);
}
