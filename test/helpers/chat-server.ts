/**
 * A stand-in for the four notification receivers, on 127.0.0.1: each path answers like its
 * service and checks the body shape that service documents, so a message the real service would
 * refuse fails here too.
 * - /cgi-bin/webhook/send?key=K (WeCom): {msgtype:"markdown", markdown:{content ≤ 4096 bytes}} → {errcode:0}
 * - /robot/send?access_token=T (DingTalk): timestamp within an hour and sign = base64 HMAC-SHA256
 *   of `timestamp\nsecret`; {msgtype:"markdown", markdown:{title, text}} → {errcode:0}
 * - /services/T/B/X (Slack): {text} → "ok"
 * - /hook (generic JSON): X-Autopilot-Signature over `timestamp.body` with the shared secret → 204
 */
import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach } from "vitest";
import { signWebhook } from "../../lib/webhook/verify.ts";

export interface Received {
  kind: "wecom" | "dingtalk" | "slack" | "json";
  url: URL;
  headers: IncomingMessage["headers"];
  body: Record<string, unknown>;
  /** The message's human text (markdown content, Slack text, or the generic body's text). */
  text: string;
  bytes: number;
}

export interface ChatOptions {
  dingtalkSecret?: string;
  jsonSecret?: string;
  /** Answers for the first requests, in order (then success): an HTTP status, or a WeCom/DingTalk errcode. */
  failFirst?: Array<{ status?: number; errcode?: number; retryAfter?: string }>;
  /** Refuse every request with an error reply that quotes the request's URL, plain and encoded (as some proxies and robots do). */
  echoUrl?: boolean;
}

const running: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((stop) => stop()));
});

export async function chatServer(opts: ChatOptions = {}) {
  const received: Received[] = [];
  const refused: string[] = [];
  const failures = [...(opts.failFirst ?? [])];
  let requests = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      requests++;
      const raw = Buffer.concat(chunks).toString("utf8");
      const url = new URL(req.url ?? "/", "http://x");
      const refuse = (why: string, status = 400) => {
        refused.push(why);
        res.writeHead(status).end(why);
      };
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return refuse("body is not JSON");
      }
      if (opts.echoUrl)
        return res.writeHead(400).end(
          JSON.stringify({
            errcode: 40008,
            errmsg: `invalid request ${req.url} (${encodeURIComponent(req.url ?? "")})`,
            url: req.url,
          }),
        );
      const fail = failures.shift();
      if (fail?.status)
        return res.writeHead(fail.status, fail.retryAfter ? { "Retry-After": fail.retryAfter } : {}).end("busy");
      const md = body.markdown as { content?: unknown; title?: unknown; text?: unknown } | undefined;
      if (url.pathname === "/cgi-bin/webhook/send") {
        if (!url.searchParams.get("key")) return refuse("wecom: no key");
        if (body.msgtype !== "markdown" || typeof md?.content !== "string")
          return refuse("wecom: not a markdown message");
        if (Buffer.byteLength(md.content) > 4096)
          return refuse(`wecom: content ${Buffer.byteLength(md.content)} bytes > 4096`);
        if (fail?.errcode) return res.end(JSON.stringify({ errcode: fail.errcode, errmsg: "api freq out of limit" }));
        received.push({
          kind: "wecom",
          url,
          headers: req.headers,
          body,
          text: md.content,
          bytes: Buffer.byteLength(raw),
        });
        return res.end(JSON.stringify({ errcode: 0, errmsg: "ok" }));
      }
      if (url.pathname === "/robot/send") {
        if (!url.searchParams.get("access_token")) return refuse("dingtalk: no access_token");
        if (opts.dingtalkSecret) {
          const ts = url.searchParams.get("timestamp") ?? "";
          const want = createHmac("sha256", opts.dingtalkSecret)
            .update(`${ts}\n${opts.dingtalkSecret}`)
            .digest("base64");
          if (Math.abs(Date.now() - Number(ts)) > 3600_000)
            return res.end(JSON.stringify({ errcode: 310000, errmsg: "timestamp out of window" }));
          if (url.searchParams.get("sign") !== want)
            return res.end(JSON.stringify({ errcode: 310000, errmsg: "sign not match" }));
        }
        if (body.msgtype !== "markdown" || typeof md?.title !== "string" || typeof md.text !== "string")
          return res.end(JSON.stringify({ errcode: 40035, errmsg: "missing markdown title or text" }));
        received.push({
          kind: "dingtalk",
          url,
          headers: req.headers,
          body,
          text: md.text,
          bytes: Buffer.byteLength(raw),
        });
        return res.end(JSON.stringify({ errcode: 0, errmsg: "ok" }));
      }
      if (url.pathname.startsWith("/services/")) {
        if (typeof body.text !== "string" || !body.text) return refuse("invalid_payload");
        received.push({
          kind: "slack",
          url,
          headers: req.headers,
          body,
          text: body.text,
          bytes: Buffer.byteLength(raw),
        });
        return res.end("ok");
      }
      if (url.pathname === "/hook") {
        const ts = Number(req.headers["x-autopilot-timestamp"]);
        if (!opts.jsonSecret || req.headers["x-autopilot-signature"] !== signWebhook(opts.jsonSecret, ts, raw))
          return refuse("json: bad signature", 401);
        received.push({
          kind: "json",
          url,
          headers: req.headers,
          body,
          text: String(body.text),
          bytes: Buffer.byteLength(raw),
        });
        return res.writeHead(204).end();
      }
      return refuse("no such path", 404);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  running.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    received,
    refused,
    requests: () => requests,
    urls: {
      wecom: `wecom+${base}/cgi-bin/webhook/send?key=wecom-key-0123456789`,
      dingtalk: `dingtalk+${base}/robot/send?access_token=ding-token-0123456789`,
      slack: `slack+${base}/services/T000/B000/slacksecret0123456789`,
      json: `json+${base}/hook`,
    },
  };
}
