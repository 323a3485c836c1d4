/**
 * The registry: every function, once. Everything that lists functions — the CLI and its help,
 * `serve`, schedules, bundles, the SCF and Lambda deploys — derives from this list.
 */
import autoStopIdle from "./auto-stop-idle/index.ts";
import imageSync from "./image-sync/index.ts";
import keyRotation from "./key-rotation/index.ts";
import renewFlag from "./renew-flag/index.ts";
import officeHours from "./office-hours/index.ts";
import scheduleAdvisor from "./schedule-advisor/index.ts";
import rightsize from "./rightsize/index.ts";
import prepaidAdvice from "./prepaid-advice/index.ts";
import { fromSpec, type FunctionEntry } from "../lib/runtime/entry.ts";

export type { FunctionEntry } from "../lib/runtime/entry.ts";

export const REGISTRY: readonly FunctionEntry[] = [
  fromSpec(autoStopIdle),
  fromSpec(imageSync),
  fromSpec(renewFlag),
  fromSpec(keyRotation),
  fromSpec(officeHours),
  fromSpec(scheduleAdvisor),
  fromSpec(rightsize),
  fromSpec(prepaidAdvice),
];

/** Entries by name. */
export const FUNCTIONS: Record<string, FunctionEntry> = Object.fromEntries(REGISTRY.map((f) => [f.name, f]));
