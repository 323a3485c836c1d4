/** The README stays what a newcomer needs: the set-up commands, a contents list, under 15 KB; the rest is in docs/. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../lib/deploy/build.ts";

const readme = readFileSync(join(ROOT, "README.md"), "utf8");

describe("README", () => {
  it("keeps the two set-up commands", () => {
    expect(readme).toContain("npm ci && npm start");
    expect(readme).toContain("npm test");
  });

  it("is at most 15 KB, with a contents list, and every local link it gives exists", () => {
    expect(Buffer.byteLength(readme)).toBeLessThanOrEqual(15 * 1024);
    expect(readme).toContain("## Contents");
    const links = [...readme.matchAll(/\]\(((?:docs|bench)\/[^)#]+|CHANGELOG\.md)(?:#[^)]*)?\)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(5);
    expect(links.filter((l) => !existsSync(join(ROOT, l)))).toEqual([]);
  });
});

describe("README's CLI block", () => {
  it("gives every command's synopsis as the CLI's own table declares it", async () => {
    const { COMMANDS } = await import("../cli/usage.ts");
    const block = /## CLI\n\n```\n([\s\S]*?)```/.exec(readme)![1]!.replace(/\s+/g, " ");
    for (const c of Object.values(COMMANDS))
      expect(block).toContain(`cvm-autopilot ${c.synopsis.replace(/\s+/g, " ")}`);
  });
});
