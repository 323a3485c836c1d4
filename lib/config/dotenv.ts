/**
 * `.env` in the working directory, as docs/operating.md says: read with Node's own parser
 * (util.parseEnv, Node 20.12+, so no dependency), and the environment wins over the file.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseEnv } from "node:util";
import type { Env } from "./config.ts";

/** The file's variables that env does not set, and the file's path; none when there is no file. */
export function dotEnv(env: Env, dir: string): { file?: string; added: Record<string, string> } {
  const file = join(dir, ".env");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    if ((e as { code?: string }).code === "ENOENT") return { added: {} };
    throw new Error(`cannot read ${file}: ${(e as Error).message}`);
  }
  const added: Record<string, string> = {};
  for (const [k, v] of Object.entries(parseEnv(text))) if (env[k] === undefined && v !== undefined) added[k] = v;
  return { file, added };
}
