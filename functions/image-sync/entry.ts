import { entry } from "../entry.ts";
import { loadConfig } from "./config.ts";
import { run } from "./run.ts";

export default entry({
  loadConfig,
  run,
  summarize: (a) => {
    const c = Object.entries(a.counts).map(([k, v]) => `${k} ${v}`).join(", ") || "nothing to do";
    return `image-sync${a.dryRun ? " (dry run)" : ""}: ${a.sources.length} source image(s) from ${a.sourceRegion} to ${a.regions.length} region(s): ${c}, errors ${a.errors.length}`;
  },
});
