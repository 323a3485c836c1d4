/**
 * schedule-advisor's "accept" links: `/accept?instance=…&region=…&account=…&schedule=…&entry=…&exp=…&sig=…`.
 * Signed like the snooze links (snooze.ts), with a key of their own derived from WEBHOOK_SECRET,
 * so neither kind of link can pass for the other. Every field is signed: the link writes
 * `autopilot:office-hours=<schedule>` on that one machine and no other value; `entry` is the
 * OFFICE_HOURS_SCHEDULES entry the page shows beside it.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export interface AcceptLink {
  instance: string;
  region: string;
  /** The account uin, or "" in a run over the caller's own account. */
  account: string;
  /** The schedule's name: the tag value the link writes. */
  schedule: string;
  /** The OFFICE_HOURS_SCHEDULES entry that defines it, as JSON. */
  entry: string;
  /** When the link expires (ms). */
  exp: number;
}

const acceptKey = (secret: string) => createHmac("sha256", secret).update("cvm-autopilot accept links").digest();

const canonical = (l: AcceptLink) =>
  ["a1", l.instance, l.region, l.account, l.schedule, l.entry, String(Math.floor(l.exp / 1000))].join("\n");

const sign = (secret: string, l: AcceptLink) =>
  createHmac("sha256", acceptKey(secret)).update(canonical(l)).digest("base64url");

/** The link's query string (its path is `/accept`). */
export function acceptQuery(secret: string, l: AcceptLink): string {
  return new URLSearchParams({
    instance: l.instance,
    region: l.region,
    account: l.account,
    schedule: l.schedule,
    entry: l.entry,
    exp: String(Math.floor(l.exp / 1000)),
    sig: sign(secret, l),
  }).toString();
}

/** A link read back from its query and checked: its fields, or why it is refused. */
export function verifyAccept(
  secret: string,
  q: URLSearchParams,
  nowMs: number,
): { ok: true; link: AcceptLink } | { ok: false; why: "malformed link" | "bad signature" | "expired link" } {
  const link: AcceptLink = {
    instance: q.get("instance") ?? "",
    region: q.get("region") ?? "",
    account: q.get("account") ?? "",
    schedule: q.get("schedule") ?? "",
    entry: q.get("entry") ?? "",
    exp: Number(q.get("exp")) * 1000,
  };
  if (
    !/^ins-[a-z0-9]{8}$/.test(link.instance) ||
    !/^[a-z]{2,}(-[a-z0-9]+){1,3}$/.test(link.region) ||
    !/^\d{0,20}$/.test(link.account) ||
    !/^[A-Za-z0-9_.-]{1,63}$/.test(link.schedule) ||
    link.entry.length > 2000 ||
    !Number.isInteger(link.exp)
  )
    return { ok: false, why: "malformed link" };
  const want = Buffer.from(sign(secret, link));
  const got = Buffer.from(q.get("sig") ?? "");
  if (want.length !== got.length || !timingSafeEqual(want, got)) return { ok: false, why: "bad signature" };
  if (nowMs > link.exp) return { ok: false, why: "expired link" };
  return { ok: true, link };
}
