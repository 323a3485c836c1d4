/**
 * docs/configuration.md is generated from the settings' declarations and never stale; every
 * variable the code reads is declared; a function added to the registry brings its rows.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../lib/deploy/build.ts";
import { CONFIG_DOC, configDoc } from "../scripts/config-doc.ts";
import { REGISTRY } from "../functions/registry.ts";
import { scheduleVar } from "../lib/deploy/schedules.ts";
import { declareSettings, defaultWords } from "../lib/config/settings.ts";
import { int } from "../lib/config/fields.ts";
import {
  knownVariables,
  settingsByVariable,
  settingsSections,
  unknownVariableWarnings,
} from "../cli/settings-catalog.ts";

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/**
 * Read by the code but set by the operating system or the platform's runtime, not by an operator:
 * not settings, so not declared; the reference names them where they matter (HISTORY_BUCKET).
 */
const NOT_SETTINGS = [
  "HOME",
  "XDG_STATE_HOME",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_LAMBDA_FUNCTION_NAME",
];

/** Every variable the product reads by name: env.X, env["X"], process.env.X; and the prefixes of env[`X_${…}`]. */
function readsInCode(): { names: Set<string>; prefixes: Set<string> } {
  const names = new Set<string>();
  const prefixes = new Set<string>();
  for (const file of [...sources("lib"), ...sources("functions"), ...sources("cli")]) {
    const text = readFileSync(join(ROOT, file), "utf8");
    for (const m of text.matchAll(/\benv(?:\.([A-Z][A-Z0-9_]+)\b|\[\s*"([A-Z][A-Z0-9_]+)"\s*\])/g))
      names.add((m[1] ?? m[2])!);
    for (const m of text.matchAll(/\benv\[\s*`([A-Z][A-Z0-9_]*)\$\{/g)) prefixes.add(m[1]!);
  }
  return { names, prefixes };
}

/** A sixth function as a newcomer would declare it: a name, a schedule and one setting of its own. */
const SCRATCH = {
  name: "right-size",
  schedule: "0 8 * * 1-5",
  settings: declareSettings({
    cpuMax: {
      env: "RIGHT_SIZE_CPU_MAX",
      parse: int(20, 1, 100),
      meaning: "report machines whose CPU stays below this %",
    },
  }),
};

describe("the configuration reference", () => {
  it("docs/configuration.md is what `npm run docs` writes now (run it after changing a declaration)", () => {
    expect(readFileSync(CONFIG_DOC, "utf8")).toBe(configDoc().text);
  });

  it("every declared setting's default is said: by its parser, or in words", () => {
    expect(configDoc().unsaid).toEqual([]);
  });

  it("declares every environment variable the code reads", () => {
    const known = new Set(knownVariables());
    const { names, prefixes } = readsInCode();
    // A floor that proves the scanner finds direct reads; a read through its declaration
    // (readSetting, readSettings) is declared by construction and not counted here.
    expect(names.size).toBeGreaterThan(25);
    expect([...names].filter((v) => !known.has(v) && !NOT_SETTINGS.includes(v))).toEqual([]);
    expect([...prefixes].filter((p) => ![...known].some((v) => v.startsWith(p)))).toEqual([]);
    // What is not a setting is still named where it matters.
    const doc = readFileSync(CONFIG_DOC, "utf8");
    expect(NOT_SETTINGS.filter((v) => !doc.includes(`\`${v}\``))).toEqual([]);
  });

  it("every function's schedule row comes from the registry, with its declared schedule as the default", () => {
    const byVar = settingsByVariable();
    for (const f of REGISTRY) expect(defaultWords(byVar.get(scheduleVar(f.name))!)).toContain(`\`${f.schedule}\``);
  });

  it("a function added to the registry brings its section, its SCHEDULE_ row and its typo check, with no other edit", () => {
    const functions = [...REGISTRY, SCRATCH];
    const { text, unsaid } = configDoc(functions);
    expect(unsaid).toEqual([]);
    expect(text).toContain("## right-size");
    expect(text).toContain("| `RIGHT_SIZE_CPU_MAX` | report machines whose CPU stays below this % | `20` |");
    expect(text).toMatch(/\| `SCHEDULE_RIGHT_SIZE` \| when right-size runs: .* \| `0 8 \* \* 1-5` \(/);
    expect(configDoc().text).not.toContain("SCHEDULE_RIGHT_SIZE");
    expect(knownVariables(functions)).toEqual(expect.arrayContaining(["RIGHT_SIZE_CPU_MAX", "SCHEDULE_RIGHT_SIZE"]));
    expect(unknownVariableWarnings({ RIGHT_SIZE_CPU_MAXX: "5", RIGHT_SIZE_CPU_MAX: "5" }, functions)).toEqual([
      "RIGHT_SIZE_CPU_MAXX is not a setting cvm-autopilot reads, so it is ignored; did you mean RIGHT_SIZE_CPU_MAX?",
    ]);
  });
});

describe("every variable is declared once, with its own description", () => {
  it("no variable is declared twice", () => {
    const vars = settingsSections().flatMap((s) => s.settings.map((d) => d.env));
    expect(vars.filter((v, i) => vars.indexOf(v) !== i)).toEqual([]);
  });

  it("no two variables share one description", () => {
    const byMeaning = new Map<string, string[]>();
    for (const d of settingsSections().flatMap((s) => s.settings))
      byMeaning.set(d.meaning, [...(byMeaning.get(d.meaning) ?? []), d.env]);
    expect([...byMeaning.values()].filter((names) => names.length > 1)).toEqual([]);
  });
});
