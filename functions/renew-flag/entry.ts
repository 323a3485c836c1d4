import { entry } from "../entry.ts";
import { loadConfig } from "./config.ts";
import { run } from "./run.ts";

export default entry({
  loadConfig,
  run,
  summarize: (a) => {
    const verb = a.dryRun ? `would change ${a.planned.length}` : `changed ${a.changed.length}`;
    return `renew-flag: scanned ${a.scanned} prepaid, compliant ${a.compliant}, ${verb}, warnings ${a.warnings.length}, errors ${a.errors.length}`;
  },
});
