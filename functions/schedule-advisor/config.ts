/** schedule-advisor settings, from env: its own, and the idle thresholds and prices it shares with auto-stop. */
import * as z from "zod/mini";
import { baseShape, ownVariables, parseEnv, toBaseConfig, type BaseConfig, type Env } from "../../lib/config/config.ts";
import { field, int } from "../../lib/config/fields.ts";
import { isTimeZone } from "../../lib/config/parsers.ts";
import { IDLE_SETTINGS } from "../../lib/config/idle-settings.ts";
import { CALENDAR_HELP } from "../../lib/calendar/schedule-syntax.ts";
import type { Calendar, Thresholds } from "./weekly.ts";

/** The link's base URL: the function URL, or serve's address. */
const LINK_URL = /^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/;

const schema = z.object({
  ...baseShape,
  ...IDLE_SETTINGS,
  // Machines sharing this tag key's value get one schedule between them (unset: one per machine).
  SCHEDULE_ADVISOR_GROUP_TAG: field((v, fail) => {
    const key = v?.trim() || undefined;
    if (key && (key.includes("=") || key.length > 127))
      fail(`expected a tag key of at most 127 characters without "=" (e.g. team), got "${key}"`);
    return key;
  }),
  SCHEDULE_ADVISOR_CALENDAR: field((v, fail) => {
    const c = v?.trim() || "CN";
    if (c !== "CN" && c !== "none" && !/^[A-Z]{2}(-[A-Z0-9]{1,3})?$/.test(c)) fail(`${CALENDAR_HELP}; got "${c}"`);
    return c;
  }),
  SCHEDULE_ADVISOR_TIMEZONE: field((v, fail) => {
    const tz = v?.trim() || "Asia/Shanghai";
    if (!isTimeZone(tz)) fail(`expected an IANA time zone such as Asia/Shanghai, got "${tz}"`);
    return tz;
  }),
  // Where accept links point: the function URL, or serve's address (links need WEBHOOK_SECRET too).
  SCHEDULE_ADVISOR_LINK_URL: field((v, fail) => {
    const u = v?.trim().replace(/\/+$/, "");
    if (u && !LINK_URL.test(u))
      fail(
        `expected the function URL or serve's address, e.g. https://1250000000-abc.ap-guangzhou.tencentscf.com, got "${v}"`,
      );
    return u || undefined;
  }),
  SCHEDULE_ADVISOR_LINK_DAYS: int(7, 1, 30),
});

export interface ScheduleAdvisorConfig extends BaseConfig {
  thresholds: Thresholds;
  prices: Map<string, number>;
  currency: "CNY" | "USD";
  groupTag: string | undefined;
  calendar: Calendar;
  linkUrl: string | undefined;
  linkDays: number;
}

/** The variables this function reads beyond the shared ones. */
export const VARIABLES = ownVariables(schema);

export function loadConfig(env: Env = process.env): ScheduleAdvisorConfig {
  const e = parseEnv(schema, env);
  return {
    ...toBaseConfig(e),
    thresholds: { cpu: e.AUTO_STOP_CPU_THRESHOLD, trafficMbps: e.AUTO_STOP_NETWORK_THRESHOLD_MBPS },
    prices: e.AUTO_STOP_PRICES,
    currency: e.AUTO_STOP_CURRENCY,
    groupTag: e.SCHEDULE_ADVISOR_GROUP_TAG,
    calendar: { timezone: e.SCHEDULE_ADVISOR_TIMEZONE, calendar: e.SCHEDULE_ADVISOR_CALENDAR, exceptions: {} },
    linkUrl: e.SCHEDULE_ADVISOR_LINK_URL,
    linkDays: e.SCHEDULE_ADVISOR_LINK_DAYS,
  };
}
