/**
 * The layers hold: the folders of lib/, then functions/ and cli/, stand in one declared order,
 * and a folder imports only folders below it (or itself). The product (lib/, functions/) never imports the emulator or the tests; lib/
 * never imports functions/ (the registry is handed down, not reached up for); the CLI reaches the
 * emulator only through dynamic imports, which a published install (no emulator/) never runs; the
 * emulator never imports the CLI; and no function's folder imports another's (what two functions
 * share lives in lib/).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../lib/deploy/build.ts";

function files(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((f) => {
    const p = join(dir, f);
    return statSync(join(ROOT, p)).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}
/** Value imports (type-only ones are erased and load nothing). */
const staticImports = (file: string) =>
  [...readFileSync(join(ROOT, file), "utf8").matchAll(/^import (?!type )[^;]*? from "([^"]+)";/gm)].map((m) => m[1]!);
const resolved = (file: string, spec: string) =>
  spec.startsWith(".") ? relative(ROOT, join(ROOT, file, "..", spec)) : spec;

/**
 * The folders from the ground up: each may import those before it, never one after it. A new
 * folder (or a file directly in lib/) takes its place here.
 */
const LAYERS = [
  "lib/log",
  "lib/settle.ts",
  "lib/utc-seconds.ts",
  "lib/zone-parts.ts",
  "lib/usage-error.ts",
  "lib/ssh",
  "lib/tencent",
  "lib/accounts",
  "lib/config",
  "lib/calendar",
  "lib/report",
  "lib/webhook",
  "lib/history",
  "lib/notify",
  "lib/runtime",
  "lib/snooze",
  "lib/deploy",
  "lib/host",
  "functions",
  "cli",
] as const;

/** The layer a path stands in: its index in LAYERS, or -1 when it is in none. */
const layerOf = (path: string) => LAYERS.findIndex((l) => path === l || path.startsWith(`${l}/`));

/** Every relative import a file makes, type-only ones and re-exports included: what it depends on. */
const dependencies = (file: string) =>
  [
    ...readFileSync(join(ROOT, file), "utf8").matchAll(
      /^(?:import|export)\b[^;]*?\bfrom\s+"(\.[^"]+)"|\bimport\(\s*"(\.[^"]+)"\s*\)/gm,
    ),
  ].map((m) => resolved(file, (m[1] ?? m[2])!));

describe("layering", () => {
  it.each([
    ["lib", ["emulator/", "functions/", "cli/", "test/"]],
    ["functions", ["emulator/", "cli/", "test/"]],
    ["cli", ["emulator/", "test/"]],
    ["emulator", ["cli/", "functions/", "test/"]],
  ])("%s/ imports none of %j statically", (dir, banned) => {
    const bad = files(dir).flatMap((f) =>
      staticImports(f)
        .map((s) => resolved(f, s))
        .filter((t) => banned.some((b) => t.startsWith(b)))
        .map((t) => `${f} -> ${t}`),
    );
    expect(bad).toEqual([]);
  });

  it("every file of lib/ stands in a declared layer", () => {
    const missing = files("lib")
      .filter((f) => layerOf(f) < 0)
      .map((f) => `${f} is in no layer: add its folder to LAYERS in test/layering.test.ts, above what it imports`);
    expect(missing).toEqual([]);
  });

  it("no folder imports a folder above it (LAYERS, from the ground up)", () => {
    const upward = ["lib", "functions", "cli"].flatMap(files).flatMap((f) =>
      dependencies(f)
        .filter((t) => layerOf(t) > layerOf(f))
        .map((t) => `${f} imports ${t}: ${LAYERS[layerOf(f)]} stands below ${LAYERS[layerOf(t)]}`),
    );
    expect(upward).toEqual([]);
  });

  it("no function's folder imports another function's folder", () => {
    const folder = (p: string) => /^functions\/([^/]+)\//.exec(p)?.[1];
    const bad = files("functions")
      .filter((f) => folder(f))
      .flatMap((f) =>
        [...readFileSync(join(ROOT, f), "utf8").matchAll(/^import [^;]*? from "([^"]+)";/gm)]
          .map((m) => resolved(f, m[1]!))
          .filter((t) => folder(t) && folder(t) !== folder(f))
          .map((t) => `${f} -> ${t}`),
      );
    expect(bad).toEqual([]);
  });

  it("the code and docs cite sources a reader can open, not this project's issue numbers, seed files or style notes", () => {
    const docs = readdirSync(join(ROOT, "docs")).map((f) => join("docs", f));
    const texts = [
      ...["lib", "functions", "cli", "emulator", "bench"].flatMap(files),
      "README.md",
      "CHANGELOG.md",
      "bench/README.md",
      ...docs,
    ];
    const refs = texts.flatMap((f) =>
      [...readFileSync(join(ROOT, f), "utf8").matchAll(/\b[Ii]ssue [0-9]+|seed 00[0-9]|STYLE\.md|house style/g)].map(
        (m) => `${f}: ${m[0]}`,
      ),
    );
    expect(refs).toEqual([]);
  });

  it("the published package ships no emulator", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { files: string[] };
    expect(pkg.files.some((f) => f.startsWith("emulator"))).toBe(false);
  });
});
