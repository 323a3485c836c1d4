/** What a simulation is asked for (`npm run simulate -- --days 30 --machines 300 --seed 1`) and the settings its functions run with. */
import { Chance } from "./random.ts";

export interface SimOptions {
  days: number;
  machines: number;
  seed: number;
  /** Print every violation's trace, not only the first of each invariant. */
  verbose?: boolean;
  /** Stop after the step at this instant: the prefix that replays a violation, and nothing after it. */
  until?: number | undefined;
}

export const REGIONS = ["ap-guangzhou", "ap-shanghai"] as const;
/** A Monday, 00:00 in Beijing: the simulated month starts at the beginning of a working week. */
export const START_MS = Date.UTC(2026, 10, 1, 16, 0);
export const STEP_MS = 5 * 60_000;
export const OFFICE_ZONE = "Asia/Shanghai";
/** The office schedule the owners keep (no holiday calendar: a day off is a Saturday or a Sunday). */
export const OFFICE = { days: [1, 2, 3, 4, 5], beginMin: 9 * 60, endMin: 19 * 60 } as const;
export const OFFICE_SCHEDULES = JSON.stringify({
  office: {
    periods: [{ days: "mon-fri", begin: "09:00", end: "19:00" }],
    timezone: OFFICE_ZONE,
    calendar: "none",
  },
});
export const WEBHOOK_SECRET = "sim-webhook-secret-0123456789abcdef0123456789";

/** The settings a seed draws: warning lengths, the guard's limits, a metric budget or none. */
export interface SimSettings {
  autoStopWarn: number;
  officeWarn: number;
  maxCount: number;
  maxFraction: number;
  metricBudget: number | undefined;
  /** rightsize's guard: at most this many resizes a run (and half the machines judged). */
  rightsizeMaxCount: number;
}

/**
 * The client's per-request timeout (CVM_AUTOPILOT_TIMEOUT_MS, default 10 s): lower, so a write the
 * slow-writes fault window holds (faults.ts) costs half a second of real time, not ten.
 */
export const TIMEOUT_MS = 500;

export function settingsFor(o: SimOptions): SimSettings {
  const c = new Chance(o.seed * 7919 + 17);
  return {
    // 180 with its 2 h link: a link that outlives its own promise; 30 is the documented default.
    autoStopWarn: c.pick([30, 60, 180]),
    officeWarn: c.pick([15, 30]),
    maxCount: Math.max(5, Math.floor(o.machines / 4)),
    maxFraction: 0.5,
    // 6 calls over two regions admit one batch (50 machines) a region a run: a rotation matters past 50 candidates.
    metricBudget: c.chance(0.5) ? 6 : undefined,
    // Room for the few machines tagged for it (fleet.ts draws 4% of them).
    rightsizeMaxCount: Math.max(5, Math.floor(o.machines / 10)),
  };
}

/** One env for every function, as `serve` and a deploy share one. */
export function functionEnv(
  s: SimSettings,
  w: { emulatorUrl: string; secretId: string; secretKey: string; chatUrl: string; linkUrl?: string },
): Record<string, string> {
  return {
    TENCENTCLOUD_SECRET_ID: w.secretId,
    TENCENTCLOUD_SECRET_KEY: w.secretKey,
    REGIONS: REGIONS.join(","),
    CVM_AUTOPILOT_ENDPOINT: w.emulatorUrl,
    CVM_AUTOPILOT_MAX_ATTEMPTS: "4",
    CVM_AUTOPILOT_TIMEOUT_MS: String(TIMEOUT_MS),
    // The simulated fleet is acted on: unset, DRY_RUN is a dry run.
    DRY_RUN: "false",
    WEBHOOK_SECRET: WEBHOOK_SECRET,
    NOTIFY_URLS: w.chatUrl,
    ...(w.linkUrl ? { AUTO_STOP_LINK_URL: w.linkUrl } : {}),
    AUTO_STOP_WARN_MINUTES: String(s.autoStopWarn),
    AUTO_STOP_MAX_COUNT: String(s.maxCount),
    AUTO_STOP_MAX_FRACTION: String(s.maxFraction),
    ...(s.metricBudget ? { AUTO_STOP_METRIC_BUDGET: String(s.metricBudget) } : {}),
    OFFICE_HOURS_SCHEDULES: OFFICE_SCHEDULES,
    OFFICE_HOURS_WARN_MINUTES: String(s.officeWarn),
    IMAGE_SYNC_SOURCE_REGION: REGIONS[0],
    IMAGE_SYNC_DESTINATIONS: REGIONS[1],
    // rightsize's daily run (19:00 UTC) falls in its window, so the machines tagged for it are resized.
    RIGHTSIZE_WINDOW: "18:30-19:30",
    RIGHTSIZE_TIMEZONE: "UTC",
    RIGHTSIZE_MAX_FRACTION: "0.5",
    RIGHTSIZE_MAX_COUNT: String(s.rightsizeMaxCount),
  };
}

/** `--days 30 --machines 300 --seed 1 [--until 2026-11-02T01:00Z] [--verbose] [--json]`. */
export function parseArgs(argv: string[]): SimOptions & { json: boolean } {
  const value = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i < 0 ? undefined : (argv[i + 1] ?? "");
  };
  const get = (name: string, dflt: number, min: number) => {
    const v = value(name);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min)
      throw new Error(`--${name}: expected a whole number of at least ${min}, got "${v}"`);
    return n;
  };
  const until = value("until");
  const untilMs = until === undefined ? undefined : Date.parse(until);
  if (untilMs !== undefined && Number.isNaN(untilMs))
    throw new Error(`--until: expected an instant such as 2026-11-02T01:00Z, got "${until}"`);
  return {
    days: get("days", 30, 1),
    machines: get("machines", 300, 2),
    seed: get("seed", 1, 0),
    until: untilMs,
    verbose: argv.includes("--verbose"),
    json: argv.includes("--json"),
  };
}
