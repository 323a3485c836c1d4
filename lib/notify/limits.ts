/**
 * What each robot takes, from its own documentation, and what a run holds itself to.
 *
 * Size (one message):
 * - WeCom group robot: markdown `content` at most 4096 bytes of UTF-8 ("群机器人配置说明";
 *   past it the robot answers errcode 40058).
 * - DingTalk custom robot: its robot pages document no size for markdown `text`; held to WeCom's
 *   4096 bytes, the strictest documented one, which also keeps a message readable on a phone.
 * - Slack incoming webhook: `text` is truncated past 40,000 characters, and Slack recommends under
 *   4,000; held to 4096 bytes like the others.
 * - Feishu/Lark custom robot: the request body at most 20 KB ("自定义机器人使用指南").
 *
 * Rate (per robot): WeCom and DingTalk 20 messages a minute (DingTalk then refuses with errcode
 * 130101 for 10 minutes); Feishu 100 a minute and 5 a second (errcode 11232 past it); Slack one a
 * second per incoming webhook. A run spaces its messages to one robot by `spacingMs` (60 s / 20 =
 * 3 s for WeCom and DingTalk) and sends at most `perRun`: half a WeCom or DingTalk robot's minute,
 * so another function's run in the same minute still has the other half. What does not fit in
 * `perRun` messages is listed by owner without links in the last one, which says the links are in
 * the run's report.
 */
import type { NotifyKind } from "../config/destinations.ts";

export interface RobotLimits {
  /** What one message may hold, in UTF-8 bytes, and of what: the text, or the whole request body. */
  bytes: number;
  measures: "text" | "body";
  perRun: number;
  spacingMs: number;
}

export const CHAT_LIMIT_BYTES = 4096;
/** A generic receiver gets one message, bounded. */
export const JSON_LIMIT_BYTES = 64 * 1024;
/** Feishu's 20 KB, less room for the `timestamp` and `sign` fields added when the message is sent. */
export const FEISHU_LIMIT_BYTES = 20 * 1024 - 128;
export const MESSAGES_PER_RUN = 10;

export const ROBOT_LIMITS: Record<NotifyKind, RobotLimits> = {
  wecom: { bytes: CHAT_LIMIT_BYTES, measures: "text", perRun: MESSAGES_PER_RUN, spacingMs: 3000 },
  dingtalk: { bytes: CHAT_LIMIT_BYTES, measures: "text", perRun: MESSAGES_PER_RUN, spacingMs: 3000 },
  slack: { bytes: CHAT_LIMIT_BYTES, measures: "text", perRun: MESSAGES_PER_RUN, spacingMs: 1000 },
  feishu: { bytes: FEISHU_LIMIT_BYTES, measures: "body", perRun: MESSAGES_PER_RUN, spacingMs: 600 },
  json: { bytes: JSON_LIMIT_BYTES, measures: "body", perRun: 1, spacingMs: 0 },
};

export const bytes = (s: string): number => Buffer.byteLength(s, "utf8");
