/**
 * DescribeAlarmMetrics (monitor 2018-07-24) for the `cvm_device` namespace: the metrics this
 * emulator evaluates, each with the values Cloud Monitor allows in a policy's rule.
 *
 * Source: Tencent's published example (tccli examples.json, in
 * `../shared/witness/tccli/monitor.DescribeAlarmMetrics.json`): every cvm_device metric allows
 * `Period` [60, 300] and `ContinuePeriod` [1–5]; CpuUsage and LanOuttraffic carry the dimension
 * `vm_uuid`, the public-network ones `InstanceId`. CreateAlarmPolicy's model says its rules'
 * values come from this listing, so the emulator refuses what it does not list.
 */
import { ApiFault, str } from "../api-fault.ts";

export interface AlarmMetric {
  MetricName: string;
  /** The QCE/CVM series (GetMonitorData's name) the emulator reads to evaluate it. */
  series: string;
  Description: string;
  Unit: string;
  Max: number;
  Dimensions: string[];
}

const OPERATORS = ["cycle_increase", "cycle_decrease", "gt", "ge", "lt", "le", "eq", "ne", "cycle_wave", "no_data"];

/** The published config every metric below shares (the witness lists the same for each). */
export const METRIC_CONFIG = { Period: [60, 300], ContinuePeriod: [1, 2, 3, 4, 5], Operator: OPERATORS } as const;

export const ALARM_METRICS: readonly AlarmMetric[] = [
  {
    MetricName: "CpuUsage",
    series: "CPUUsage",
    Description: "CPU利用率",
    Unit: "%",
    Max: 100,
    Dimensions: ["vm_uuid"],
  },
  {
    MetricName: "MemUsage",
    series: "MemUsage",
    Description: "内存利用率",
    Unit: "%",
    Max: 100,
    Dimensions: ["vm_uuid"],
  },
  {
    MetricName: "WanIntraffic",
    series: "WanIntraffic",
    Description: "外网入带宽",
    Unit: "Mbps",
    Max: 10_000_000_000,
    Dimensions: ["InstanceId"],
  },
  {
    MetricName: "WanOuttraffic",
    series: "WanOuttraffic",
    Description: "外网出带宽",
    Unit: "Mbps",
    Max: 10_000_000_000,
    Dimensions: ["InstanceId"],
  },
  {
    MetricName: "LanIntraffic",
    series: "LanIntraffic",
    Description: "内网入带宽",
    Unit: "Mbps",
    Max: 10_000_000_000,
    Dimensions: ["vm_uuid"],
  },
  {
    MetricName: "LanOuttraffic",
    series: "LanOuttraffic",
    Description: "内网出带宽",
    Unit: "Mbps",
    Max: 10_000_000_000,
    Dimensions: ["vm_uuid"],
  },
];

export const alarmMetric = (name: string): AlarmMetric | undefined => ALARM_METRICS.find((m) => m.MetricName === name);

/** DescribeAlarmMetrics: Module `monitor`, MonitorType `MT_QCE`, Namespace required (cvm_device is the one modelled). */
export function describeAlarmMetrics(params: Record<string, unknown>): Record<string, unknown> {
  if (str(params, "Module", true) !== "monitor")
    throw new ApiFault("InvalidParameterValue", "`Module` must be `monitor`.");
  if (str(params, "MonitorType", true) !== "MT_QCE")
    throw new ApiFault("InvalidParameterValue", "`MonitorType` must be MT_QCE.");
  const ns = str(params, "Namespace", true)!;
  if (ns !== "cvm_device")
    throw new ApiFault(
      "InvalidParameterValue",
      `Namespace \`${ns}\` is not modelled by this emulator (cvm_device only).`,
    );
  return {
    Metrics: ALARM_METRICS.map((m) => ({
      Namespace: ns,
      MetricName: m.MetricName,
      Description: m.Description,
      Min: 0,
      Max: m.Max,
      Dimensions: m.Dimensions,
      Unit: m.Unit,
      MetricConfig: {
        Operator: [...METRIC_CONFIG.Operator],
        Period: [...METRIC_CONFIG.Period],
        ContinuePeriod: [...METRIC_CONFIG.ContinuePeriod],
      },
      IsAdvanced: 0,
      IsOpen: 0,
      ProductId: 0,
      Operators: [],
      Periods: null,
      IsLatenessMetric: 0,
    })),
  };
}
