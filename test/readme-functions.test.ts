/**
 * The README's function table and tour are generated from the registry (`npm run docs`,
 * scripts/readme-functions.ts) and checked against it: a function added, renamed or rescheduled
 * shows here until the README is regenerated, and no hand-written count can go stale.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REGISTRY } from "../functions/registry.ts";
import { ROOT } from "../lib/deploy/build.ts";
import { scheduleWords, withFunctionLists } from "../scripts/readme-functions.ts";

const readme = readFileSync(join(ROOT, "README.md"), "utf8");
const NUMBERS = [
  "zero",
  "one",
  "two",
  "three",
  "four",
  "five",
  "six",
  "seven",
  "eight",
  "nine",
  "ten",
  "eleven",
  "twelve",
];

/** The table's rows: `| \`name\` | what it does | schedule |`, in the order written. */
const rows = [...readme.matchAll(/^\| `([a-z0-9-]+)` \| (.+) \| (.+) \|$/gm)].map((m) => ({
  name: m[1]!,
  schedule: m[3]!.trim(),
}));

describe("README against the registry", () => {
  it("is as `npm run docs` writes it", () => {
    expect(readme, "README.md is stale: run `npm run docs`").toBe(withFunctionLists(readme, REGISTRY));
  });

  it("lists every function once, in the registry's order, with its default schedule", () => {
    expect(rows.map((r) => r.name)).toEqual(REGISTRY.map((f) => f.name));
    for (const f of REGISTRY) expect(rows.find((r) => r.name === f.name)?.schedule).toBe(scheduleWords(f.schedule));
  });

  it("counts no functions by hand, and its tour runs each one", () => {
    const counted = NUMBERS.filter((n) => new RegExp(`\\b${n} functions\\b`, "i").test(readme));
    expect(counted).toEqual([]);
    for (const f of REGISTRY) expect(readme).toContain(`npx cvm-autopilot run ${f.name} --dry-run`);
  });

  it("says a schedule form it has no words for, rather than guess", () => {
    expect(scheduleWords("*/15 * * * *")).toBe("every 15 min");
    expect(scheduleWords("0 3 * * 1")).toBe("03:00 Mondays");
    expect(() => scheduleWords("0 3 1 * *")).toThrow(/no README words/);
  });
});
