/**
 * Sending one message to one destination: signed where the service asks for it, retried briefly
 * and within a bound, and never thrown — a chat outage is logged and reported, it does not undo
 * or fail a run whose actions are already done.
 */
import { createHmac } from "node:crypto";
import { signWebhook } from "../webhook/verify.ts";
import { feishuSigned } from "./feishu.ts";
import type { Destination } from "../config/destinations.ts";
// A delivery's record is part of the report's vocabulary (report-head.ts), below notify/.
import type { Delivery } from "../report/report-head.ts";

export type { Delivery };

/** A delivery in words, for the report's text view: sent (and over how many posts), or why not. */
export function deliveryWords(d: Delivery): string {
  if (!d.ok) return `not delivered after ${d.attempts} attempt(s): ${d.error ?? ""}`;
  return `sent${d.messages ? ` (${d.messages.of} messages)` : ""}`;
}

export interface DeliverOptions {
  /** HMAC key for the generic JSON destination (NOTIFY_SECRET). */
  secret?: string | undefined;
  /** DingTalk's signing secret (NOTIFY_DINGTALK_SECRET), when the robot has 加签 on. */
  dingtalkSecret?: string | undefined;
  /** Feishu/Lark's signing secret (NOTIFY_FEISHU_SECRET), when the robot has signature verification on. */
  feishuSecret?: string | undefined;
  nowMs: () => number;
  sleep: (ms: number) => Promise<void>;
  attempts?: number;
  timeoutMs?: number;
}

export const NOTIFY_ATTEMPTS = 3;
export const NOTIFY_TIMEOUT_MS = 5000;
/** Waits between attempts; a Retry-After longer than the last is not waited for. */
const BACKOFF_MS = [500, 2000];

/**
 * Rate-limit codes the chat robots answer with HTTP 200: WeCom 45009 (freq out of limit), DingTalk
 * 130101 (send too fast), Feishu 11232 (frequency limited).
 */
export const RATE_CODES = new Set([45009, 130101, 11232]);

/**
 * DingTalk's signed URL: `timestamp` (ms) and `sign` = URL-encoded base64 of HMAC-SHA256 over
 * `timestamp + "\n" + secret`, keyed by the secret (DingTalk's custom-robot security settings, 加签).
 */
export function dingtalkSignedUrl(url: string, secret: string, nowMs: number): string {
  const sign = createHmac("sha256", secret).update(`${nowMs}\n${secret}`).digest("base64");
  const u = new URL(url);
  u.searchParams.set("timestamp", String(nowMs));
  u.searchParams.set("sign", sign);
  return u.toString();
}

type Attempt =
  | { ok: true; status: number }
  | { ok: false; status?: number; error: string; retry: boolean; retryAfterMs?: number };

/** The request as the destination asks for it: signed in the URL (DingTalk), the body (Feishu) or headers (JSON). */
function signedRequest(dest: Destination, unsigned: string, o: DeliverOptions) {
  const now = o.nowMs();
  // Feishu signs inside the body, with a timestamp of each attempt.
  const body = dest.kind === "feishu" && o.feishuSecret ? feishuSigned(unsigned, o.feishuSecret, now) : unsigned;
  const headers: Record<string, string> = { "Content-Type": "application/json; charset=utf-8" };
  let url = dest.url;
  if (dest.kind === "dingtalk" && o.dingtalkSecret) url = dingtalkSignedUrl(url, o.dingtalkSecret, now);
  if (dest.kind === "json" && o.secret) {
    // The same scheme as our incoming webhooks, so one verifier serves both directions.
    const ts = Math.floor(now / 1000);
    headers["X-Autopilot-Timestamp"] = String(ts);
    headers["X-Autopilot-Signature"] = signWebhook(o.secret, ts, body);
  }
  return { url, headers, body };
}

/** A reply the chat robots answer with HTTP 200: WeCom and DingTalk carry an errcode, Feishu a code; 0 is success. */
function robotReply(dest: Destination, status: number, text: string): Attempt {
  let code: unknown;
  try {
    const reply = JSON.parse(text) as { errcode?: unknown; code?: unknown; StatusCode?: unknown };
    // Feishu's older replies say StatusCode.
    code = dest.kind === "feishu" ? (reply.code ?? reply.StatusCode) : reply.errcode;
  } catch {
    return { ok: false, status, error: "the robot's reply is not JSON", retry: false };
  }
  if (code === 0) return { ok: true, status };
  return {
    ok: false,
    status,
    error: `${dest.kind === "feishu" ? "code" : "errcode"} ${String(code)}: ${text.slice(0, 200)}`,
    // DingTalk's 130101 holds the robot for 10 minutes: a retry within this run cannot succeed.
    retry: RATE_CODES.has(Number(code)) && Number(code) !== 130101,
  };
}

/** What a reply says: sent, or why not and whether another try may help. */
async function judge(dest: Destination, res: Response): Promise<Attempt> {
  const text = (await res.text().catch(() => "")).slice(0, 2000);
  if (res.status === 429 || res.status >= 500) {
    const ra = Number(res.headers.get("retry-after"));
    return {
      ok: false,
      status: res.status,
      error: `HTTP ${res.status}`,
      retry: true,
      ...(Number.isFinite(ra) && ra > 0 ? { retryAfterMs: ra * 1000 } : {}),
    };
  }
  if (res.status < 200 || res.status > 299)
    return { ok: false, status: res.status, error: `HTTP ${res.status}: ${text.slice(0, 200)}`, retry: false };
  if (dest.kind === "wecom" || dest.kind === "dingtalk" || dest.kind === "feishu")
    return robotReply(dest, res.status, text);
  return { ok: true, status: res.status };
}

async function attempt(dest: Destination, unsigned: string, o: DeliverOptions): Promise<Attempt> {
  const { url, headers, body } = signedRequest(dest, unsigned, o);
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers,
      body,
      signal: AbortSignal.timeout(o.timeoutMs ?? NOTIFY_TIMEOUT_MS),
      redirect: "error",
    });
  } catch (e) {
    const err = e as Error;
    return {
      ok: false,
      error:
        err.name === "TimeoutError"
          ? "timed out"
          : `could not connect: ${(err.cause as Error | undefined)?.message ?? err.message}`,
      retry: true,
    };
  }
  return judge(dest, res);
}

export async function deliver(dest: Destination, body: string, o: DeliverOptions): Promise<Delivery> {
  const max = o.attempts ?? NOTIFY_ATTEMPTS;
  let last: Attempt = { ok: false, error: "not sent", retry: false };
  for (let i = 1; i <= max; i++) {
    last = await attempt(dest, body, o);
    if (last.ok) return { to: dest.label, ok: true, attempts: i, status: last.status };
    if (!last.retry || i === max)
      return { to: dest.label, ok: false, attempts: i, status: last.status, error: last.error };
    const wait = BACKOFF_MS[Math.min(i - 1, BACKOFF_MS.length - 1)]!;
    // Retry-After is honoured up to the longest backoff; asked for longer, we give up instead of holding the run.
    if (last.retryAfterMs !== undefined && last.retryAfterMs > BACKOFF_MS[BACKOFF_MS.length - 1]!) {
      return {
        to: dest.label,
        ok: false,
        attempts: i,
        status: last.status,
        error: `${last.error}; Retry-After ${last.retryAfterMs / 1000}s is longer than a run waits`,
      };
    }
    await o.sleep(Math.max(wait, last.retryAfterMs ?? 0));
  }
  return {
    to: dest.label,
    ok: false,
    attempts: max,
    status: last.ok ? undefined : last.status,
    error: last.ok ? undefined : last.error,
  };
}
