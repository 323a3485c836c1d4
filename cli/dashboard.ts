/**
 * `cvm-autopilot dashboard --url`: the dashboard's signed link, for `serve` or a function URL.
 * Made here from WEBHOOK_SECRET; nothing is read or called. The page checks the same secret.
 */
import type { Env } from "../lib/config/config.ts";
import { dashboardLink, MAX_LINK_DAYS } from "../lib/host/dashboard-link.ts";
import { parseCommand, UsageError } from "./usage.ts";
import { readSetting } from "../lib/config/settings.ts";
import { SERVE_SETTINGS } from "../lib/config/serve-settings.ts";

/** The address the link points at: DASHBOARD_URL, else serve's own on this machine. */
function baseOf(env: Env): { base: string; local: boolean } {
  const set = env.DASHBOARD_URL?.trim();
  if (!set) return { base: `http://127.0.0.1:${readSetting(env, SERVE_SETTINGS.port)}`, local: true };
  if (!/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(set))
    throw new UsageError(
      `DASHBOARD_URL must be serve's address or a function URL, e.g. https://1250000000-abc.ap-guangzhou.tencentscf.com; got "${set.slice(0, 80)}"`,
    );
  return { base: set, local: false };
}

export function dashboardCommand(args: string[], env: Env, out: (s: string) => void, err: (s: string) => void): number {
  const { values } = parseCommand("dashboard", args);
  if (!values.url)
    throw new UsageError(
      "dashboard --url prints the dashboard's signed link; the page itself is GET /dashboard on serve or a function URL",
    );
  const days = values.days === undefined ? 30 : Number(values.days);
  if (!Number.isInteger(days) || days < 1 || days > MAX_LINK_DAYS)
    throw new UsageError(
      `--days needs a whole number of days from 1 to ${MAX_LINK_DAYS}, e.g. --days 7; got "${values.days}"`,
    );
  const secret = env.WEBHOOK_SECRET?.trim();
  if (!secret || secret.length < 32)
    throw new UsageError(
      `WEBHOOK_SECRET ${secret ? "is shorter than 32 characters" : "is not set"}: the dashboard is off without it. Set the same value here and where serve or the functions run (make one with \`openssl rand -hex 32\`)`,
    );
  const { base, local } = baseOf(env);
  out(dashboardLink(base, secret, Date.now(), days));
  if (local) err(`(serve's address on this machine; set DASHBOARD_URL to a function URL or serve's public address)`);
  return 0;
}
