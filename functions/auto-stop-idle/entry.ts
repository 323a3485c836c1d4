import { entry } from "../entry.ts";
import { loadConfig } from "./config.ts";
import { run } from "./run.ts";

export default entry({
  loadConfig,
  run,
  summarize: (a) => {
    const verb = a.dryRun ? `would stop ${a.planned.length}` : `stopped ${a.stopped.length}`;
    const why = Object.entries(a.skippedByReason).map(([k, n]) => `${n} ${k}`).join(", ");
    return `auto-stop-idle: scanned ${a.scanned}, idle ${a.idle}, ${verb}${a.guard.tripped ? " (blast-radius guard tripped: nothing stopped)" : ""}, changed ${a.changed.length}, errors ${a.errors.length}${why ? `; kept running: ${why}` : ""}${a.estimatedHourlySavings !== undefined ? `; est. savings ${a.estimatedHourlySavings}/h` : ""}`;
  },
});
