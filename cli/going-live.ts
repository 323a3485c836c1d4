/**
 * Going live is the operator's decision, never a default. With real credentials and DRY_RUN
 * unset, `serve` and `run` decide and report but change nothing, and say how to act
 * (DRY_RUN=false); once live, they first name the account, the regions, and what each function
 * acts on, so nobody acts on a fleet without having been told which.
 */
import { CronExpressionParser } from "cron-parser";
import type { BaseConfig, Env } from "../lib/config/config.ts";
import { callerAccount } from "../lib/accounts/resolve.ts";
import { createLogger } from "../lib/log/logger.ts";
import { resolveRegions } from "../lib/runtime/regions.ts";
import { clientFromConfig } from "../lib/runtime/run-deps.ts";
import { errorRecord } from "../lib/tencent/errors.ts";
import { zoneParts } from "../lib/zone-parts.ts";

/** Whether a run may act: `undecided` (DRY_RUN unset, so a dry run), `dry-run` (DRY_RUN=true), `live` (DRY_RUN=false), `demo` (the embedded emulator). */
export type LiveMode = "demo" | "undecided" | "dry-run" | "live";

/**
 * The environment to run with. DRY_RUN unset reads as a dry run everywhere (shared-settings.ts);
 * it is made explicit here so the mode can say why. The demo acts on its own emulator unless told
 * otherwise: its fleet is seeded to show what each function does.
 */
export function decideLive(env: Env, demo: boolean): { env: Env; undecided: boolean } {
  if (env.DRY_RUN?.trim()) return { env, undecided: false };
  if (demo) return { env: { ...env, DRY_RUN: "false" }, undecided: false };
  return { env: { ...env, DRY_RUN: "true" }, undecided: true };
}

/** The mode, once a config is loaded from the decided environment. */
export const liveMode = (demo: boolean, undecided: boolean, config: BaseConfig): LiveMode =>
  demo ? "demo" : undecided ? "undecided" : config.dryRun ? "dry-run" : "live";

/** How to go live, with the command to run again: `to act, set DRY_RUN=false (DRY_RUN=false npm start)…`. */
export const howToGoLive = (example: string) =>
  `to act, set DRY_RUN=false (DRY_RUN=false ${example}); DRY_RUN=true keeps it a dry run and silences this`;

/** The line that says a run will change nothing, and why; undefined when it is live or the demo. */
export function dryRunLine(mode: LiveMode): string | undefined {
  if (mode === "undecided")
    return `DRY RUN: credentials are set but DRY_RUN is not, so every function decides and reports and changes nothing; ${howToGoLive("npm start")}`;
  if (mode === "dry-run") return "dry run (DRY_RUN=true): every function decides and reports and changes nothing";
  return undefined;
}

/** Which account and regions a live run acts in, asked of the cloud (sts GetCallerIdentity; the regions as a run resolves them). */
export async function whereLive(config: BaseConfig): Promise<{ account: string; regions: string[] | string }> {
  const client = clientFromConfig(config, createLogger({ level: "error", sink: () => undefined }));
  const account = await callerAccount(client, config.region).then(
    (a) => a.uin,
    (e: unknown) => `unknown (GetCallerIdentity: ${errorRecord(e).code})`,
  );
  const regions = await resolveRegions(config, client).catch(
    (e: unknown) =>
      `REGIONS=${config.regions === "all" ? "all" : config.regions.join(",")} (not resolved: ${errorRecord(e).code})`,
  );
  const others = config.accounts ? ` and the accounts ACCOUNTS lists` : "";
  return { account: `${account}${others}`, regions };
}

/** A schedule's next instant, written in its zone: `2026-12-05 18:00 UTC`. */
export function nextRun(schedule: string, zone: string, now: Date): string {
  const next = CronExpressionParser.parse(schedule, { tz: zone, currentDate: now }).next().toDate();
  return `${localTime(next, zone)} ${zone}`;
}

/** `YYYY-MM-DD HH:MM` in a zone. */
export function localTime(at: Date, zone: string): string {
  const p = zoneParts(at, zone);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

const regionWords = (r: string[] | string) => (typeof r === "string" ? r : r.join(", "));

/** `serve`'s first lines when live: the account, the regions, and each function with its scope and next run. */
export async function liveBanner(
  config: BaseConfig,
  functions: ReadonlyArray<{ name: string; scope: string; schedule: string }>,
  zone: string,
  now: Date,
): Promise<string[]> {
  const where = await whereLive(config);
  return [
    `LIVE (DRY_RUN=false): acting on account ${where.account} in ${regionWords(where.regions)}`,
    ...functions.map((f) => `  ${f.name}: ${f.scope}; next run ${nextRun(f.schedule, zone, now)}`),
  ];
}

/** `run`'s one line when live: the function, the account, the regions and the scope. */
export async function liveLine(config: BaseConfig, name: string, scope: string): Promise<string> {
  const where = await whereLive(config);
  return `LIVE (DRY_RUN=false): ${name} acts on account ${where.account} in ${regionWords(where.regions)}: ${scope}`;
}
