/**
 * A setting under one of our prefixes that no schema declares is almost always a typo
 * (AUTO_STOP_CPU_TRESHOLD=50 would otherwise be silently ignored, and the default used): each is
 * a warning naming the closest known variable. Other prefixes are left alone: the environment
 * holds the shell's and other tools' variables too (TENCENTCLOUD_APPID is Terraform's).
 */
import type { Env } from "./config.ts";
import { closest } from "./closest.ts";
import { VARIABLE_DOCS } from "./variables-doc.ts";

/** Every variable cvm-autopilot reads (the reference's; a test keeps it equal to the schemas'). */
export const KNOWN_VARIABLES: readonly string[] = Object.values(VARIABLE_DOCS).flatMap((s) => Object.keys(s));

/** The prefixes only our variables use. */
export const OUR_PREFIXES = [
  "AUTO_STOP_",
  "IMAGE_SYNC_",
  "RENEW_",
  "KEY_ROTATION_",
  "OFFICE_HOURS_",
  "CVM_AUTOPILOT_",
  "SCHEDULE_",
  "SCF_",
  "SERVE_",
  "NOTIFY_",
  "FANOUT_",
  "WEBHOOK_",
  "SHARD_",
] as const;

/** One warning per unknown variable under our prefixes, with the likely intended name. */
export function unknownVariableWarnings(env: Env): string[] {
  const known = new Set(KNOWN_VARIABLES);
  return Object.keys(env)
    .filter((k) => OUR_PREFIXES.some((p) => k.startsWith(p)) && !known.has(k) && env[k] !== undefined)
    .sort()
    .map((k) => {
      const guess = closest(k, KNOWN_VARIABLES);
      return `${k} is not a setting cvm-autopilot reads, so it is ignored${guess ? `; did you mean ${guess}?` : " (docs/configuration.md lists them)"}`;
    });
}
