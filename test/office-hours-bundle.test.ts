/**
 * The office-hours bundle loads country calendars (date-holidays, ~1.6 MB with its time zones)
 * only when a schedule names one: they are a file of their own beside index.js. A run whose
 * schedules name CN (chinese-days, inside the bundle) or none runs with that file gone.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, renameSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { REGISTRY } from "../functions/registry.ts";
import { buildBundles } from "../lib/deploy/build.ts";
import { loadArtifact, zipBundle } from "../lib/deploy/scf-code.ts";
import { envFor } from "./helpers/functions.ts";
import { emulator } from "./helpers/world.ts";

const schedules = (calendar: string) =>
  JSON.stringify({
    office: { periods: [{ days: "mon-fri", begin: "09:00", end: "19:00" }], timezone: "Asia/Shanghai", calendar },
  });

/** Runs the bundle's SCF handler on a timer event in a fresh process, as SCF loads it. */
function runBundle(file: string, env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const script = `require(${JSON.stringify(file)}).main_handler({ Type: "Timer", TriggerName: "t", Time: new Date().toISOString() }, { request_id: "t" }).then(() => process.exit(0), (e) => { console.error(String(e && e.message)); process.exit(1); });`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["-e", script], { env: { PATH: process.env.PATH, ...env } });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("close", (code) => resolve({ code, out }));
  });
}

describe("office-hours bundle", () => {
  it("loads the country calendars' file only for a schedule that names a country other than CN", {
    timeout: 120_000,
  }, async () => {
    const outdir = mkdtempSync(join(tmpdir(), "office-hours-bundle-"));
    const [bundle] = await buildBundles(
      REGISTRY.filter((f) => f.name === "office-hours"),
      outdir,
      {},
    );
    const chunk = join(outdir, "office-hours", "date-holidays.cjs");
    expect(existsSync(chunk)).toBe(true);
    // The bundle itself no longer carries every country's holidays (1.6 MB before).
    expect(statSync(bundle!.file).size).toBeLessThan(400_000);
    const emu = await emulator({ instances: 20, fleetRegions: ["ap-guangzhou"] });
    const env = (calendar: string) => envFor(emu, { DRY_RUN: "true", OFFICE_HOURS_SCHEDULES: schedules(calendar) });

    renameSync(chunk, `${chunk}.away`);
    for (const calendar of ["CN", "none"]) {
      const r = await runBundle(bundle!.file, env(calendar));
      expect([calendar, r.code, r.out]).toEqual([calendar, 0, expect.not.stringContaining("date-holidays")]);
    }
    // A country calendar does need the file: without it the run fails, naming it.
    const without = await runBundle(bundle!.file, env("DE"));
    expect(without.code).toBe(1);
    expect(without.out).toContain("date-holidays.cjs");

    renameSync(`${chunk}.away`, chunk);
    const de = await runBundle(bundle!.file, env("DE"));
    expect([de.code, de.out]).toEqual([0, expect.not.stringContaining("Error")]);
    // SCF's zip carries the file beside the bundle.
    expect(Object.keys(unzipSync(zipBundle(loadArtifact("office-hours", bundle!.file)))).sort()).toEqual([
      "date-holidays.cjs",
      "index.js",
      "index.js.map",
    ]);
  });
});
