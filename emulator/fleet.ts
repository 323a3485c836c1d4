/**
 * Synthetic fleets: N instances over some regions with a realistic, seeded mix of states,
 * charge types, tags, CPU profiles and prepaid expiry dates, so a demo or benchmark starts
 * from one command.
 */
import { RENEW_FLAGS } from "../lib/tencent/data-types.ts";
import { seededRandom } from "./random.ts";
import type { EmulatorState, EmuInstance } from "./state.ts";

export interface FleetSpec {
  instances: number;
  regions: string[];
  seed?: number;
  /** Share of RUNNING postpaid instances that are idle (default 0.3). */
  idleFraction?: number;
}

const ENVS = ["prod", "staging", "dev", "test"];

export function generateFleet(state: EmulatorState, spec: FleetSpec): EmuInstance[] {
  const rnd = seededRandom(spec.seed ?? 1);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const now = state.now();
  const out: EmuInstance[] = [];
  for (let n = 0; n < spec.instances; n++) {
    const region = spec.regions[n % spec.regions.length]!;
    const r = rnd();
    const charge = r < 0.6 ? "POSTPAID_BY_HOUR" : r < 0.97 ? "PREPAID" : "CDHPAID";
    const running = rnd() < 0.8;
    const env = pick(ENVS);
    const idle = rnd() < (spec.idleFraction ?? 0.3);
    const missing = rnd() < 0.03;
    const ageDays = 1 + Math.floor(rnd() * 400);
    const tags: Array<{ Key: string; Value: string }> = [
      { Key: "env", Value: env },
      { Key: "team", Value: pick(["web", "data", "ml", "ops"]) },
    ];
    if (rnd() < 0.05) tags.push({ Key: "autopilot:auto-stop", Value: "off" });
    // One in ten of each region keeps office hours (the default schedule's name), so office-hours
    // has work that grows with the fleet. Chosen by position, not drawn, so the rest of a seeded
    // fleet is unchanged.
    if (Math.floor(n / spec.regions.length) % 10 === 0) tags.push({ Key: "autopilot:office-hours", Value: "office" });
    const prepaid = charge === "PREPAID";
    // Realistic: many instances have no public IP (their WAN series come back empty), and some
    // series miss points.
    const publicIp =
      rnd() < 0.6 ? [`43.${Math.floor(rnd() * 255)}.${Math.floor(rnd() * 255)}.${Math.floor(rnd() * 255)}`] : null;
    const gaps = rnd() < 0.1 ? 0.05 : 0;
    out.push(
      state.addInstance({
        Region: region,
        InstanceName: `${env}-${pick(["web", "api", "worker", "db", "batch"])}-${n}`,
        InstanceState: running ? "RUNNING" : "STOPPED",
        InstanceChargeType: charge,
        CreatedTime: new Date(now - ageDays * 86400_000).toISOString().replace(/\.\d{3}Z$/, "Z"),
        ExpiredTime: prepaid
          ? new Date(now + (Math.floor(rnd() * 60) - 5) * 86400_000).toISOString().replace(/\.\d{3}Z$/, "Z")
          : null,
        RenewFlag: prepaid ? pick(RENEW_FLAGS) : null,
        Tags: tags,
        PublicIpAddresses: publicIp,
        profile: {
          gaps,
          cpu: missing ? null : idle ? 0.5 + rnd() * 2 : 20 + rnd() * 60,
          traffic: idle ? rnd() * 0.05 : 1 + rnd() * 20,
        },
      }),
    );
  }
  return out;
}

/** The hours of the week (Monday 00:00 Beijing time = 0) from `from` to `to` o'clock on these days (0 = Monday). */
export const hoursOfWeek = (days: readonly number[], from: number, to: number): number[] =>
  days.flatMap((d) => Array.from({ length: to - from }, (_, i) => d * 24 + from + i));

/** Idle levels below auto-stop's default thresholds (5% CPU, 1 Mbps) even with the emulator's +-20% noise. */
const QUIET = { cpu: 1, traffic: 0.1 };

/** Weekly rhythms a fleet's machines can keep, each with its busy hours known to a test. */
export const WEEKLY_PATTERNS = {
  "office-hours": { busyHours: hoursOfWeek([0, 1, 2, 3, 4], 9, 19), idle: QUIET },
  "weekends-only": { busyHours: hoursOfWeek([5, 6], 0, 24), idle: QUIET },
  "around-the-clock": { busyHours: hoursOfWeek([0, 1, 2, 3, 4, 5, 6], 0, 24), idle: QUIET },
} as const;
export type WeeklyPattern = keyof typeof WEEKLY_PATTERNS;

/**
 * A running pay-as-you-go machine that keeps a weekly rhythm, `ageDays` old (its metrics start
 * then); its id, and so its noise, come from the state's seed.
 */
export function addWeeklyMachine(
  state: EmulatorState,
  o: {
    region: string;
    pattern: WeeklyPattern;
    ageDays: number;
    name?: string;
    tags?: Array<{ Key: string; Value: string }>;
  },
): EmuInstance {
  return state.addInstance({
    Region: o.region,
    InstanceName: o.name ?? `${o.pattern}-${o.ageDays}d`,
    InstanceState: "RUNNING",
    InstanceChargeType: "POSTPAID_BY_HOUR",
    CreatedTime: new Date(state.now() - o.ageDays * 86400_000).toISOString().replace(/\.\d{3}Z$/, "Z"),
    Tags: o.tags ?? [],
    profile: { cpu: 40, traffic: 5, weekly: WEEKLY_PATTERNS[o.pattern] },
  });
}
