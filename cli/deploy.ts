/** `build` and `deploy` (native SCF deploy arrives with lib/platform/scf-deploy.ts). */
import type { Env } from "../lib/config/config.ts";
import { buildBundles } from "../lib/platform/build.ts";
import { UsageError } from "./usage.ts";

export async function buildCommand(out: (s: string) => void): Promise<number> {
  for (const b of await buildBundles()) out(`${b.name}: ${b.file} (${(b.bytes / 1024).toFixed(1)} KiB)`);
  return 0;
}

export async function deployCommand(_args: string[], _env: Env, _out: (s: string) => void, _err: (s: string) => void): Promise<number> {
  throw new UsageError("deploy is not available yet");
}
