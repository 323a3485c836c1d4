/**
 * `cvm-autopilot` never runs a bundle older than its sources without saying so: it rebuilds
 * dist/cli.mjs first, or, when that fails, warns that it runs the older code. Run for real, in a
 * scratch project with the real bin/ scripts, a one-line CLI and the project's node_modules.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ROOT } from "../lib/deploy/build.ts";
// @ts-expect-error: a plain ES module of the bin, without types
import { newerSource } from "../bin/cli-freshness.mjs";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const HOUR_AGO = new Date(Date.now() - 3_600_000);

/** A scratch project whose built CLI prints "old build" and whose source prints `source`. */
function project(source: string): string {
  const dir = mkdtempSync(join(tmpdir(), "cli-freshness-"));
  dirs.push(dir);
  mkdirSync(join(dir, "bin"));
  for (const f of ["cvm-autopilot.js", "build-cli.mjs", "cli-freshness.mjs"])
    copyFileSync(join(ROOT, "bin", f), join(dir, "bin", f));
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  mkdirSync(join(dir, "cli"));
  mkdirSync(join(dir, "dist"));
  writeFileSync(join(dir, "dist/cli.mjs"), 'console.log("old build");\n');
  writeFileSync(join(dir, "cli/main.ts"), source);
  // Everything but the source is an hour old: the bundle is older than what it is built from.
  utimesSync(join(dir, "bin/build-cli.mjs"), HOUR_AGO, HOUR_AGO);
  utimesSync(join(dir, "dist/cli.mjs"), HOUR_AGO, HOUR_AGO);
  return dir;
}

const run = (dir: string) =>
  spawnSync(process.execPath, [join(dir, "bin/cvm-autopilot.js")], { encoding: "utf8", timeout: 30_000 });

describe("a CLI bundle older than its sources", () => {
  it("is rebuilt before it runs, and the rebuild is said on stderr", () => {
    const dir = project('const said: string = "new source";\nconsole.log(said);\n');
    const r = run(dir);
    expect(r.stderr).toContain("cli/main.ts is newer than dist/cli.mjs; rebuilding the CLI");
    expect(r.stdout.trim()).toBe("new source");
    // Built now, so the next start runs it as it is, without a word.
    const again = run(dir);
    expect(again.stderr).toBe("");
    expect(again.stdout.trim()).toBe("new source");
  });

  it("runs with a warning when it cannot be rebuilt", () => {
    const dir = project("console.log(;\n");
    const r = run(dir);
    expect(r.stderr).toMatch(/warning: the rebuild failed .*running the older dist\/cli\.mjs/);
    expect(r.stdout.trim()).toBe("old build");
  });

  it("is current when every source is older (file times only, first newer one named)", () => {
    const dir = project("console.log(1);\n");
    utimesSync(join(dir, "cli/main.ts"), HOUR_AGO, HOUR_AGO);
    expect(newerSource(dir, HOUR_AGO.getTime() + 1000)).toBeUndefined();
    expect(newerSource(dir, HOUR_AGO.getTime() - 1000)).toBe("bin/build-cli.mjs");
  });
});
