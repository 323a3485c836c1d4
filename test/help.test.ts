/** Help a person reads: wrapped at the terminal's width, an example per command, `help <command>`, a function's settings. */
import { describe, expect, it } from "vitest";
import { commandUsage, functionUsage, usage, wrap } from "../cli/help.ts";
import { COMMANDS } from "../cli/usage.ts";
import { REGISTRY } from "../functions/registry.ts";
import { runCli } from "./helpers/cli.ts";

const widest = (text: string) => Math.max(...text.split("\n").map((l) => l.length));

describe("help", () => {
  it.each([80, 130])("fits in %i columns, every command with its example", (width) => {
    const text = usage(REGISTRY, width);
    expect(widest(text)).toBeLessThanOrEqual(width);
    for (const c of Object.values(COMMANDS)) expect(text).toContain(`e.g. ${c.example.slice(0, 30)}`);
    for (const name of Object.keys(COMMANDS))
      expect(widest(commandUsage(name, REGISTRY, width))).toBeLessThanOrEqual(width);
    for (const f of REGISTRY) expect(widest(functionUsage(f, width))).toBeLessThanOrEqual(width);
  });

  it("a word longer than the width is kept whole, on its own line", () => {
    expect(wrap("  ", `a ${"x".repeat(50)} b`, 20, 2)).toBe(`  a\n  ${"x".repeat(50)}\n  b`);
  });

  it("help run is run --help; run <function> --help lists that function's settings with meaning and default", async () => {
    const [a, b, fn] = await Promise.all([
      runCli(["help", "run"], { COLUMNS: "100" }),
      runCli(["run", "--help"], { COLUMNS: "100" }),
      runCli(["run", "office-hours", "--help"], {}),
    ]);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).toContain("Example: cvm-autopilot run auto-stop-idle --dry-run");
    expect(fn.code).toBe(0);
    for (const v of REGISTRY.find((f) => f.name === "office-hours")!.variables)
      expect(fn.stdout).toMatch(new RegExp(`^  ${v}\\n {6}\\S`, "m"));
    expect(fn.stdout).toContain("(default: autopilot:office-hours)");
    const none = await runCli(["help", "nope"], {});
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no command "nope"');
  });
});
