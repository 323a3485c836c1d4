/**
 * The one seam between the product and the emulator: with no credentials, `serve` and `run`
 * use the embedded emulator with a seeded demo fleet, loaded only then, and absent from the
 * published package, which ships no emulator.
 */
import type { Env } from "../lib/config/config.ts";
import { importDev } from "./dev.ts";
import { UsageError } from "./usage.ts";

/** A key in env (the SDK's names or SCF's), or the CVM role asked for: then the real cloud, never the demo. */
export const hasCredentials = (env: Env) =>
  !!(
    (env.TENCENTCLOUD_SECRET_ID || env.TENCENTCLOUD_SECRETID) &&
    (env.TENCENTCLOUD_SECRET_KEY || env.TENCENTCLOUD_SECRETKEY)
  ) || env.CVM_AUTOPILOT_USE_CVM_ROLE?.trim() === "true";

export async function demoSeam(): Promise<typeof import("../emulator/demo.ts")> {
  try {
    return await importDev<typeof import("../emulator/demo.ts")>("../emulator/demo.ts", import.meta.url);
  } catch {
    throw new UsageError(
      "no credentials set, and the demo emulator is not part of this install: set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY, or run from a clone (npm ci && npm start)",
    );
  }
}
