import { entry } from "../entry.ts";
import { loadConfig } from "./config.ts";
import { run } from "./run.ts";

export default entry({
  loadConfig,
  run,
  summarize: (a) => {
    const verb = a.dryRun ? `${a.planned.length} planned step(s)` : `rotated ${a.rotated.length}`;
    return `key-rotation: ${verb}, skipped ${a.skipped.length}, resumed ${a.resumed.length}, cleaned up ${a.cleanedUp.length}, errors ${a.errors.length}`;
  },
});
