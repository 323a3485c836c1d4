import { entry } from "../entry.ts";
import { loadConfig } from "./config.ts";
import { run } from "./run.ts";

export default entry({
  loadConfig,
  run,
  summarize: (a) => {
    const verb = a.dryRun ? `would stop ${a.planned.length}` : `stopped ${a.stopped.length}`;
    return `auto-stop-idle: scanned ${a.scanned}, idle ${a.idle}, ${verb}${a.guard.tripped ? " (blast-radius guard tripped: nothing stopped)" : ""}, changed ${a.changed.length}, errors ${a.errors.length}`;
  },
});
