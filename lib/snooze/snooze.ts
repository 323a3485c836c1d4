/**
 * Keeping one machine running for a while without editing policy: the tags anyone can set, and
 * the signed links a warning carries.
 * - `autopilot:snooze-until=<ISO time with zone>` keeps auto-stop-idle's and office-hours' stops,
 *   and rightsize's resizes (a stop of minutes), away from the instance until then. Past it, the tag is ignored (and reported); a value that is
 *   not such a time is reported and keeps the machine as it is, never guessed at.
 * - A warning is each function's own sealed tag (warning-tag.ts); a link names the running period
 *   it was issued for, and a stop-now link acts only on that period.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const SNOOZE_TAG = "autopilot:snooze-until";
/** Who a message mentions about the instance: a WeCom userid, a DingTalk mobile or userId, a Slack member id. */
export const OWNER_TAG = "autopilot:owner";

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO instant that names its zone, in ms; anything else (a date alone, no zone) is undefined. */
export function parseInstant(v: string | undefined): number | undefined {
  if (v === undefined || !INSTANT.test(v)) return undefined;
  const t = Date.parse(v);
  return Number.isFinite(t) ? t : undefined;
}

/** A tag value for an instant: UTC, to the minute (tag values allow `:` and `-`). */
export const instantTag = (ms: number) => `${new Date(ms).toISOString().slice(0, 16)}Z`;

export type Snooze =
  | { state: "none" }
  | { state: "active"; until: number }
  | { state: "expired"; until: number }
  | { state: "bad"; value: string };

export function snoozeOf(tags: ReadonlyMap<string, string>, now: Date): Snooze {
  const v = tags.get(SNOOZE_TAG);
  if (v === undefined) return { state: "none" };
  const until = parseInstant(v);
  if (until === undefined) return { state: "bad", value: v.slice(0, 60) };
  return until > now.getTime() ? { state: "active", until } : { state: "expired", until };
}

/** What a link may ask: keep the machine running until a time, or stop it now. */
export interface SnoozeLink {
  instance: string;
  region: string;
  /** The account uin, or "" in a run over the caller's own account. */
  account: string;
  /** `until` as an instant (ms) to keep it running, or "stop" to stop it now. */
  until: number | "stop";
  /** When the link expires (ms): the warning's own time. */
  exp: number;
  /** The machine's running period when the link was issued (warning-tag.ts runningPeriodOf): a stop-now link acts only on it. */
  run: string;
}

/** The links' key: derived from WEBHOOK_SECRET, so a link cannot sign a webhook and a webhook signature cannot make a link. */
const linkKey = (secret: string) => createHmac("sha256", secret).update("cvm-autopilot snooze links").digest();

/** The canonical string a link signs: every field, in order, so no field can be widened or swapped. */
const canonical = (l: SnoozeLink) =>
  [
    "v2",
    l.instance,
    l.region,
    l.account,
    l.until === "stop" ? "stop" : instantTag(l.until),
    String(Math.floor(l.exp / 1000)),
    l.run,
  ].join("\n");

export function signLink(secret: string, l: SnoozeLink): string {
  return createHmac("sha256", linkKey(secret)).update(canonical(l)).digest("base64url");
}

/** The link's query string (its path is `/snooze`). */
export function linkQuery(secret: string, l: SnoozeLink): string {
  const q = new URLSearchParams({
    instance: l.instance,
    region: l.region,
    account: l.account,
    until: l.until === "stop" ? "stop" : instantTag(l.until),
    exp: String(Math.floor(l.exp / 1000)),
    run: l.run,
    sig: signLink(secret, l),
  });
  return q.toString();
}

/** A link read back from its query and checked: its fields, or why it is refused. */
export function verifyLink(
  secret: string,
  query: URLSearchParams,
  nowMs: number,
): { ok: true; link: SnoozeLink } | { ok: false; why: string } {
  const instance = query.get("instance") ?? "";
  const region = query.get("region") ?? "";
  const account = query.get("account") ?? "";
  const untilRaw = query.get("until") ?? "";
  const expS = Number(query.get("exp"));
  const sig = query.get("sig") ?? "";
  const run = query.get("run") ?? "";
  if (
    !/^[\w-]{1,64}$/.test(run) ||
    !/^ins-[a-z0-9]{8}$/.test(instance) ||
    !/^[a-z]{2,}(-[a-z0-9]+){1,3}$/.test(region) ||
    !/^\d{0,20}$/.test(account) ||
    !Number.isInteger(expS)
  )
    return { ok: false, why: "malformed link" };
  const until = untilRaw === "stop" ? "stop" : parseInstant(untilRaw);
  if (until === undefined) return { ok: false, why: "malformed link" };
  const link: SnoozeLink = { instance, region, account, until, exp: expS * 1000, run };
  const want = Buffer.from(signLink(secret, link));
  const got = Buffer.from(sig);
  if (want.length !== got.length || !timingSafeEqual(want, got)) return { ok: false, why: "bad signature" };
  if (nowMs > link.exp) return { ok: false, why: "expired link" };
  return { ok: true, link };
}
