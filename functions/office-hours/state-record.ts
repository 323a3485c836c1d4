/**
 * office-hours' state tag: what our last action on a machine was, whether it failed, and when,
 * as `<action>[-failed]@<minute>Z seal=<16 characters>` (e.g. `start@2026-12-02T01:05Z seal=…`).
 *
 * Why a seal: the record decides whether a machine found against its schedule was changed by
 * hand (left alone) or still needs our action, so a record we did not write would hold the
 * schedule off. The simulated month found exactly that: a tenant's hand-written
 * `start@<a time two days ahead>` was distrusted while it lay in the future and trusted from
 * then on, so the machine never stopped. The seal is an HMAC keyed from WEBHOOK_SECRET (as the
 * warning tags' is) over the region, the action, the failure and the minute.
 *
 * It binds the region but not the instance on purpose: one run writes one value to all the
 * machines it acted on in a region, 10 a TagResources call; binding each machine would make that
 * one call per machine. A value copied from another machine of the same region therefore passes;
 * it is still a true record of one of our runs, at worst holding that machine as "changed by
 * hand" until the schedule next changes. Without WEBHOOK_SECRET the key is public and the seal
 * rules out values written or edited by hand, not a deliberate forgery.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** Our last action on an instance, whether it failed, and when (to the minute). */
export interface LastAction {
  action: "start" | "stop";
  failed: boolean;
  at: Date;
}

/** What the state tag says: our record, or why there is none to trust. */
export type StateReading =
  | { state: "none" }
  | { state: "ours"; last: LastAction }
  | { state: "unsealed"; value: string }
  | { state: "future"; last: LastAction };

const sealKey = (secret: string | undefined) =>
  createHmac("sha256", secret ?? "")
    .update("cvm-autopilot office-hours state")
    .digest();
const sealOf = (secret: string | undefined, region: string, record: string) =>
  createHmac("sha256", sealKey(secret)).update(`s1\n${region}\n${record}`).digest("base64url").slice(0, 16);

const RECORD = /^(start|stop)(-failed)?@(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})Z$/;
const VALUE = /^(\S+) seal=([\w-]{16})$/;

/** The state tag's value for an action at an instant in a region (tag values allow `@`, `:`, `=`, `-`, `_` and spaces). */
export function stateValue(
  secret: string | undefined,
  region: string,
  action: "start" | "stop",
  failed: boolean,
  at: Date,
): string {
  const record = `${action}${failed ? "-failed" : ""}@${at.toISOString().slice(0, 16)}Z`;
  return `${record} seal=${sealOf(secret, region, record)}`;
}

/**
 * Reads the state tag of a machine in `region` at `now`. Only a value a run of ours wrote is
 * trusted; a record dated after `now` is not either (runs record their own instant).
 */
export function readState(
  value: string | undefined,
  secret: string | undefined,
  region: string,
  now: Date,
): StateReading {
  if (value === undefined) return { state: "none" };
  const v = VALUE.exec(value);
  const m = v ? RECORD.exec(v[1]!) : null;
  const at = m ? new Date(`${m[3]}:00Z`) : undefined;
  if (!v || !m || !at || Number.isNaN(at.getTime())) return { state: "unsealed", value };
  const want = Buffer.from(sealOf(secret, region, v[1]!));
  const got = Buffer.from(v[2]!);
  if (want.length !== got.length || !timingSafeEqual(want, got)) return { state: "unsealed", value };
  const last: LastAction = { action: m[1] as "start" | "stop", failed: m[2] !== undefined, at };
  return at.getTime() > now.getTime() ? { state: "future", last } : { state: "ours", last };
}
