/**
 * A warning is a promise by one function about one running period of one machine, stored on the
 * machine as that function's own tag, `autopilot:warning:<function>`, whose value reads
 * `at=<announced> stop=<promised stop> run=<running period> seal=<22 characters>`.
 *
 * Why this design (functions keep no state of their own, so the proof lives in the tag):
 * - One key per function: auto-stop and office-hours never read each other's warnings.
 * - The running period is the instance's LatestOperationRequestId, the only field DescribeInstances
 *   gives that changes with every start, stop or restart (the Instance model has no start time).
 *   A warning about another period is used up: a stop, a restart, or a stop and start by hand
 *   between two runs all give a new id. Any other operation (a forced key binding restarts the
 *   machine) gives one too, and then the machine is simply warned again. The field may be null;
 *   then the period reads "none" and only the other checks hold.
 * - The seal is an HMAC over function, region, instance, period and both times, keyed from
 *   WEBHOOK_SECRET: a value written, copied or edited by hand does not pass. Without
 *   WEBHOOK_SECRET the key is public, and the seal still rules out a hand-written, edited or
 *   copied value (it binds the machine and its period), though not a deliberate forgery.
 * - The announcement time is kept, so a stop follows only a warning given at least the function's
 *   WARN minutes earlier (under the configuration in force at the stop, not the one at the
 *   warning), and never before the time the warning promised.
 */
import { createHmac, createHash, timingSafeEqual } from "node:crypto";
import { utcSeconds } from "../utc-seconds.ts";

/** The tag a function stores its warnings in. */
export const warningTagKey = (fn: string) => `autopilot:warning:${fn}`;

/** How long after its time a warning still allows a stop: a machine busy again meanwhile is warned anew. */
export const WARNING_VALID_MS = 60 * 60_000;

/**
 * The machine's running period, as a tag value may hold it: its LatestOperationRequestId (a
 * UUID), a digest of anything else, or "none" when the API gives none.
 */
export function runningPeriodOf(inst: { LatestOperationRequestId?: string | null | undefined }): string {
  const id = inst.LatestOperationRequestId;
  if (!id) return "none";
  return /^[\w-]{1,64}$/.test(id) ? id : createHash("sha256").update(id).digest("hex").slice(0, 32);
}

/** What a function announced: when (ms) and the stop it promised no earlier than (ms). */
export interface Announcement {
  at: number;
  stop: number;
}

/** What a warning is about: the function that gives it, and the machine's running period. */
export interface WarningSubject {
  fn: string;
  region: string;
  instance: string;
  period: string;
}

const sealKey = (secret: string | undefined) =>
  createHmac("sha256", secret ?? "")
    .update("cvm-autopilot warnings")
    .digest();
const sealOf = (secret: string | undefined, s: WarningSubject, a: Announcement) =>
  createHmac("sha256", sealKey(secret))
    .update(["w1", s.fn, s.region, s.instance, s.period, utcSeconds(a.at), utcSeconds(a.stop)].join("\n"))
    .digest("base64url")
    .slice(0, 22);

/** The tag value recording an announcement (Tag API values allow `=`, `:`, `-`, `_` and spaces inside). */
export function warningValue(secret: string | undefined, s: WarningSubject, a: Announcement): string {
  return `at=${utcSeconds(a.at)} stop=${utcSeconds(a.stop)} run=${s.period} seal=${sealOf(secret, s, a)}`;
}

const VALUE = /^at=(\S+) stop=(\S+) run=(\S+) seal=([\w-]{22})$/;

/** The announcement a tag value proves for this function, machine and running period; undefined for anything else. */
export function readWarning(
  value: string | undefined,
  secret: string | undefined,
  s: WarningSubject,
): Announcement | undefined {
  const m = value === undefined ? null : VALUE.exec(value);
  if (!m || m[3] !== s.period) return undefined;
  const a = { at: Date.parse(m[1]!), stop: Date.parse(m[2]!) };
  if (!Number.isFinite(a.at) || !Number.isFinite(a.stop)) return undefined;
  const want = Buffer.from(sealOf(secret, s, a));
  const got = Buffer.from(m[4]!);
  return want.length === got.length && timingSafeEqual(want, got) ? a : undefined;
}

export type WarningStanding = { state: "none" } | { state: "pending"; at: number } | { state: "due"; at: number };

/**
 * Whether a proven announcement allows a stop at `now`: due once both its promised time and
 * `warnMinutes` after the announcement have come, for WARNING_VALID_MS; pending before; none
 * (warn again) when stale, or dated after `now` (a record from the future is not trusted).
 */
export function warningStanding(a: Announcement | undefined, now: number, warnMinutes: number): WarningStanding {
  if (!a || a.at > now) return { state: "none" };
  const at = Math.max(a.stop, a.at + warnMinutes * 60_000);
  if (now < at) return { state: "pending", at };
  return now - at <= WARNING_VALID_MS ? { state: "due", at } : { state: "none" };
}
