import { entry } from "../../lib/runtime/entry.ts";
import { loadConfig, VARIABLES } from "./config.ts";
import { run } from "./run.ts";

export default entry({
  name: "key-rotation",
  description: "Rotate the SSH key pairs of tagged instances, private keys stored in Secrets Manager first",
  schedule: "0 3 * * 1",
  variables: VARIABLES,
  loadConfig,
  run,
  summarize: (a) => {
    const verb = a.dryRun ? `${a.planned.length} planned step(s)` : `rotated ${a.rotated.length}`;
    const why: Record<string, number> = {};
    for (const s of a.skipped) {
      const k = s.reason.replace(/:.*$/, "").replace(/ \d+ days/, " N days");
      why[k] = (why[k] ?? 0) + 1;
    }
    const reasons = Object.entries(why).map(([k, n]) => `${n} ${k}`).join(", ");
    return `key-rotation: ${verb}, skipped ${a.skipped.length}${reasons ? ` (${reasons})` : ""}, resumed ${a.resumed.length}, cleaned up ${a.cleanedUp.length}, errors ${a.errors.length}`;
  },
});
