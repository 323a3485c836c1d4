/** auto-stop-idle settings, declared once (lib/config/settings.ts) and read from env. */
import { ConfigError, readConfig, toBaseConfig, type Env } from "../../lib/config/config.ts";
import { bool, csv, field, int, num, oneOf, optionalInt, regex } from "../../lib/config/fields.ts";
import { prices, tag, tagList, timeZone, windows } from "../../lib/config/parsers.ts";
import { declareSettings } from "../../lib/config/settings.ts";
import { loadSchedules, scheduleZone, shortestInterval } from "../../lib/deploy/schedules.ts";

/** auto-stop-idle's schedule unless SCHEDULE_AUTO_STOP_IDLE sets another: every 15 minutes. */
export const SCHEDULE = "*/15 * * * *";

/** What to watch and when a machine counts as idle. */
const SCOPE = declareSettings({
  includeTags: {
    env: "AUTO_STOP_INCLUDE_TAGS",
    parse: tagList(),
    meaning: "only instances with these tags, `k=v,k=v` (same key twice: either value)",
    default: "all",
  },
  optOutTag: {
    env: "AUTO_STOP_OPT_OUT_TAG",
    parse: tag("autopilot:auto-stop=off"),
    meaning: "instances with this tag are never stopped",
  },
  namePattern: {
    env: "AUTO_STOP_NAME_PATTERN",
    parse: regex(),
    meaning:
      "only instance names matching this regular expression (RE2 syntax, matched in linear time: no backreferences or lookaround)",
    default: "all",
  },
  projects: {
    env: "AUTO_STOP_PROJECTS",
    parse: field((v, fail) => {
      const ids = csv(v).map(Number);
      if (ids.some((n) => !Number.isInteger(n) || n < 0)) fail("expected a comma list of project ids, e.g. 0,1001");
      return ids;
    }),
    meaning: "only these project ids, comma list",
    default: "all",
  },
  lookbackMinutes: { env: "AUTO_STOP_LOOKBACK_MINUTES", parse: int(60, 5, 1440), meaning: "look-back window" },
  metricPeriod: {
    env: "AUTO_STOP_METRIC_PERIOD",
    parse: field((v, fail) => {
      if (v !== undefined && v !== "60" && v !== "300") fail(`expected 60 or 300 (seconds), got "${v}"`);
      return Number(v ?? "300");
    }),
    meaning: "metric granularity, `60` or `300` seconds",
  },
  cpuThreshold: {
    env: "AUTO_STOP_CPU_THRESHOLD",
    parse: num(5, { gt: 0, max: 100 }),
    meaning: "CPU % below which an instance may be idle",
  },
  cpuStat: {
    env: "AUTO_STOP_CPU_STAT",
    parse: oneOf(["max", "p95"], "max"),
    meaning: "`max` or `p95` over the window",
  },
  networkThresholdMbps: {
    env: "AUTO_STOP_NETWORK_THRESHOLD_MBPS",
    parse: num(1, { min: 0 }),
    meaning: "outbound Mbps below which an instance may be idle",
  },
  schedule: {
    env: "AUTO_STOP_SCHEDULE",
    parse: windows(),
    meaning:
      "only act inside these windows, `HH:MM-HH:MM[,…]` (may wrap midnight); an instance's `autopilot:schedule` tag overrides it",
    default: "always",
  },
  timeZone: { env: "AUTO_STOP_TIMEZONE", parse: timeZone(), meaning: "IANA time zone of the windows" },
});

/** How a stop is made, and the guard on how many. */
const STOPS = declareSettings({
  stoppedMode: {
    env: "AUTO_STOP_STOPPED_MODE",
    parse: oneOf(["STOP_CHARGING", "KEEP_CHARGING"], "STOP_CHARGING"),
    meaning: "`STOP_CHARGING` or `KEEP_CHARGING`",
  },
  stopType: {
    env: "AUTO_STOP_STOP_TYPE",
    parse: oneOf(["SOFT", "HARD", "SOFT_FIRST"], "SOFT"),
    meaning: "`SOFT`, `SOFT_FIRST` or `HARD`",
  },
  maxFraction: {
    env: "AUTO_STOP_MAX_FRACTION",
    parse: num(0.5, { min: 0, max: 1 }),
    meaning:
      "blast-radius guard: refuse to stop more than this share of the in-scope fleet (after tags, projects, name pattern and opt-out)",
  },
  maxCount: {
    env: "AUTO_STOP_MAX_COUNT",
    parse: optionalInt(0),
    meaning: "blast-radius guard: and no more than this many",
  },
  overrideGuard: {
    env: "AUTO_STOP_OVERRIDE_GUARD",
    parse: bool(false),
    meaning: "`true` lets a run past the guard",
  },
  prices: {
    env: "AUTO_STOP_PRICES",
    parse: prices(),
    meaning:
      "`InstanceType=hourlyPrice,…`: overrides for estimated savings. Without one, a stopped type's price comes from DescribeZoneInstanceConfigInfos (pay-as-you-go `UnitPriceDiscount`, else `UnitPrice`, per zone; one call per region per run). Savings are reported per hour and per 30-day month at that rate; a type with no price is counted as `unpriced` and named in `unpricedTypes`, never taken as free, and a failed lookup only leaves types unpriced",
  },
  // The account's site decides the currency of its prices: CNY on the China site, USD on the international one.
  currency: {
    env: "AUTO_STOP_CURRENCY",
    parse: oneOf(["CNY", "USD"], "CNY"),
    meaning:
      "the currency of the prices (the account's site decides it), stated in the report: `CNY` (China site) or `USD` (international site)",
  },
});

/** Where candidates come from, and the warning before a stop. */
const SOURCE = declareSettings({
  // Polling remembers, in the history store, when each machine was last seen busy, and skips its metrics until it could be idle.
  rememberBusy: {
    env: "AUTO_STOP_REMEMBER_BUSY",
    parse: bool(true),
    meaning:
      "with `polling`, where history is kept (HISTORY_BUCKET, or `serve` and `run`'s directory): each machine's last busy CPU point is kept, and a machine busy at t is not queried again until t plus the look-back window, since it cannot be idle before; the same machines are stopped, with fewer GetMonitorData calls. A change of threshold, window, period or CPU statistic starts afresh, and a store that fails only means every machine is queried (the report names the error). `false`: query every machine every run",
  },
  // Where candidates come from: every in-scope machine's metrics (polling), or only the machines
  // Cloud Monitor's idle alarm policy reports (alarms, set up by deploy), verified the same way.
  source: {
    env: "AUTO_STOP_SOURCE",
    parse: oneOf(["polling", "alarms"], "polling"),
    meaning:
      "where candidates come from: `polling` reads every in-scope machine's metrics each run; `alarms` reads only the machines the account's Cloud Monitor idle alarm policy reports (DescribeAlarmHistories, not billed) and verifies each with fresh metrics before a stop. `deploy` creates one policy per account (`cvm-autopilot-idle`, in each account of ACCOUNTS, bound by AUTO_STOP_INCLUDE_TAGS, which alarm mode requires) and removes it in polling mode and with `--remove`. See docs/functions.md, \"Idle detection and its cost\"",
  },
  // GetMonitorData calls one run may make in one account, shared by its regions (0: no limit).
  metricBudget: {
    env: "AUTO_STOP_METRIC_BUDGET",
    parse: optionalInt(0),
    meaning:
      "GetMonitorData calls one run may make in one account, split evenly over its regions (each batch of 50 machines may take 3: CPU, LAN, WAN); machines past it are kept as `deferred` and take their turn at a later run: a rotation checks every in-scope machine within ⌈in scope ÷ machines a run⌉ consecutive runs. `0`: no limit. Cloud Monitor bills past 1,000,000 calls a month per root account",
    default: "`340` with `alarms` (a 15-minute schedule's share of the free tier), none with `polling`",
  },
  // How far back alarm histories are searched: DescribeAlarmHistories finds an alarm by when it began.
  alarmSearchDays: {
    env: "AUTO_STOP_ALARM_SEARCH_DAYS",
    parse: int(30, 1, 180),
    meaning:
      "with `alarms`: how far back alarm histories are searched (the API finds an alarm by when it began, so an alarm older than this is missed until it fires again)",
  },
  // Warn first: a machine found idle is announced and tagged autopilot:warning:auto-stop-idle; a later run stops it (0: off).
  warnMinutes: {
    env: "AUTO_STOP_WARN_MINUTES",
    parse: int(0, 0, 1440),
    meaning:
      "warn before stopping: a machine found idle is announced and tagged `autopilot:warning:auto-stop-idle` (when, the stop time now plus these minutes, the machine's running period, and a seal keyed from WEBHOOK_SECRET), with links when AUTO_STOP_LINK_URL and WEBHOOK_SECRET are set; a later run stops it only on this function's own warning, given at least these minutes earlier while the machine has run since, if fresh metrics still say idle and it is not snoozed (`autopilot:snooze-until`). A stop or restart uses a warning up; one more than an hour past its time is given again. `0`: stop at once",
  },
  // Where a warning's snooze links point: the function URL, or serve's address (links need WEBHOOK_SECRET too).
  linkUrl: {
    env: "AUTO_STOP_LINK_URL",
    parse: field((v, fail) => {
      if (v === undefined || v.trim() === "") return undefined;
      const u = v.trim().replace(/\/+$/, "");
      if (!/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(u))
        fail(
          `expected the function URL or serve's address, e.g. https://1250000000-abc.ap-guangzhou.tencentscf.com, got "${v}"`,
        );
      return u;
    }),
    meaning:
      "the address a warning's links point at: the auto-stop-idle function URL `deploy` prints, or `serve`'s address. Links (`/snooze?…`, HMAC-signed with a key derived from WEBHOOK_SECRET) keep one machine running 2 h or until tomorrow 09:00 (AUTO_STOP_TIMEZONE), or stop it now through every scope rule and the guard; opening one shows the machine's state and a button, and only the button (a POST) acts; they expire with the warning, a stop-now link acts only while the machine runs in the period it was sent for, and a dry run gives none",
    default: "— (no links)",
  },
});

export const SETTINGS = declareSettings({ ...SCOPE, ...STOPS, ...SOURCE });

/**
 * The budget when AUTO_STOP_METRIC_BUDGET is unset in alarm mode: a 15-minute schedule's share
 * of Cloud Monitor's free 1,000,000 GetMonitorData calls a month (1,000,000 / 2,880 runs ≈ 347),
 * rounded down to leave room for `run` by hand.
 */
export const ALARM_MODE_BUDGET = 340;

/** auto-stop-idle's config: the shared settings, how to stop, and the policy that decides what. */
export type AutoStopConfig = ReturnType<typeof loadConfig>;
export type AutoStopPolicy = AutoStopConfig["policy"];

export function loadConfig(env: Env = process.env) {
  const { shared, own } = readConfig(env, SETTINGS);
  // Alarm mode binds its policy by tag: with no tag to bind by it would watch nothing, and stop nothing, silently.
  if (own.source === "alarms" && !own.includeTags.length) {
    throw new ConfigError([
      "AUTO_STOP_SOURCE=alarms: the idle alarm policy is bound to instances by tag; set AUTO_STOP_INCLUDE_TAGS (e.g. autopilot:auto-stop=on) and tag the machines, or use AUTO_STOP_SOURCE=polling",
    ]);
  }
  const { stoppedMode, stopType, linkUrl, metricBudget, ...policy } = own;
  return {
    ...toBaseConfig(shared),
    stoppedMode,
    stopType,
    policy: {
      ...policy,
      /** GetMonitorData calls a run may make in this account; undefined: no limit. */
      metricBudget:
        metricBudget === 0 ? undefined : (metricBudget ?? (policy.source === "alarms" ? ALARM_MODE_BUDGET : undefined)),
      /** The shortest time between two scheduled runs (ms): the slot that numbers runs for the metric budget's rotation. */
      runEveryMs: shortestInterval(
        loadSchedules([{ name: "auto-stop-idle", schedule: SCHEDULE }], env)["auto-stop-idle"]!,
        scheduleZone(env),
      ),
    },
    /** The base of warnings' snooze links (AUTO_STOP_LINK_URL), or undefined: no links. */
    linkUrl,
  };
}
