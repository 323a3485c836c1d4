/** The README documents every environment variable the code reads, and its quick start stays true. */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../lib/platform/build.ts";

const readme = readFileSync(join(ROOT, "README.md"), "utf8");

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

describe("README", () => {
  it("documents every environment variable read by config schemas or env lookups", () => {
    const vars = new Set<string>();
    for (const file of [...sources("lib"), ...sources("functions"), ...sources("cli")]) {
      if (file.includes("emulator")) continue;
      const text = readFileSync(join(ROOT, file), "utf8");
      for (const m of text.matchAll(/^\s+([A-Z][A-Z0-9]*_[A-Z0-9_]+): (?:field|optionalString|region|regions|bool|int|num|oneOf|optionalInt|regex|pattern|baseUrl|tag|tagList|windows|timeZone)\(/gm)) vars.add(m[1]!);
      for (const m of text.matchAll(/env\.([A-Z][A-Z0-9_]+)/g)) vars.add(m[1]!);
    }
    vars.add("SCHEDULE_AUTO_STOP_IDLE");
    expect(vars.size).toBeGreaterThan(50);
    const missing = [...vars].filter((v) => !readme.includes(`\`${v}\``));
    expect(missing).toEqual([]);
  });

  it("keeps the two set-up commands", () => {
    expect(readme).toContain("npm ci && npm start");
    expect(readme).toContain("npm test");
  });
});
