/**
 * The one seam between the product and the emulator: with no credentials, `serve` and `run`
 * use the embedded emulator with a seeded demo fleet, loaded only then, and absent from the
 * published package, which ships no emulator.
 */
import type { Env } from "../lib/config/config.ts";
import { demoSettingsOf } from "../lib/config/demo-settings.ts";
import { REGISTRY } from "../functions/registry.ts";
import { importDev } from "./dev.ts";
import { UsageError } from "./usage.ts";

type Seam = typeof import("../emulator/demo.ts");

/** The demo's settings: the shared ones and each registry function's own (FunctionSpec.demoSettings). */
export const DEMO = demoSettingsOf(REGISTRY);

/** The environment a demo run takes: the demo's settings under the operator's, pointed at its emulator. */
export const demoRunEnv = (seam: Seam, emu: Parameters<Seam["demoEnv"]>[0], env: Env): Env =>
  seam.demoEnv(emu, { ...DEMO, ...env });

/** A key in env (the SDK's names or SCF's), or the CVM role asked for: then the real cloud, never the demo. */
export const hasCredentials = (env: Env) =>
  !!(
    (env.TENCENTCLOUD_SECRET_ID || env.TENCENTCLOUD_SECRETID) &&
    (env.TENCENTCLOUD_SECRET_KEY || env.TENCENTCLOUD_SECRETKEY)
  ) || env.CVM_AUTOPILOT_USE_CVM_ROLE?.trim() === "true";

export async function demoSeam(): Promise<Seam> {
  try {
    return await importDev<Seam>("../emulator/demo.ts", import.meta.url);
  } catch {
    throw new UsageError(
      "no credentials set, and the demo emulator is not part of this install: set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY, or run from a clone (npm ci && npm start)",
    );
  }
}
