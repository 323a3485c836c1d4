/**
 * A folder of past runs, like Cloud Custodian's output directory: each run's full (already
 * redacted) report as `<dir>/<function>/<runId>.json`, and `latest.json` beside it, so runs can
 * be compared later. Written to a temporary name and renamed, so a reader never sees half a file.
 */
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ReportBase } from "../report/report-head.ts";

// Function names and run ids are ours (names from the registry, ids UUIDs), but a path segment
// is checked anyway: nothing outside the folder is ever written.
const SAFE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export async function saveReport(dir: string, report: ReportBase): Promise<string> {
  if (!SAFE.test(report.function) || !SAFE.test(report.runId))
    throw new Error(`refusing to write a report named ${report.function}/${report.runId}`);
  const folder = join(dir, report.function);
  await mkdir(folder, { recursive: true });
  const body = `${JSON.stringify(report, null, 2)}\n`;
  const file = join(folder, `${report.runId}.json`);
  for (const target of [file, join(folder, "latest.json")]) {
    const tmp = `${target}.${process.pid}.tmp`;
    await writeFile(tmp, body);
    await rename(tmp, target);
  }
  return file;
}
