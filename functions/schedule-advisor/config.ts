/** schedule-advisor settings, from env: its own, and the idle thresholds and prices it shares with auto-stop. */
import { readConfig, toBaseConfig, type BaseConfig, type Env } from "../../lib/config/config.ts";
import { declareSettings } from "../../lib/config/settings.ts";
import { field, int } from "../../lib/config/fields.ts";
import { isTimeZone } from "../../lib/config/parsers.ts";
import { IDLE_SETTINGS } from "../../lib/config/idle-settings.ts";
import { CALENDAR_HELP } from "../../lib/calendar/schedule-syntax.ts";
import type { Calendar, Thresholds } from "./weekly.ts";

/** The link's base URL: the function URL, or serve's address. */
const LINK_URL = /^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/;

export const SETTINGS = declareSettings({
  // The idle thresholds and prices auto-stop-idle reads too, declared once in lib/config.
  ...IDLE_SETTINGS,
  // Machines sharing this tag key's value get one schedule between them (unset: one per machine).
  groupTag: {
    env: "SCHEDULE_ADVISOR_GROUP_TAG",
    parse: field((v, fail) => {
      const key = v?.trim() || undefined;
      if (key && (key.includes("=") || key.length > 127))
        fail(`expected a tag key of at most 127 characters without "=" (e.g. team), got "${key}"`);
      return key;
    }),
    meaning:
      "a tag key (e.g. `team`): machines sharing its value get one schedule, the hours any of them was in use; machines without the tag are proposed one each. An hour is in use above `AUTO_STOP_CPU_THRESHOLD` or `AUTO_STOP_NETWORK_THRESHOLD_MBPS`, and the saving is priced with `AUTO_STOP_PRICES` / `AUTO_STOP_CURRENCY`",
    default: "— (one schedule per machine)",
  },
  calendar: {
    env: "SCHEDULE_ADVISOR_CALENDAR",
    parse: field((v, fail) => {
      const c = v?.trim() || "CN";
      if (c !== "CN" && c !== "none" && !/^[A-Z]{2}(-[A-Z0-9]{1,3})?$/.test(c)) fail(`${CALENDAR_HELP}; got "${c}"`);
      return c;
    }),
    meaning:
      "the calendar proposals are learnt on and written with: `CN` (China's holidays and make-up workdays), a date-holidays country or region code, or `none`; holidays and make-up workdays are left out of the weekly profile",
    default: "`CN`",
  },
  timezone: {
    env: "SCHEDULE_ADVISOR_TIMEZONE",
    parse: field((v, fail) => {
      const tz = v?.trim() || "Asia/Shanghai";
      if (!isTimeZone(tz)) fail(`expected an IANA time zone such as Asia/Shanghai, got "${tz}"`);
      return tz;
    }),
    meaning: "the zone hours of the week are read in and proposals written in",
    default: "`Asia/Shanghai`",
  },
  // Where accept links point: the function URL, or serve's address (links need WEBHOOK_SECRET too).
  linkUrl: {
    env: "SCHEDULE_ADVISOR_LINK_URL",
    parse: field((v, fail) => {
      const u = v?.trim().replace(/\/+$/, "");
      if (u && !LINK_URL.test(u))
        fail(
          `expected the function URL or serve's address, e.g. https://1250000000-abc.ap-guangzhou.tencentscf.com, got "${v}"`,
        );
      return u || undefined;
    }),
    meaning:
      "where each proposal's accept link points (the function URL or serve's address; needs `WEBHOOK_SECRET`): its page shows the tag it would write, its button writes `autopilot:office-hours=<schedule>`. No link in a dry run",
    default: "— (no links)",
  },
  linkDays: {
    env: "SCHEDULE_ADVISOR_LINK_DAYS",
    parse: int(7, 1, 30),
    meaning: "days an accept link stays valid (1–30); past them it changes nothing",
  },
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

export function loadConfig(env: Env = process.env): ScheduleAdvisorConfig {
  const { shared, own } = readConfig(env, SETTINGS);
  return {
    ...toBaseConfig(shared),
    thresholds: { cpu: own.cpuThreshold, trafficMbps: own.networkThresholdMbps },
    prices: own.prices,
    currency: own.currency,
    groupTag: own.groupTag,
    calendar: { timezone: own.timezone, calendar: own.calendar, exceptions: {} },
    linkUrl: own.linkUrl,
    linkDays: own.linkDays,
  };
}
