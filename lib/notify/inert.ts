/**
 * Text any tenant can write (instance names, tag values, an API's error text, an organization
 * member's name) shown inert in WeCom and DingTalk markdown, and escaped for Slack.
 *
 * Only what would become markup is changed, so our own words (`RENEW_DEFAULT_FLAG`, `day(s)`,
 * `CPU max 2% < 5%`) reach people exactly as written: a link or image needs `[`, a mention or a tag
 * (`<@all>`, `<font …>`) needs `<` before `@`, `/`, `!` or a letter, a code span needs a backtick,
 * emphasis needs `*` or an `_` at a word's edge (never inside `RENEW_DEFAULT_FLAG`), and a bare
 * address needs `://`. Those characters become their full-width look-alikes: neither service
 * documents a backslash escape, and a look-alike reads the same everywhere, so a name reads as
 * written but can never become a link or a mention.
 */
const LOOK_ALIKE: Record<string, string> = {
  "[": "［",
  "]": "］",
  "<": "＜",
  "`": "｀",
  "*": "＊",
};

export const markdownInert = (s: string): string =>
  s
    .replace(/[[\]`*]/g, (c) => LOOK_ALIKE[c]!)
    .replace(/<(?=[@/!A-Za-z])/g, "＜")
    .replace(/(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, "＿")
    .replace(/:\/\//g, "：//");

/** Slack's mrkdwn control characters `&`, `<` and `>` escaped, as its formatting docs require (also inside a link's URL). */
export const slackControl = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
/** Tenant text in Slack: its control characters escaped, and no bare address for Slack to turn into a link. */
export const slackEscape = (s: string): string => slackControl(s).replace(/:\/\//g, "：//");
