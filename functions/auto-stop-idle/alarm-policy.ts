/**
 * The idle alarm policy of alarm mode (AUTO_STOP_SOURCE=alarms): one Cloud Monitor policy per
 * region, named for the tool and the region, that alarms while a machine's CPU and its LAN
 * outbound traffic have both stayed under the thresholds for the look-back window. Deploy keeps
 * it as the config says (created, recreated when it drifted, deleted when polling); a run reads
 * which machines it reports and verifies each one with fresh metrics before any stop.
 *
 * Why these rules, and no more:
 * - WanOuttraffic is not a rule: a machine without a public IP reports no WAN points, and a rule
 *   without data never holds, so with "all rules" (IsUnionRule 1) such a machine would never
 *   alarm. The run's verification reads WAN for machines that have a public address.
 * - The alarm may be looser than the verification (LAN alone, CPU per period rather than the
 *   window's p95): it only has to report every machine the verification would find idle.
 *   With AUTO_STOP_CPU_STAT=p95 it is stricter (every period under the threshold), so p95
 *   machines with a few busy periods are not reported in this mode.
 */
import type { AlarmPolicySpec, AlarmRule } from "../../lib/tencent/alarm-policies.ts";
import type { AutoStopPolicy } from "./config.ts";

export const ALARM_POLICY_PREFIX = "cvm-autopilot-idle-";

/** Periods the emulator (and, we assume, Cloud Monitor) allows a rule to span. */
const MAX_CONTINUE_PERIODS = 60;

export function idlePolicyName(region: string): string {
  return `${ALARM_POLICY_PREFIX}${region}`;
}

export function idleAlarmPolicy(policy: AutoStopPolicy, region: string): AlarmPolicySpec {
  // A window longer than the rule can span makes the alarm fire sooner: still a superset of idle.
  const periods = Math.min(
    MAX_CONTINUE_PERIODS,
    Math.max(1, Math.floor((policy.lookbackMinutes * 60) / policy.metricPeriod)),
  );
  const rule = (MetricName: string, value: number): AlarmRule => ({
    MetricName,
    Period: policy.metricPeriod,
    Operator: "lt",
    Value: String(value),
    ContinuePeriod: periods,
  });
  return {
    name: idlePolicyName(region),
    // Remark: letters, digits, `_` and `-` only (the model).
    remark: "cvm-autopilot_auto-stop-idle_candidates_only",
    // Metric names as Tencent's Terraform examples write cvm_device alarm rules (CpuUsage). tccli's
    // ModifyAlarmPolicyCondition example writes cpu_usage instead; DescribeAlarmMetrics, which would
    // settle it, was not reachable here, so a deploy against the real API should confirm the names.
    rules: [rule("CpuUsage", policy.cpuThreshold), rule("LanOuttraffic", policy.networkThresholdMbps)],
    // Bound by the scope's tags: an instance with any of them (a superset of the scope when
    // several keys are AND'ed; the run screens the rest out).
    tags: policy.includeTags.map((t) => ({ key: t.key, value: t.value })),
  };
}
