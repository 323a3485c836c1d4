/**
 * What `deploy` says before it writes: where it deploys (account, region, namespace), when each
 * function will run, in words in the schedules' zone, and whether the deployed functions act.
 * Schedules in words come from cronstrue (well kept, no dependencies, the common choice for
 * cron to English): SCHEDULE_<FUNCTION> takes any 5-field cron, and its ranges, steps, lists and
 * day names are too many cases to describe correctly by hand.
 */
import cronstrue from "cronstrue";
import type { Env } from "../lib/config/config.ts";

/** A 5-field cron in words: `every 15 minutes`, `at 03:00, only on Monday`. */
export function scheduleWords(expr: string): string {
  const words = cronstrue.toString(expr, { use24HourTimeFormat: true, throwExceptionOnParseError: false });
  return words.charAt(0).toLowerCase() + words.slice(1);
}

/** One line per function: its schedule in words, in the zone it is written in. */
export const scheduleLines = (schedules: Record<string, string>, zone: string): string[] => [
  `schedules (${zone}):`,
  ...Object.entries(schedules).map(([name, expr]) => `  ${name}: ${scheduleWords(expr)} ("${expr}")`),
];

/**
 * Whether the deployed functions act: DRY_RUN as the deployer set it, and when it is unset the
 * functions are deployed with DRY_RUN=true (functionEnvFor), so a first deploy changes nothing.
 */
export function deployedModeLine(env: Env, dryRun: boolean, planned: boolean): string {
  const deployed = planned ? "functions would be deployed" : "functions deployed";
  if (!env.DRY_RUN?.trim())
    return `${deployed} in dry run (DRY_RUN is not set, so DRY_RUN=true): they decide and report and change nothing; to act, deploy again with DRY_RUN=false`;
  return !dryRun
    ? `${deployed} LIVE (DRY_RUN=false): they act on the account and regions above on their schedules`
    : `${deployed} in dry run (DRY_RUN=true): they decide and report and change nothing`;
}
