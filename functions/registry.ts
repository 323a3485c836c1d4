/** The four functions, by name: each loads its config from env and runs platform-neutrally. */
import type { BaseConfig, Env } from "../lib/config/config.ts";
import type { RunDeps } from "../lib/runtime/runtime.ts";
import type { ReportBase, Trigger } from "../lib/runtime/trigger.ts";
import * as autoStop from "./auto-stop-idle/run.ts";
import { loadConfig as autoStopConfig } from "./auto-stop-idle/config.ts";
import * as renew from "./renew-flag/run.ts";
import * as imageSync from "./image-sync/run.ts";
import * as keyRotation from "./key-rotation/run.ts";
import { loadConfig as keyRotationConfig } from "./key-rotation/config.ts";
import { loadConfig as imageSyncConfig } from "./image-sync/config.ts";
import { loadConfig as renewConfig } from "./renew-flag/config.ts";

export interface FunctionEntry<C extends BaseConfig = BaseConfig> {
  loadConfig(env: Env): C;
  run(config: C, trigger: Trigger, deps: RunDeps): Promise<ReportBase>;
  /** One line for people: what happened and why. */
  summarize(report: ReportBase): string;
}

const entry = <C extends BaseConfig>(e: FunctionEntry<C>): FunctionEntry => e as unknown as FunctionEntry;

export const FUNCTIONS: Record<string, FunctionEntry> = {
  "auto-stop-idle": entry({
    loadConfig: autoStopConfig,
    run: autoStop.run,
    summarize: (r) => {
      const a = r as autoStop.AutoStopReport;
      const verb = a.dryRun ? `would stop ${a.planned.length}` : `stopped ${a.stopped.length}`;
      return `auto-stop-idle: scanned ${a.scanned}, idle ${a.idle}, ${verb}${a.guard.tripped ? " (blast-radius guard tripped: nothing stopped)" : ""}, changed ${a.changed.length}, errors ${a.errors.length}`;
    },
  }),
  "image-sync": entry({
    loadConfig: imageSyncConfig,
    run: imageSync.run,
    summarize: (r) => {
      const a = r as imageSync.ImageSyncReport;
      const c = Object.entries(a.counts).map(([k, v]) => `${k} ${v}`).join(", ") || "nothing to do";
      return `image-sync${a.dryRun ? " (dry run)" : ""}: ${a.sources.length} source image(s) from ${a.sourceRegion} to ${a.regions.length} region(s): ${c}, errors ${a.errors.length}`;
    },
  }),
  "renew-flag": entry({
    loadConfig: renewConfig,
    run: renew.run,
    summarize: (r) => {
      const a = r as renew.RenewReport;
      const verb = a.dryRun ? `would change ${a.planned.length}` : `changed ${a.changed.length}`;
      return `renew-flag: scanned ${a.scanned} prepaid, compliant ${a.compliant}, ${verb}, warnings ${a.warnings.length}, errors ${a.errors.length}`;
    },
  }),
  "key-rotation": entry({
    loadConfig: keyRotationConfig,
    run: keyRotation.run,
    summarize: (r) => {
      const a = r as keyRotation.KeyRotationReport;
      const verb = a.dryRun ? `${a.planned.length} planned step(s)` : `rotated ${a.rotated.length}`;
      return `key-rotation: ${verb}, skipped ${a.skipped.length}, resumed ${a.resumed.length}, cleaned up ${a.cleanedUp.length}, errors ${a.errors.length}`;
    },
  }),
};

export const FUNCTION_NAMES = ["auto-stop-idle", "image-sync", "renew-flag", "key-rotation"] as const;
