import { entry } from "../../lib/runtime/entry.ts";
import { loadConfig, VARIABLES } from "./config.ts";
import { run } from "./run.ts";

export default entry({
  name: "image-sync",
  description: "Copy golden custom images to every destination region and prune old copies the tool made",
  schedule: "0 2 * * *",
  variables: VARIABLES,
  loadConfig,
  run,
  summarize: (a) => {
    const c = Object.entries(a.counts).map(([k, v]) => `${k} ${v}`).join(", ") || "nothing to do";
    return `image-sync${a.dryRun ? " (dry run)" : ""}: ${a.sources.length} source image(s) from ${a.sourceRegion} to ${a.regions.length} region(s): ${c}, errors ${a.errors.length}`;
  },
});
