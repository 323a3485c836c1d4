/** docs/configuration.md is generated from the schemas and never stale; every variable the code reads is in it. */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../lib/platform/build.ts";
import { CONFIG_DOC, configDoc } from "../scripts/config-doc.ts";
import { VARIABLE_DOCS } from "../lib/config/variables-doc.ts";
import { REGISTRY } from "../functions/registry.ts";
import { scheduleVar } from "../lib/platform/schedules.ts";

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

describe("the configuration reference", () => {
  it("every schema variable has a description and every description a variable", () => {
    const { missing, unused } = configDoc();
    expect(missing).toEqual([]);
    expect(unused).toEqual([]);
  });

  it("docs/configuration.md is what `npm run docs` writes now (run it after changing a schema or a description)", () => {
    expect(readFileSync(CONFIG_DOC, "utf8")).toBe(configDoc().text);
  });

  it("names every environment variable the code reads, by schema field or env lookup", () => {
    const doc = readFileSync(CONFIG_DOC, "utf8");
    const vars = new Set<string>();
    for (const file of [...sources("lib"), ...sources("functions"), ...sources("cli")]) {
      const text = readFileSync(join(ROOT, file), "utf8");
      for (const m of text.matchAll(
        /^\s+([A-Z][A-Z0-9]*_[A-Z0-9_]+): (?:field|optionalString|region|regions|bool|int|num|oneOf|optionalInt|regex|pattern|baseUrl|tag|tagList|windows|timeZone|secret|destinations|accounts|prices)\(/gm,
      ))
        vars.add(m[1]!);
      for (const m of text.matchAll(/env\.([A-Z][A-Z0-9_]+)/g)) vars.add(m[1]!);
      for (const m of text.matchAll(/\benv: "([A-Z][A-Z0-9_]+)"/g)) vars.add(m[1]!);
    }
    expect(vars.size).toBeGreaterThan(50);
    expect([...vars].filter((v) => !doc.includes(`\`${v}\``))).toEqual([]);
  });
});

describe("every variable has its own description and default", () => {
  it("no two variables share one description", () => {
    const byMeaning = new Map<string, string[]>();
    for (const [name, d] of Object.values(VARIABLE_DOCS).flatMap((s) => Object.entries(s)))
      byMeaning.set(d.meaning, [...(byMeaning.get(d.meaning) ?? []), name]);
    expect([...byMeaning.values()].filter((names) => names.length > 1)).toEqual([]);
  });

  it("a schedule's documented default is the function's declared schedule", () => {
    const docs = Object.values(VARIABLE_DOCS).flatMap((s) => Object.entries(s));
    for (const f of REGISTRY) {
      const d = docs.find(([n]) => n === scheduleVar(f.name))?.[1];
      expect(d?.default, scheduleVar(f.name)).toContain(`\`${f.schedule}\``);
    }
  });
});
