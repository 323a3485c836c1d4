/**
 * The README's function table, its "five functions" and its tour are checked against the
 * registry: a function added, renamed or rescheduled shows here until the README says so.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REGISTRY } from "../functions/registry.ts";
import { ROOT } from "../lib/deploy/build.ts";

const readme = readFileSync(join(ROOT, "README.md"), "utf8");
const NUMBERS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"];
const DAYS = ["Sundays", "Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays"];

/** The table's rows: `| \`name\` | what it does | schedule |`, in the order written. */
const rows = [...readme.matchAll(/^\| `([a-z0-9-]+)` \| (.+) \| (.+) \|$/gm)].map((m) => ({
  name: m[1]!,
  schedule: m[3]!.trim(),
}));

/** The README's words for the cron forms the functions use (5 fields, UTC): a new form must be added here and there. */
function scheduleWords(cron: string): string {
  const [min, hour, dom, month, dow] = cron.split(" ");
  const every = /^\*\/(\d+)$/.exec(min!);
  if (every && hour === "*" && dom === "*" && month === "*" && dow === "*") return `every ${every[1]} min`;
  if (/^\d+$/.test(min!) && /^\d+$/.test(hour!) && dom === "*" && month === "*") {
    const at = `${hour!.padStart(2, "0")}:${min!.padStart(2, "0")}`;
    if (dow === "*") return `${at} daily`;
    if (/^[0-6]$/.test(dow!)) return `${at} ${DAYS[Number(dow)]}`;
  }
  throw new Error(`no README words for the schedule "${cron}": add the form to this test`);
}

describe("README against the registry", () => {
  it("lists every function once, in the registry's order, with its default schedule", () => {
    expect(rows.map((r) => r.name)).toEqual(REGISTRY.map((f) => f.name));
    for (const f of REGISTRY) expect(rows.find((r) => r.name === f.name)?.schedule).toBe(scheduleWords(f.schedule));
  });

  it("counts the functions in words, and its tour runs each one", () => {
    const count = NUMBERS[REGISTRY.length]!;
    expect(readme).toContain(`## A tour of the ${count} functions`);
    expect(readme).toContain(`(#a-tour-of-the-${count}-functions)`);
    const wrong = NUMBERS.filter((n) => n !== count && readme.includes(`the ${n} functions`));
    expect(wrong).toEqual([]);
    for (const f of REGISTRY) expect(readme).toContain(`npx cvm-autopilot run ${f.name} --dry-run`);
  });
});
