// Whether dist/cli.mjs is older than what it is built from: a renamed or added function must not
// silently run as yesterday's bundle. Cheap enough for every start: file times only (about 200
// stats), stopping at the first source newer than the bundle.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** What the bundle is built from: the TypeScript under these folders, and the build script itself. */
export const SOURCE_DIRS = ["cli", "lib", "functions"];
export const SOURCE_FILES = ["bin/build-cli.mjs"];

/** The first source (relative to root) modified after `builtMs`, or undefined when the bundle is current. */
export function newerSource(root, builtMs) {
  for (const f of SOURCE_FILES) if (mtime(join(root, f)) > builtMs) return f;
  for (const dir of SOURCE_DIRS) {
    const found = walk(root, dir, builtMs);
    if (found) return found;
  }
  return undefined;
}

function walk(root, rel, builtMs) {
  let entries;
  try {
    entries = readdirSync(join(root, rel), { withFileTypes: true });
  } catch {
    return undefined; // not there (an install without sources): nothing to be older than
  }
  for (const e of entries) {
    const p = join(rel, e.name);
    if (e.isDirectory()) {
      const found = walk(root, p, builtMs);
      if (found) return found;
    } else if (e.name.endsWith(".ts") && mtime(join(root, p)) > builtMs) return p;
  }
  return undefined;
}

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}
