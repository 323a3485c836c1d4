/**
 * A setting under one of our prefixes that no declaration names is almost always a typo
 * (AUTO_STOP_CPU_TRESHOLD=50 would otherwise be silently ignored, and the default used): each is
 * a warning naming the closest known variable. Other prefixes are left alone: the environment
 * holds the shell's and other tools' variables too (TENCENTCLOUD_APPID is Terraform's).
 */
import type { Env } from "./config-error.ts";
import { closest } from "./closest.ts";

/** The prefixes only our shared and host variables use; each function's own comes from its settings. */
export const OUR_PREFIXES = [
  "CVM_AUTOPILOT_",
  "SCHEDULE_",
  "SCF_",
  "SERVE_",
  "NOTIFY_",
  "FANOUT_",
  "WEBHOOK_",
  "SHARD_",
] as const;

/** What a function's variables share up to an underscore (`AUTO_STOP_` for auto-stop-idle's), or "" for none. */
export function commonPrefix(variables: readonly string[]): string {
  if (!variables.length) return "";
  let p = variables[0]!;
  for (const v of variables) while (!v.startsWith(p)) p = p.slice(0, -1);
  return p.slice(0, p.lastIndexOf("_") + 1);
}

/** One warning per unknown variable under our prefixes, with the likely intended name. */
export function unknownWarnings(env: Env, known: readonly string[], prefixes: readonly string[]): string[] {
  const knownSet = new Set(known);
  return Object.keys(env)
    .filter((k) => prefixes.some((p) => k.startsWith(p)) && !knownSet.has(k) && env[k] !== undefined)
    .sort()
    .map((k) => {
      const guess = closest(k, known);
      return `${k} is not a setting cvm-autopilot reads, so it is ignored${guess ? `; did you mean ${guess}?` : " (docs/configuration.md lists them)"}`;
    });
}
