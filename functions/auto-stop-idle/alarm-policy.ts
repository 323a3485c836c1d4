/**
 * The idle alarm policy of alarm mode (AUTO_STOP_SOURCE=alarms): one Cloud Monitor policy per
 * account (a policy is the account's: it alarms on bound machines in every region, and
 * DescribeAlarmPolicies lists every region in its `Region`), that alarms while a machine's CPU and
 * its LAN outbound traffic have both stayed under the thresholds for as long as a rule may span.
 * Deploy keeps it as the config says (created, recreated when it drifted, deleted when polling); a
 * run reads which machines it reports, splits them by their history's region, and verifies each
 * one with fresh metrics over the whole look-back window before any stop.
 *
 * Why these rules, and no more:
 * - A rule's Period and ContinuePeriod take only what DescribeAlarmMetrics lists (for cvm_device:
 *   Period 60 or 300, ContinuePeriod 1 to 5), so a rule spans at most 25 minutes. The alarm only
 *   nominates: it fires once the machine has been quiet for the longest span allowed within the
 *   look-back window, and the run then checks the whole window. A shorter span reports more
 *   machines, never fewer: still a superset of idle.
 * - WanOuttraffic is not a rule: a machine without a public IP reports no WAN points, and a rule
 *   without data never holds, so with "all rules" (IsUnionRule 1) such a machine would never
 *   alarm. The run's verification reads WAN for machines that have a public address.
 * - With AUTO_STOP_CPU_STAT=p95 the alarm is stricter (every period of its span under the
 *   threshold), so p95 machines with a busy period in the last span are not reported in this mode.
 */
import type { AlarmPolicySpec, AlarmRule, RuleLimits } from "../../lib/tencent/alarm-policies.ts";
import type { AutoStopPolicy } from "./config.ts";

/**
 * The policy's name: 18 characters, within the 20 the international CreateAlarmPolicy page
 * allows (api.json says 60; the stricter source is followed). As a prefix it also matches the
 * per-region names of earlier versions (`cvm-autopilot-idle-<region>`), so deploy removes them.
 */
export const IDLE_POLICY_NAME = "cvm-autopilot-idle";
export const ALARM_POLICY_PREFIX = IDLE_POLICY_NAME;

/** The rule for one metric within what DescribeAlarmMetrics allows, or why there is none. */
function ruleWithin(
  MetricName: string,
  value: number,
  policy: AutoStopPolicy,
  limits: ReadonlyMap<string, RuleLimits>,
): AlarmRule | string {
  const l = limits.get(MetricName);
  if (!l) return `DescribeAlarmMetrics lists no cvm_device metric ${MetricName}`;
  if (!l.Operator.includes("lt")) return `DescribeAlarmMetrics allows no "lt" rule on ${MetricName}`;
  const window = policy.lookbackMinutes * 60;
  // The configured period when allowed, else the longest allowed one that fits the window.
  const Period = l.Period.includes(policy.metricPeriod)
    ? policy.metricPeriod
    : Math.max(...l.Period.filter((p) => p <= window));
  if (!Number.isFinite(Period))
    return `DescribeAlarmMetrics allows ${MetricName} periods ${l.Period.join(", ")} s, none within AUTO_STOP_LOOKBACK_MINUTES=${policy.lookbackMinutes}`;
  const fits = l.ContinuePeriod.filter((n) => n * Period <= window);
  if (!fits.length)
    return `DescribeAlarmMetrics allows ${MetricName} ContinuePeriod ${l.ContinuePeriod.join(", ")}, none within AUTO_STOP_LOOKBACK_MINUTES=${policy.lookbackMinutes}`;
  return { MetricName, Period, Operator: "lt", Value: String(value), ContinuePeriod: Math.max(...fits) };
}

/**
 * How the scope's tags bind (BindingPolicyTag's TagOperation), with AUTO_STOP_INCLUDE_TAGS'
 * meaning: different keys must all match, one key listed twice matches either value. AND is exact
 * when every key differs; OR is exact when one key carries every value; a mix binds with OR, a
 * superset the run's scope check narrows again.
 */
export function tagOperation(tags: ReadonlyArray<{ key: string }>): "AND" | "OR" {
  return new Set(tags.map((t) => t.key)).size === tags.length && tags.length > 1 ? "AND" : "OR";
}

/** The policy as the config wants it within `limits` (DescribeAlarmMetrics), or an Error naming why none fits. */
export function idleAlarmPolicy(policy: AutoStopPolicy, limits: ReadonlyMap<string, RuleLimits>): AlarmPolicySpec {
  // Metric names as DescribeAlarmMetrics lists them for cvm_device (the tccli example: CpuUsage, LanOuttraffic).
  const rules = [
    ruleWithin("CpuUsage", policy.cpuThreshold, policy, limits),
    ruleWithin("LanOuttraffic", policy.networkThresholdMbps, policy, limits),
  ];
  const problems = rules.filter((r): r is string => typeof r === "string");
  if (problems.length) throw new Error(`the idle alarm policy cannot be written: ${problems.join("; ")}`);
  const tags = policy.includeTags.map((t) => ({ key: t.key, value: t.value }));
  return {
    name: IDLE_POLICY_NAME,
    // Remark: letters, digits, `_` and `-` only (the model).
    remark: "cvm-autopilot_auto-stop-idle_candidates_only",
    rules: rules as AlarmRule[],
    tags,
    tagOperation: tagOperation(tags),
  };
}
