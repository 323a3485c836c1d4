/**
 * Webhook authentication: HMAC-SHA256 over `timestamp + "." + body` with WEBHOOK_SECRET, sent as
 * `X-Autopilot-Timestamp` and `X-Autopilot-Signature: sha256=<hex>`. Constant-time compare,
 * a 2-minute window, and each signature accepted once within it (per process: see docs/operating.md). Failures say nothing more
 * than 401; a bad body is a 400 that names the problem.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { webhookBodySchema, type WebhookBody } from "./body.ts";

/** Short on purpose: the window is how long a captured request stays replayable somewhere the cache cannot see (another container, a restart). */
export const WEBHOOK_WINDOW_S = 120;
export const MAX_WEBHOOK_BODY = 16 * 1024;

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/** Signatures seen within the window, so a captured request cannot be replayed. */
export class ReplayCache {
  private readonly seen = new Map<string, number>();
  /** True if this signature was not seen before (and records it). */
  remember(signature: string, nowS: number): boolean {
    for (const [sig, expires] of this.seen) if (expires < nowS) this.seen.delete(sig);
    if (this.seen.has(signature)) return false;
    this.seen.set(signature, nowS + 2 * WEBHOOK_WINDOW_S);
    return true;
  }
}

export type WebhookResult = { ok: true; body: WebhookBody } | { ok: false; status: 400 | 401 | 413; error: string };

const header = (h: Record<string, string | string[] | undefined>, name: string): string | undefined => {
  const key = Object.keys(h).find((k) => k.toLowerCase() === name);
  const v = key ? h[key] : undefined;
  return Array.isArray(v) ? v[0] : v;
};

export function verifyWebhook(input: {
  headers: Record<string, string | string[] | undefined>;
  body: string;
  secret: string | undefined;
  nowS: number;
  replay: ReplayCache;
}): WebhookResult {
  const denied = { ok: false, status: 401, error: "unauthorized" } as const;
  if (!input.secret) return denied; // no secret configured: webhooks are off
  if (Buffer.byteLength(input.body) > MAX_WEBHOOK_BODY)
    return { ok: false, status: 413, error: `body larger than ${MAX_WEBHOOK_BODY} bytes` };
  const ts = header(input.headers, "x-autopilot-timestamp");
  const sig = header(input.headers, "x-autopilot-signature");
  if (!ts || !sig || !/^\d{1,12}$/.test(ts)) return denied;
  if (Math.abs(input.nowS - Number(ts)) > WEBHOOK_WINDOW_S) return denied;
  const expected = Buffer.from(signWebhook(input.secret, Number(ts), input.body));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return denied;
  if (!input.replay.remember(sig, input.nowS)) return denied;
  let json: unknown;
  try {
    json = input.body.trim() === "" ? {} : JSON.parse(input.body);
  } catch {
    return { ok: false, status: 400, error: "body is not valid JSON" };
  }
  const parsed = webhookBodySchema.safeParse(json);
  if (!parsed.success) {
    return {
      ok: false,
      status: 400,
      error: parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; "),
    };
  }
  return { ok: true, body: parsed.data };
}
