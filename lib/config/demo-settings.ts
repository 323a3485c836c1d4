/**
 * The settings the demo (`npm start` with no credentials) runs with beside its fleet: without
 * them image-sync would have no destination and renew-flag no rule. A real account chooses its
 * own, so the demo names these when it uses them, and a real run that lacks one says so.
 */
import type { Env } from "./config.ts";

export const DEMO_SETTINGS: Readonly<Record<string, string>> = {
  REGIONS: "ap-guangzhou,ap-shanghai",
  IMAGE_SYNC_DESTINATIONS: "ap-shanghai",
  RENEW_RULES: "env=prod:NOTIFY_AND_AUTO_RENEW,env=dev:NOTIFY_AND_MANUAL_RENEW",
  RENEW_DEFAULT_FLAG: "NOTIFY_AND_MANUAL_RENEW",
  AUTO_STOP_PRICES: "S5.MEDIUM4=0.23",
  // rightsize resizes only in a maintenance window; the demo's is all day, so its tagged machine shows the plan.
  RIGHTSIZE_WINDOW: "00:00-24:00",
};

/** The demo settings that apply (the ones env leaves unset), as one line; undefined when env sets them all. */
export function demoSettingsLine(env: Env): string | undefined {
  const applied = Object.entries(DEMO_SETTINGS).filter(([k]) => !env[k]?.trim());
  if (!applied.length) return undefined;
  return `demo settings (a real account sets its own; yours win): ${applied.map(([k, v]) => `${k}=${v}`).join(" ")}`;
}

/** A configuration problem about a variable the demo sets for itself, with that said: a real run needs its own. */
export function withDemoNote(issue: string): string {
  const name = /^([A-Z][A-Z0-9_]*)\b/.exec(issue)?.[1];
  if (!name || !(name in DEMO_SETTINGS) || !/required/.test(issue)) return issue;
  return `${issue} (the demo sets ${name}=${DEMO_SETTINGS[name]} for itself; a real run needs its own)`;
}
