import { entry } from "../entry.ts";
import { loadConfig } from "./config.ts";
import { run } from "./run.ts";

export default entry({
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
