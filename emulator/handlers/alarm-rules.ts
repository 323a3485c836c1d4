/**
 * What CreateAlarmPolicy checks in a policy before it exists: its name, its rules and its remark,
 * and the regions a policy covers (a policy is the account's).
 *
 * Sources, strictest first where they disagree:
 * - PolicyName: at most 20 characters (the international CreateAlarmPolicy page; tccli's api.json
 *   says 60, the stricter page is followed);
 * - a rule's Period, ContinuePeriod and Operator: only what DescribeAlarmMetrics lists for its
 *   metric (CreateAlarmPolicy's model: "取值参考 DescribeAlarmMetrics"; the tccli example lists
 *   Period [60, 300] and ContinuePeriod [1–5] for every cvm_device metric);
 * - Region: DescribeAlarmPolicies' `Region` lists every region of the account, as short codes
 *   (`"gz"`, `"bj"`, … in tccli's example).
 */
import { ApiFault, str } from "../api-fault.ts";
import { alarmMetric, ALARM_METRICS, METRIC_CONFIG } from "./alarm-metrics.ts";

export interface Rule {
  MetricName: string;
  Period: number;
  Operator: string;
  Value: string;
  ContinuePeriod: number;
}

export const MAX_POLICY_NAME = 20;

/** The operators the emulator evaluates (the listing has more, e.g. cycle_increase, that it does not model). */
export const OPERATORS: Record<string, (a: number, b: number) => boolean> = {
  lt: (a, b) => a < b,
  le: (a, b) => a <= b,
  gt: (a, b) => a > b,
  ge: (a, b) => a >= b,
  eq: (a, b) => a === b,
  ne: (a, b) => a !== b,
};
export const REMARK = /^[\p{Script=Han}A-Za-z0-9_-]*$/u;

/**
 * Cloud Monitor's short region codes, as DescribeAlarmPolicies writes a policy's `Region` (the
 * tccli example's list; the long names from the Region API's list of the same regions). A region
 * without a known code is shown by its long name.
 */
const SHORT_CODES: Record<string, string> = {
  "ap-guangzhou": "gz",
  "ap-shanghai": "sh",
  "ap-beijing": "bj",
  "ap-chengdu": "cd",
  "ap-chongqing": "cq",
  "ap-nanjing": "nj",
  "ap-hongkong": "hk",
  "ap-singapore": "sg",
  "ap-bangkok": "th",
  "ap-jakarta": "jkt",
  "ap-mumbai": "in",
  "ap-seoul": "kr",
  "ap-tokyo": "jp",
  "ap-taipei": "tpe",
  "ap-tianjin": "tsn",
  "ap-qingyuan": "qy",
  "ap-shanghai-fsi": "shjr",
  "ap-shenzhen-fsi": "szjr",
  "ap-beijing-fsi": "bjjr",
  "ap-guangzhou-open": "gzopen",
  "na-siliconvalley": "usw",
  "na-ashburn": "use",
  "eu-frankfurt": "de",
  "sa-saopaulo": "sao",
};
export const shortRegion = (region: string) => SHORT_CODES[region] ?? region;

export function moduleParam(params: Record<string, unknown>): void {
  if (str(params, "Module", true) !== "monitor")
    throw new ApiFault("InvalidParameterValue", "`Module` must be `monitor`.");
}

export function policyName(params: Record<string, unknown>): string {
  const name = str(params, "PolicyName", true)!;
  if ([...name].length > MAX_POLICY_NAME)
    throw new ApiFault("InvalidParameterValue", `\`PolicyName\` must be at most ${MAX_POLICY_NAME} characters.`);
  return name;
}

/** A value the metric's listing does not allow is refused, naming what it allows. */
function listed<T>(i: number, field: string, value: T, allowed: readonly T[]): T {
  if (!allowed.includes(value))
    throw new ApiFault(
      "InvalidParameterValue",
      `Condition.Rules.${i}.${field} \`${String(value)}\` is not one DescribeAlarmMetrics lists for this metric (${allowed.join(", ")}).`,
    );
  return value;
}

function ruleOf(r: Record<string, unknown>, i: number): Rule {
  const name = String(r?.MetricName ?? "");
  if (!alarmMetric(name))
    throw new ApiFault(
      "InvalidParameterValue",
      `Condition.Rules.${i}.MetricName \`${name}\` is not a cvm_device metric this emulator evaluates (${ALARM_METRICS.map((m) => m.MetricName).join(", ")}).`,
    );
  const period = listed(i, "Period", Number(r.Period), METRIC_CONFIG.Period);
  const op = listed(i, "Operator", String(r.Operator ?? ""), METRIC_CONFIG.Operator);
  if (!OPERATORS[op])
    throw new ApiFault(
      "InvalidParameterValue",
      `Condition.Rules.${i}.Operator \`${op}\` is not modelled by this emulator (${Object.keys(OPERATORS).join(", ")}).`,
    );
  const value = String(r.Value ?? "");
  if (value === "" || !Number.isFinite(Number(value)))
    throw new ApiFault("InvalidParameterValue", `Condition.Rules.${i}.Value must be a number written as a string.`);
  const cont = listed(i, "ContinuePeriod", Number(r.ContinuePeriod ?? 1), METRIC_CONFIG.ContinuePeriod);
  return { MetricName: name, Period: period, Operator: op, Value: value, ContinuePeriod: cont };
}

export function rulesOf(condition: unknown): { IsUnionRule: number; Rules: Rule[] } {
  const c = (condition ?? {}) as { IsUnionRule?: unknown; Rules?: unknown };
  const union = Number(c.IsUnionRule ?? 0);
  if (![0, 1].includes(union))
    throw new ApiFault(
      "InvalidParameterValue",
      "`Condition.IsUnionRule` must be 0 (any) or 1 (all); 2 needs ComplexExpression, which this emulator does not model.",
    );
  if (!Array.isArray(c.Rules) || !c.Rules.length)
    throw new ApiFault("MissingParameter", "`Condition.Rules` needs at least one rule.");
  return { IsUnionRule: union, Rules: c.Rules.map((r: Record<string, unknown>, i: number) => ruleOf(r, i)) };
}
