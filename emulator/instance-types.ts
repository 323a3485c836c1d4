/**
 * The instance types the emulator sells, with their shape and illustrative pay-as-you-go list
 * price (CNY an hour; not a copy of Tencent's price list). Cpu and Memory (GB) are as the type's
 * name states them and as DescribeZoneInstanceConfigInfos' InstanceTypeQuotaItem reports them
 * (official model: Cpu, Memory, InstanceFamily; witness cvm.DescribeZoneInstanceConfigInfos.json
 * has S2.SMALL1 with Cpu 1, Memory 1): SMALL 1 vCPU, MEDIUM 2, LARGE 4, 2XLARGE 8, 4XLARGE 16,
 * 8XLARGE 32, the trailing number the memory. One table, so the price list, DescribeInstances'
 * CPU/Memory and a type change agree.
 */
export interface TypeSpec {
  cpu: number;
  memory: number;
  hourly: number;
}

export const TYPES: Record<string, TypeSpec> = {
  "S5.SMALL2": { cpu: 1, memory: 2, hourly: 0.12 },
  "S5.MEDIUM4": { cpu: 2, memory: 4, hourly: 0.25 },
  "S5.LARGE8": { cpu: 4, memory: 8, hourly: 0.5 },
  "S5.2XLARGE16": { cpu: 8, memory: 16, hourly: 1.0 },
  "S5.4XLARGE32": { cpu: 16, memory: 32, hourly: 2.0 },
  "SA2.MEDIUM4": { cpu: 2, memory: 4, hourly: 0.21 },
  "SA2.LARGE8": { cpu: 4, memory: 8, hourly: 0.42 },
  "M5.LARGE16": { cpu: 4, memory: 16, hourly: 0.7 },
  "C5.LARGE8": { cpu: 4, memory: 8, hourly: 0.58 },
  "S5.8XLARGE64": { cpu: 32, memory: 64, hourly: 4.0 },
  "GN7.2XLARGE32": { cpu: 8, memory: 32, hourly: 0 },
};

/** The family of a type: the part before the dot (`S5.LARGE8` → `S5`), as InstanceFamily writes it. */
export const familyOf = (type: string): string => type.split(".")[0]!;

/**
 * A prepaid month's price: a 30-day month at 80% of the hourly rate, undiscounted
 * (DescribeZoneInstanceConfigInfos' PREPAID items and the InquiryPrice* actions use it alike).
 */
export const monthlyOf = (type: string): number => Math.round((TYPES[type]?.hourly ?? 0) * 720 * 0.8 * 100) / 100;
