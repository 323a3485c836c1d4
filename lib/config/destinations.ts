/**
 * NOTIFY_URLS: where a run's messages go. The service is read from the URL's host
 * (the addresses each service hands out), or from a `wecom+`, `dingtalk+`, `slack+`, `feishu+` or
 * `json+` prefix for a proxy or a test server. These URLs carry their credential (WeCom's `key`,
 * DingTalk's `access_token`, Slack's and Feishu's path), so each is registered for redaction and
 * only ever shown as its service and host.
 */
import { registerSecret } from "../log/redact.ts";

export const NOTIFY_KINDS = ["wecom", "dingtalk", "slack", "feishu", "json"] as const;
export type NotifyKind = (typeof NOTIFY_KINDS)[number];

export interface Destination {
  kind: NotifyKind;
  url: string;
  /** What logs and reports show: the service and host, never the token. */
  label: string;
}

const HOSTS: Record<string, NotifyKind> = {
  "qyapi.weixin.qq.com": "wecom",
  "oapi.dingtalk.com": "dingtalk",
  "hooks.slack.com": "slack",
  // Feishu's custom robots, and Lark's (its international edition): /open-apis/bot/v2/hook/<id>.
  "open.feishu.cn": "feishu",
  "open.larksuite.com": "feishu",
};
const PREFIX = /^(wecom|dingtalk|slack|feishu|json)\+(.*)$/s;
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** One destination, or a problem in words (the caller names the variable). */
export function parseDestination(raw: string): Destination | string {
  const m = PREFIX.exec(raw);
  const text = m ? m[2]! : raw;
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return `"${shown(raw)}" is not a URL; give the robot's full webhook address`;
  }
  // A token sent in clear text is a token given away: plain http only to this machine (tests, a local relay).
  if (u.protocol !== "https:" && !(u.protocol === "http:" && LOOPBACK.has(u.hostname))) {
    return `${u.protocol}//${u.host} must use https (plain http is accepted only for 127.0.0.1/localhost)`;
  }
  const kind = (m?.[1] as NotifyKind | undefined) ?? HOSTS[u.hostname] ?? "json";
  for (const v of u.searchParams.values()) registerSecret(v);
  // Slack's, Feishu's and a generic receiver's path may be the credential itself.
  if (kind === "slack" || kind === "feishu" || kind === "json")
    registerSecret(u.pathname.length > 1 ? u.pathname : undefined);
  registerSecret(text);
  return { kind, url: text, label: `${kind} ${u.host}` };
}

/** Never echo a token back in an error: at most the scheme and host. */
function shown(raw: string): string {
  const host = /^[a-z+]+:\/\/[^/?#]*/i.exec(raw)?.[0];
  return host ? `${host.replace(/\/\/[^@]*@/, "//")}/…` : "…";
}

/** What config gives the notifier: where to send, when, and the secrets to sign with. */
export interface NotifyConfig {
  destinations: Destination[];
  always: boolean;
  secret: string | undefined;
  dingtalkSecret: string | undefined;
  /** The Feishu/Lark robot's signing secret (NOTIFY_FEISHU_SECRET), when signature verification is on. */
  feishuSecret?: string | undefined;
}
