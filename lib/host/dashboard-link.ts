/**
 * The dashboard's signed link: `/dashboard?exp=<unix seconds>&sig=<base64url>`. The key is
 * derived from WEBHOOK_SECRET for this one use (HMAC over a fixed label, as the snooze links'
 * key is), so a dashboard link cannot sign a webhook or a snooze link, nor the other way round.
 * The link only lets its holder read the page; it expires, and rotating WEBHOOK_SECRET revokes
 * every link at once. Signatures are compared in constant time.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

const DAY_MS = 86_400_000;
/** The longest a link may live: a year, so a leaked link cannot outlive a yearly key rotation by much. */
export const MAX_LINK_DAYS = 366;

const dashboardKey = (secret: string) => createHmac("sha256", secret).update("cvm-autopilot dashboard").digest();
const sign = (secret: string, expS: number) =>
  createHmac("sha256", dashboardKey(secret)).update(`dashboard\nv1\n${expS}`).digest("base64url");

/** The link's query string, valid until `nowMs` plus `days`. */
export function dashboardQuery(secret: string, nowMs: number, days: number): string {
  const exp = Math.floor((nowMs + days * DAY_MS) / 1000);
  return new URLSearchParams({ exp: String(exp), sig: sign(secret, exp) }).toString();
}

/** The whole link: `base` is serve's address or a function URL, without a trailing slash. */
export const dashboardLink = (base: string, secret: string, nowMs: number, days: number) =>
  `${base.replace(/\/+$/, "")}/dashboard?${dashboardQuery(secret, nowMs, days)}`;

/** Why a link is refused, or undefined for one that is ours and still valid. */
export function dashboardLinkProblem(secret: string, query: URLSearchParams, nowMs: number): string | undefined {
  const expText = query.get("exp") ?? "";
  const sig = query.get("sig") ?? "";
  if (!/^\d{1,12}$/.test(expText) || !sig) return "no signed link";
  const want = Buffer.from(sign(secret, Number(expText)));
  const got = Buffer.from(sig);
  if (want.length !== got.length || !timingSafeEqual(want, got)) return "bad signature";
  if (nowMs > Number(expText) * 1000) return "expired link";
  return undefined;
}
