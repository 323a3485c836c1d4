/**
 * Mentions, each in the syntax its service documents, and only for owner values (the
 * `autopilot:owner` tag) of that service's shape: anything else is shown as text, never forced
 * into a mention.
 * - WeCom markdown: `<@userid>` in the content (group robot docs; userids of letters, digits, `_ . - @`).
 * - DingTalk: `at.atMobiles` / `at.atUserIds`, each also written `@…` in the text, as its robot docs require.
 * - Slack: `<@U…>` (member ids, formatting docs).
 * - Feishu/Lark post: an `at` element with the member's open_id (`ou_…`, custom-robot guide).
 */
const WECOM_USER = /^[A-Za-z0-9_.@-]{1,64}$/;
const MOBILE = /^\+?\d{6,15}$/;
const DING_USER = /^[A-Za-z0-9_-]{1,64}$/;
const SLACK_MEMBER = /^[UW][A-Z0-9]{2,20}$/;
const FEISHU_OPEN_ID = /^ou_[A-Za-z0-9]{8,64}$/;

/** "all" would mention everyone in the group: an owner tag can name one person, never the room. */
const person = (m: string) => m.toLowerCase() !== "all" && m.toLowerCase() !== "@all";

export const wecomMention = (m: string): string | undefined => (person(m) && WECOM_USER.test(m) ? m : undefined);
export const slackMention = (m: string): string | undefined => (SLACK_MEMBER.test(m) ? m : undefined);
export const feishuMention = (m: string): string | undefined => (FEISHU_OPEN_ID.test(m) ? m : undefined);

/** DingTalk's `at` field for these owners: mobiles and user ids, each written `@…` in the text too. */
export function dingtalkAt(owners: readonly string[]): { atMobiles: string[]; atUserIds: string[] } {
  const ms = owners.filter(person);
  return {
    atMobiles: ms.filter((m) => MOBILE.test(m)),
    atUserIds: ms.filter((m) => !MOBILE.test(m) && DING_USER.test(m)),
  };
}
export const dingtalkMention = (m: string): string | undefined => {
  const at = dingtalkAt([m]);
  return at.atMobiles[0] ?? at.atUserIds[0];
};
