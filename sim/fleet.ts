/**
 * The simulated fleet: machines with owners' habits and metrics that follow daily and weekly
 * patterns (the emulator's instance `profile` is what GetMonitorData answers from, so it is set
 * for the hour at every step), plus what key rotation and image sync look after.
 */
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import type { Emulator } from "../emulator/server.ts";
import type { EmuInstance } from "../emulator/state.ts";
import { secretNameFor } from "../functions/key-rotation/plan.ts";
import { toOpenSshRsaPublicKey } from "../lib/ssh/openssh.ts";
import { OFFICE, OFFICE_ZONE, REGIONS } from "./options.ts";
import type { Chance } from "./random.ts";

/**
 * When a machine is busy: never, office hours, weekdays, a nightly batch, or always; or "steady",
 * a machine too big for its load, tagged for rightsize to resize.
 */
export type Pattern = "idle" | "office" | "weekdays" | "nightly" | "busy" | "steady";

export interface SimMachine {
  id: string;
  region: string;
  pattern: Pattern;
  /** Tagged for office-hours. */
  office: boolean;
  inst: EmuInstance;
}

export const OFFICE_TAG = "autopilot:office-hours";
export const ROTATE_TAG = "autopilot:rotate-keys";
/** rightsize resizes only machines with this tag (RIGHTSIZE_APPLY_TAG's default). */
export const RIGHTSIZE_TAG = { Key: "autopilot:rightsize", Value: "apply" };
/**
 * A steady machine's type and load: 10% of 8 vCPUs fits 2 (S5.MEDIUM4) under rightsize's 70%
 * target, as test/rightsize.test.ts's profile does; the load is a share of whatever type it has,
 * so 30 hours after a resize it fits a smaller type again, until none is smaller.
 */
export const STEADY = { type: "S5.2XLARGE16", cpu: 10, traffic: 2 } as const;
/** The share of the fleet tagged for rightsize: a few machines. */
const STEADY_SHARE = 0.04;
const OLD_KEY = "autopilot_202601010000";

/** One formatter for the office's zone: making one is far dearer than using it. */
const LOCAL = new Intl.DateTimeFormat("en-US", {
  timeZone: OFFICE_ZONE,
  hourCycle: "h23",
  weekday: "short",
  hour: "2-digit",
  minute: "2-digit",
});
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/** Local weekday (0 Sunday) and minute of the day in the office's zone. */
export function localTime(ms: number): { day: number; minute: number } {
  const p = Object.fromEntries(LOCAL.formatToParts(ms).map((x) => [x.type, x.value]));
  return { day: DAYS.indexOf(p.weekday!), minute: +p.hour! * 60 + +p.minute! };
}

/** Whether the office schedule wants machines running at `ms` (a day off is a Saturday or a Sunday). */
export function officeWants(ms: number): boolean {
  const t = localTime(ms);
  return (OFFICE.days as readonly number[]).includes(t.day) && t.minute >= OFFICE.beginMin && t.minute < OFFICE.endMin;
}

function busyAt(p: Pattern, t: { day: number; minute: number }): boolean {
  const weekday = t.day >= 1 && t.day <= 5;
  if (p === "idle") return false;
  if (p === "busy") return true;
  if (p === "nightly") return t.minute >= 60 && t.minute < 180;
  if (p === "weekdays") return weekday;
  return weekday && t.minute >= 9 * 60 + 30 && t.minute < 18 * 60;
}

/** Sets every machine's metric profile for the hour at `ms`. */
export function setMetrics(machines: readonly SimMachine[], ms: number): void {
  const t = localTime(ms);
  for (const m of machines) {
    // A steady machine is over auto-stop's thresholds (5% CPU, 1 Mbps) at every hour.
    if (m.pattern === "steady") m.inst.profile = { ...m.inst.profile, cpu: STEADY.cpu, traffic: STEADY.traffic };
    else {
      const busy = busyAt(m.pattern, t);
      m.inst.profile = { ...m.inst.profile, cpu: busy ? 35 : 1.2, traffic: busy ? 6 : 0.02 };
    }
  }
}

export function buildFleet(emu: Emulator, n: number, c: Chance): SimMachine[] {
  const out: SimMachine[] = [];
  for (let i = 0; i < n; i++) {
    const region = REGIONS[i % REGIONS.length]!;
    const office = c.chance(0.25);
    const drawn = c.weighted<Pattern>({ idle: 3, office: 3, weekdays: 1, nightly: 1, busy: 2, steady: 0 });
    // Not an office machine: office-hours stops those at night, when rightsize runs.
    const steady = !office && c.chance(STEADY_SHARE);
    const pattern = steady ? "steady" : drawn;
    const tags = [{ Key: "team", Value: c.pick(["web", "data", "ml"]) }];
    if (office) tags.push({ Key: OFFICE_TAG, Value: "office" });
    if (steady) tags.push({ ...RIGHTSIZE_TAG });
    if (c.chance(0.03)) tags.push({ Key: "autopilot:auto-stop", Value: "off" });
    const inst = emu.state.addInstance({
      Region: region,
      InstanceName: `sim-${pattern}-${i}`,
      InstanceState: c.chance(0.8) || steady ? "RUNNING" : "STOPPED",
      InstanceChargeType: c.chance(0.9) ? "POSTPAID_BY_HOUR" : "PREPAID",
      ...(steady ? { InstanceType: STEADY.type } : {}),
      Tags: tags,
      profile: { cpu: 1, traffic: 0 },
    });
    out.push({ id: inst.InstanceId, region, pattern, office, inst });
  }
  return out;
}

/**
 * Key rotation's charges: a few stopped and running machines per region on an old key of ours
 * whose private half is in SSM. Returns their ids.
 */
export function seedKeys(emu: Emulator, perRegion: number): string[] {
  const ids: string[] = [];
  for (const region of REGIONS) {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
    emu.state.secrets.set(`${region}/${secretNameFor(region, OLD_KEY)}`, {
      Region: region,
      SecretName: secretNameFor(region, OLD_KEY),
      Description: "",
      CreateTime: 0,
      Status: "Enabled",
      versions: new Map([["v1", pem]]),
      Tags: [],
    });
    const key = emu.state.addKeyPair({
      Region: region,
      KeyName: OLD_KEY,
      PublicKey: toOpenSshRsaPublicKey(createPublicKey(pem), OLD_KEY),
      CreatedTime: "2026-01-01T00:00:00Z",
    });
    for (let i = 0; i < perRegion; i++) {
      const inst = emu.state.addInstance({
        Region: region,
        InstanceName: `sim-keys-${region}-${i}`,
        InstanceState: i % 2 ? "RUNNING" : "STOPPED",
        InstanceChargeType: "PREPAID",
        Tags: [{ Key: ROTATE_TAG, Value: "true" }],
        profile: { cpu: 30, traffic: 5 },
      });
      emu.state.bindKeys(inst, [key.KeyId]);
      ids.push(inst.InstanceId);
    }
  }
  return ids;
}

/** Image sync's charge: a tagged image in the source region (a new version is published now and then). */
export function publishImage(emu: Emulator, version: number) {
  return emu.state.addImage({
    Region: REGIONS[0],
    ImageName: `golden-web-v${version}`,
    Tags: [{ Key: "autopilot:sync", Value: "true" }],
  });
}
