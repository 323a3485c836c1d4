/** The code SCF runs: a function's bundle, zipped the same way every time, and its identity (the bundle's SHA-256). */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { zipSync } from "fflate";
import type { DeployOptions } from "./scf-options.ts";

export interface BundleArtifact {
  name: string;
  /** The bundle's JavaScript; its hash decides whether code is updated. */
  code: Buffer;
  sourceMap?: Buffer | undefined;
}

export const CODE_HASH_VAR = "CVM_AUTOPILOT_BUNDLE_SHA256";

/** A zip with fixed timestamps, so the same bundle always zips to the same bytes. */
export function zipBundle(a: BundleArtifact): Buffer {
  const mtime = new Date("1980-01-02T00:00:00Z");
  const files: Record<string, [Uint8Array, { mtime: Date }]> = { "index.js": [a.code, { mtime }] };
  if (a.sourceMap) files["index.js.map"] = [a.sourceMap, { mtime }];
  return Buffer.from(zipSync(files, { level: 9 }));
}

export function loadArtifact(name: string, file: string): BundleArtifact {
  let sourceMap: Buffer | undefined;
  try {
    sourceMap = readFileSync(`${file}.map`);
  } catch {
    sourceMap = undefined;
  }
  return { name, code: readFileSync(file), sourceMap };
}

export const codeHash = (a: BundleArtifact) => createHash("sha256").update(a.code).digest("hex");
/** A function's environment as deployed: its variables, and deploy's own. Source maps ship in the zip; Node uses them for stack traces only when asked. */
export const envOf = (a: BundleArtifact, o: DeployOptions): Record<string, string> => ({
  NODE_OPTIONS: "--enable-source-maps",
  ...(o.functionEnv[a.name] ?? {}),
  [CODE_HASH_VAR]: codeHash(a),
});
