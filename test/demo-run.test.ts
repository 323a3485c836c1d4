/** A newcomer's first run: no credentials, `run <function> --dry-run` uses the demo emulator, and every function has something to do. */
import { describe, expect, it } from "vitest";
import { REGISTRY } from "../functions/registry.ts";
import type { RunReport } from "../lib/report/report.ts";
import { runCli } from "./helpers/cli.ts";

describe("run without credentials", () => {
  it.each(REGISTRY.map((f) => [f.name, f] as const))(
    "%s --dry-run: the demo fleet, said first, and a non-empty plan",
    { timeout: 60_000 },
    async (name, f) => {
      const r = await runCli(["run", name, "--dry-run", "-o", "json"], {}, 45_000);
      expect(r.stderr.split("\n")[0]).toMatch(
        /^cvm-autopilot run: no credentials set, so using the embedded emulator at http:\/\/127\.0\.0\.1:\d+ with a seeded demo fleet/,
      );
      const report = JSON.parse(r.stdout) as RunReport;
      expect(report.dryRun).toBe(true);
      // A read-only function plans no writes: what it found is its answer.
      if (f.writes) expect(report.results.length, `${name}: ${JSON.stringify(report.byKind)}`).toBeGreaterThan(0);
      else expect(report.scanned, name).toBeGreaterThan(0);
    },
  );
});
