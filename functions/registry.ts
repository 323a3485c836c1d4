/** The four functions by name, for the CLI and the local server (bundles import one entry each). */
import autoStopIdle from "./auto-stop-idle/entry.ts";
import imageSync from "./image-sync/entry.ts";
import keyRotation from "./key-rotation/entry.ts";
import renewFlag from "./renew-flag/entry.ts";
import type { FunctionEntry } from "./entry.ts";

export type { FunctionEntry } from "./entry.ts";

export const FUNCTIONS: Record<string, FunctionEntry> = {
  "auto-stop-idle": autoStopIdle,
  "image-sync": imageSync,
  "renew-flag": renewFlag,
  "key-rotation": keyRotation,
};
