/**
 * The settings the demo (`npm start` with no credentials) runs with beside its fleet: the regions
 * here, and each function's own from its declaration (FunctionSpec.demoSettings: without them
 * image-sync would have no destination and renew-flag no rule). A real account chooses its own,
 * so the demo names these when it uses them, and a real run that lacks one says so.
 */
import type { Env } from "./config.ts";

/** What the demo sets for every function (emulator/demo.ts spreads these under the environment). */
export const DEMO_SETTINGS: Readonly<Record<string, string>> = {
  REGIONS: "ap-guangzhou,ap-shanghai",
};

/** The demo's settings for these functions (the registry, handed down): the shared ones, then each function's. */
export function demoSettingsOf(
  functions: ReadonlyArray<{ demoSettings: Readonly<Record<string, string>> }>,
): Readonly<Record<string, string>> {
  return Object.assign({}, DEMO_SETTINGS, ...functions.map((f) => f.demoSettings));
}

/** The demo settings that apply (the ones env leaves unset), as one line; undefined when env sets them all. */
export function demoSettingsLine(env: Env, demo: Readonly<Record<string, string>>): string | undefined {
  const applied = Object.entries(demo).filter(([k]) => !env[k]?.trim());
  if (!applied.length) return undefined;
  return `demo settings (a real account sets its own; yours win): ${applied.map(([k, v]) => `${k}=${v}`).join(" ")}`;
}

/** A configuration problem about a variable the demo sets for itself, with that said: a real run needs its own. */
export function withDemoNote(issue: string, demo: Readonly<Record<string, string>>): string {
  const name = /^([A-Z][A-Z0-9_]*)\b/.exec(issue)?.[1];
  if (!name || !(name in demo) || !/required/.test(issue)) return issue;
  return `${issue} (the demo sets ${name}=${demo[name]} for itself; a real run needs its own)`;
}
