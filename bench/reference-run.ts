/**
 * The reference of a fleet row (bench/reference.ts), run on a fresh emulator of the same fleet
 * (same size and seed: the function's own run has already changed the first one), warmed the same
 * way as the function's row, from a bundle built like the functions', with their heap flags.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { build } from "esbuild";
import { COMMON, ROOT } from "../lib/deploy/build.ts";

export interface Reference {
  refMs: number;
  refCpuMs: number;
  refCalls: number;
}

/** The reference's bundle, built once per bench run. */
export async function buildReference(outdir: string): Promise<string> {
  const file = join(outdir, "reference", "index.js");
  await build({ entryPoints: [join(ROOT, "bench/reference-entry.ts")], outfile: file, ...COMMON, logLevel: "error" });
  return file;
}

function runReference(
  file: string,
  fn: string,
  env: Record<string, string>,
  heapFlags: readonly string[],
): Promise<Reference> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...heapFlags, file, fn], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`reference run failed (${code})`));
      const r = JSON.parse(out.trim().split("\n").at(-1)!) as { wallMs: number; cpuMs: number; calls: number };
      resolve({ refMs: Math.round(r.wallMs), refCpuMs: Math.round(r.cpuMs), refCalls: r.calls });
    });
  });
}

/** How the row ran: its environment (less the endpoint), heap flags, a fresh emulator of its fleet, and its warm-up. */
export interface RowSetting {
  env: Record<string, string>;
  heapFlags: readonly string[];
  emulator: () => Promise<{ url: string; stop: () => void }>;
  warm: (env: Record<string, string>) => Promise<void>;
}

export async function measureReference(file: string, fn: string, row: RowSetting): Promise<Reference> {
  const emu = await row.emulator();
  try {
    const env = { ...row.env, CVM_AUTOPILOT_ENDPOINT: emu.url };
    await row.warm(env);
    return await runReference(file, fn, env, row.heapFlags);
  } finally {
    emu.stop();
  }
}
