/**
 * Every setting cvm-autopilot reads, by section, from the declarations: the shared ones, each
 * registry function's own (its config.ts), then the hosts' with one schedule row per function.
 * docs/configuration.md, `run <fn> --help`, `validate` and the unknown-variable warnings read this.
 */
import { DIRECT_SHARED_SETTINGS, SHARED_SETTINGS } from "../lib/config/shared-settings.ts";
import { variablesOf, type Setting, type Settings } from "../lib/config/settings.ts";
import type { Env } from "../lib/config/config-error.ts";
import { commonPrefix, OUR_PREFIXES, unknownWarnings } from "../lib/config/unknown-variables.ts";
import { REGISTRY, type FunctionEntry } from "../functions/registry.ts";
import { hostSettings } from "./host-settings.ts";

export interface SettingsSection {
  title: string;
  settings: Setting[];
}

/** What the catalog needs of a function: its name, default schedule and own settings. */
export type Declared = Pick<FunctionEntry, "name" | "schedule" | "settings">;

const list = (...groups: Settings[]): Setting[] => groups.flatMap((g) => Object.values(g));

export const SHARED_TITLE = "Shared: every function, the CLI and serve";

/** The sections of the reference, in order. */
export function settingsSections(functions: readonly Declared[] = REGISTRY): SettingsSection[] {
  return [
    { title: SHARED_TITLE, settings: list(SHARED_SETTINGS, DIRECT_SHARED_SETTINGS) },
    ...functions.map((f) => ({ title: f.name, settings: list(f.settings) })),
    { title: "serve, schedules and deploy", settings: list(hostSettings(functions)) },
  ];
}

/** Every declared setting by its variable. */
export function settingsByVariable(functions: readonly Declared[] = REGISTRY): Map<string, Setting> {
  return new Map(settingsSections(functions).flatMap((s) => s.settings.map((d) => [d.env, d] as const)));
}

/** Every variable cvm-autopilot reads. */
export const knownVariables = (functions: readonly Declared[] = REGISTRY): string[] => [
  ...settingsByVariable(functions).keys(),
];

/** Unknown variables under our prefixes (the shared ones and each function's), each with the likely intended name. */
export function unknownVariableWarnings(env: Env, functions: readonly Declared[] = REGISTRY): string[] {
  const own = functions.map((f) => commonPrefix(variablesOf(f.settings))).filter(Boolean);
  return unknownWarnings(env, knownVariables(functions), [...OUR_PREFIXES, ...own]);
}
