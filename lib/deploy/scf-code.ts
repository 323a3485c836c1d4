/** The code SCF runs: a function's bundle, zipped the same way every time, and its identity (the bundle's SHA-256). */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { zipSync } from "fflate";
import type { DeployOptions } from "./scf-options.ts";

export interface BundleArtifact {
  name: string;
  /** The bundle's JavaScript; its hash decides whether code is updated. */
  code: Buffer;
  sourceMap?: Buffer | undefined;
  /** Files the bundle loads only when its configuration asks (lib/deploy/build.ts LAZY_MODULES), by name. */
  lazy?: Record<string, Buffer> | undefined;
}

export const CODE_HASH_VAR = "CVM_AUTOPILOT_BUNDLE_SHA256";

/** A zip with fixed timestamps, so the same bundle always zips to the same bytes. */
export function zipBundle(a: BundleArtifact): Buffer {
  const mtime = new Date("1980-01-02T00:00:00Z");
  const files: Record<string, [Uint8Array, { mtime: Date }]> = { "index.js": [a.code, { mtime }] };
  if (a.sourceMap) files["index.js.map"] = [a.sourceMap, { mtime }];
  for (const [name, bytes] of Object.entries(a.lazy ?? {})) files[name] = [bytes, { mtime }];
  return Buffer.from(zipSync(files, { level: 9 }));
}

export function loadArtifact(name: string, file: string): BundleArtifact {
  let sourceMap: Buffer | undefined;
  try {
    sourceMap = readFileSync(`${file}.map`);
  } catch {
    sourceMap = undefined;
  }
  // The lazy modules built beside the bundle ship in the same zip; their maps (3.5 MB for the
  // country calendars, third-party code) do not, as a level-9 zip of them slowed every deploy.
  const dir = dirname(file);
  const lazy = Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith(".cjs") && f !== basename(file))
      .sort()
      .map((f) => [f, readFileSync(join(dir, f))]),
  );
  return { name, code: readFileSync(file), sourceMap, ...(Object.keys(lazy).length ? { lazy } : {}) };
}

/** The code's identity: the bundle and its lazy modules (a change to either is new code). */
export const codeHash = (a: BundleArtifact) => {
  const h = createHash("sha256").update(a.code);
  for (const [name, bytes] of Object.entries(a.lazy ?? {})) h.update(name).update(bytes);
  return h.digest("hex");
};
/** A function's environment as deployed: its variables, and deploy's own. Source maps ship in the zip; Node uses them for stack traces only when asked. */
export const envOf = (a: BundleArtifact, o: DeployOptions): Record<string, string> => ({
  NODE_OPTIONS: "--enable-source-maps",
  ...(o.functionEnv[a.name] ?? {}),
  [CODE_HASH_VAR]: codeHash(a),
});
