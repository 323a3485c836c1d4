/**
 * A stand-in for the four notification receivers, on 127.0.0.1: each path answers like its
 * service and checks the body shape that service documents, so a message the real service would
 * refuse fails here too.
 * - /cgi-bin/webhook/send?key=K (WeCom): {msgtype:"markdown", markdown:{content ≤ 4096 bytes}} → {errcode:0}
 * - /robot/send?access_token=T (DingTalk): timestamp within an hour and sign = base64 HMAC-SHA256
 *   of `timestamp\nsecret`; {msgtype:"markdown", markdown:{title, text}} → {errcode:0}
 * - /services/T/B/X (Slack): {text} → "ok"
 * - /open-apis/bot/v2/hook/ID (Feishu/Lark custom robot): body ≤ 20 KB; with a secret, `timestamp`
 *   (seconds, within an hour) and `sign` = base64 HMAC-SHA256 keyed by `timestamp\nsecret` over an
 *   empty message, else {code:19021}; {msg_type:"post", content.post.<locale>.{title, content}} → {code:0}
 * - /hook (generic JSON): X-Autopilot-Signature over `timestamp.body` with the shared secret → 204
 * WeCom and DingTalk robots take 20 messages a minute each: the 21st within a minute is refused
 * (WeCom errcode 45009; DingTalk errcode 130101).
 */
import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach } from "vitest";
import { signWebhook } from "../../lib/webhook/verify.ts";

export interface Received {
  kind: "wecom" | "dingtalk" | "slack" | "feishu" | "json";
  url: URL;
  headers: IncomingMessage["headers"];
  body: Record<string, unknown>;
  /** The message's human text (markdown content, Slack text, or the generic body's text). */
  text: string;
  bytes: number;
}

export interface ChatOptions {
  dingtalkSecret?: string;
  feishuSecret?: string;
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
  // The robots' documented rate: 20 messages a minute per robot (its key or token).
  const sentAt = new Map<string, number[]>();
  const overRate = (robot: string) => {
    const now = Date.now();
    const recent = (sentAt.get(robot) ?? []).filter((t) => now - t < 60_000);
    sentAt.set(robot, [...recent, now]);
    return recent.length >= 20;
  };
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
        if (overRate(`wecom ${url.searchParams.get("key")}`))
          return res.end(JSON.stringify({ errcode: 45009, errmsg: "api freq out of limit" }));
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
        if (overRate(`dingtalk ${url.searchParams.get("access_token")}`))
          return res.end(JSON.stringify({ errcode: 130101, errmsg: "send too fast, exceed 20 times per minute" }));
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
      if (url.pathname.startsWith("/open-apis/bot/v2/hook/")) {
        const reply = feishuReply(body, Buffer.byteLength(raw), opts.feishuSecret);
        if (reply.code === 0)
          received.push({
            kind: "feishu",
            url,
            headers: req.headers,
            body,
            text: postText(body),
            bytes: Buffer.byteLength(raw),
          });
        return res.end(JSON.stringify(reply));
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
      feishu: `feishu+${base}/open-apis/bot/v2/hook/feishu-hook-0123456789`,
      json: `json+${base}/hook`,
    },
  };
}

/** What Feishu answers a custom-robot message: its size, signature and post shape checked as its guide says. */
function feishuReply(body: Record<string, unknown>, size: number, secret?: string): { code: number; msg: string } {
  if (size > 20 * 1024) return { code: 9499, msg: "request body exceeds 20 KB" };
  if (secret) {
    const ts = String(body.timestamp ?? "");
    const want = createHmac("sha256", `${ts}\n${secret}`).update("").digest("base64");
    if (!/^\d+$/.test(ts) || Math.abs(Date.now() / 1000 - Number(ts)) > 3600 || body.sign !== want)
      return { code: 19021, msg: "sign match fail or timestamp is not within one hour from current time" };
  }
  const post = (body.content as { post?: Record<string, { title?: unknown; content?: unknown }> } | undefined)?.post;
  const locales = Object.values(post ?? {});
  if (
    body.msg_type !== "post" ||
    !locales.length ||
    !locales.every((l) => typeof l.title === "string" && Array.isArray(l.content))
  )
    return { code: 9499, msg: "Bad Request: not a post" };
  return { code: 0, msg: "success" };
}

/** A post's words as a person sees them: titles, text, link labels with their address, mentions as @id. */
export function postText(body: Record<string, unknown>): string {
  const post = (
    body.content as { post: Record<string, { title: string; content: Array<Array<Record<string, string>>> }> }
  ).post;
  return Object.values(post)
    .map((l) =>
      [
        l.title,
        ...l.content.map((row) =>
          row
            .map((e) => (e.tag === "a" ? `[${e.text}](${e.href})` : e.tag === "at" ? `@${e.user_id}` : e.text))
            .join(""),
        ),
      ].join("\n"),
    )
    .join("\n");
}
