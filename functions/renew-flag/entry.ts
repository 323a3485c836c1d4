import { entry } from "../../lib/runtime/entry.ts";
import { loadConfig, VARIABLES } from "./config.ts";
import { run } from "./run.ts";

export default entry({
  name: "renew-flag",
  description: "Keep prepaid instances' renewal flags as tag rules say, and warn of expiries that will not auto-renew",
  schedule: "0 9 * * *",
  variables: VARIABLES,
  loadConfig,
  run,
  summarize: (a) => {
    const changes = a.dryRun ? a.planned : a.changed;
    const byFlag: Record<string, number> = {};
    for (const c of changes) byFlag[c.to] = (byFlag[c.to] ?? 0) + 1;
    const to = Object.entries(byFlag).map(([f, n]) => `${n} to ${f}`).join(", ");
    return `renew-flag: scanned ${a.scanned} prepaid, compliant ${a.compliant}, ${a.dryRun ? "would change" : "changed"} ${changes.length}${to ? ` (${to})` : ""}, left alone ${a.ignored.length}, expiring without auto-renew ${a.warnings.length}, errors ${a.errors.length}`;
  },
});
