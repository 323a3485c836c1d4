/**
 * The layers hold: the product (lib/, functions/) never imports the emulator or the tests; lib/
 * never imports functions/ (the registry is handed down, not reached up for); the CLI reaches the
 * emulator only through dynamic imports, which a published install (no emulator/) never runs.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../lib/platform/build.ts";

function files(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((f) => {
    const p = join(dir, f);
    return statSync(join(ROOT, p)).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}
/** Value imports (type-only ones are erased and load nothing). */
const staticImports = (file: string) => [...readFileSync(join(ROOT, file), "utf8").matchAll(/^import (?!type )[^;]*? from "([^"]+)";/gm)].map((m) => m[1]!);
const resolved = (file: string, spec: string) => (spec.startsWith(".") ? relative(ROOT, join(ROOT, file, "..", spec)) : spec);

describe("layering", () => {
  it.each([
    ["lib", ["emulator/", "functions/", "cli/", "test/"]],
    ["functions", ["emulator/", "cli/", "test/"]],
    ["cli", ["emulator/", "test/"]],
  ])("%s/ imports none of %j statically", (dir, banned) => {
    const bad = files(dir).flatMap((f) => staticImports(f).map((s) => resolved(f, s)).filter((t) => banned.some((b) => t.startsWith(b))).map((t) => `${f} -> ${t}`));
    expect(bad).toEqual([]);
  });

  it("the published package ships no emulator", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { files: string[] };
    expect(pkg.files.some((f) => f.startsWith("emulator"))).toBe(false);
  });
});
