/** image-sync, declared once: keep golden custom images in every destination region, pruning only copies the tool made. */
import { shareOf } from "../../lib/runtime/guard.ts";
import { availableRegions } from "../../lib/runtime/regions.ts";
import type { RunReport } from "../../lib/report/report.ts";
import { defineFunction, type RunContext } from "../../lib/runtime/spec.ts";
import type { ErrorEntry } from "../../lib/report/report-head.ts";
import type { Image } from "../../lib/tencent/data-types.ts";
import { applySync } from "./apply.ts";
import { inventories, selectSources } from "./collect.ts";
import { loadConfig, SETTINGS, type ImageSyncConfig } from "./config.ts";
import { KINDS, plan, sourceProblem, type SyncDecision, type SyncKind } from "./plan.ts";
import { tagText } from "../../lib/runtime/scope-words.ts";

export type ImageSyncReport = RunReport & { notes: { sources?: Array<{ imageId: string; imageName: string }> } };

/** What apply needs beyond the decisions: the sources the run selected (the runner carries it). */
type Carried = { sources: Image[] };

export default defineFunction<ImageSyncConfig, SyncKind, Carried>({
  name: "image-sync",
  demoSettings: { IMAGE_SYNC_DESTINATIONS: "ap-shanghai" },
  description: "Copy golden custom images to every destination region and prune old copies the tool made",
  schedule: "0 2 * * *",
  settings: SETTINGS,
  scope: (c) =>
    `${c.selection.by === "ids" ? `images ${c.selection.ids.join(", ")}` : c.selection.by === "prefix" ? `images named ${c.selection.prefix}*` : `images tagged ${tagText(c.selection.tag)}`} in ${c.sourceRegion} → ${c.destinations === "all" ? "every region" : c.destinations.join(", ")}; keeps ${c.keep} copies, deletes at most ${c.maxDeletes} a run`,
  // Reads images, quotas and the instances using copies; copies and prunes images.
  calls: ["DescribeImages", "DescribeImageQuota", "DescribeInstances", "SyncImages", "DeleteImages"],
  loadConfig,
  kinds: KINDS,
  // Every region DescribeRegions lists for `all` (each one known by construction); a list as
  // configured, each checked against DescribeRegions by decideAll. One DescribeRegions either way.
  async regions(ctx) {
    if (ctx.config.destinations !== "all") return ctx.config.destinations;
    const known = await availableRegions(ctx.client, ctx.config.sourceRegion);
    return known.filter((r) => r !== ctx.config.sourceRegion);
  },
  async decideAll(ctx: RunContext<ImageSyncConfig>) {
    const { config } = ctx;
    const decisions: SyncDecision[] = [];
    const errors: ErrorEntry[] = [];
    const selected = await selectSources(ctx.client, config);
    const sources = selected.filter((src) => {
      const problem = sourceProblem(src);
      if (problem)
        for (const r of ctx.regions)
          decisions.push({ id: src.ImageId, region: r, name: src.ImageName, kind: "source-unusable", reason: problem });
      return !problem;
    });
    if (config.selection.by === "ids") {
      for (const id of config.selection.ids.filter((id) => !selected.some((s) => s.ImageId === id))) {
        errors.push({
          region: config.sourceRegion,
          id,
          code: "InvalidImageId.NotFound",
          message: `image ${id} is not in ${config.sourceRegion}`,
        });
      }
    }
    const known = config.destinations === "all" ? ctx.regions : await availableRegions(ctx.client, config.sourceRegion);
    const valid = ctx.regions.filter((r) => {
      if (known.includes(r)) return true;
      for (const s of sources)
        decisions.push({
          id: s.ImageId,
          region: r,
          name: s.ImageName,
          kind: "unknown-region",
          reason: "not a region DescribeRegions lists",
        });
      return false;
    });
    if (!sources.length) return { decisions, errors, notes: { sources: [] }, carry: { sources } };
    const { dests, failed } = await inventories(ctx.client, valid);
    for (const f of failed) {
      errors.push(f);
      for (const s of sources)
        decisions.push({
          id: s.ImageId,
          region: f.region,
          name: s.ImageName,
          kind: "unreadable",
          reason: `could not read the destination: ${f.code}`,
        });
    }
    decisions.push(
      ...plan(sources, dests, { keep: config.keep, keepTag: config.keepTag, maxDeletes: config.maxDeletes }),
    );
    return {
      decisions,
      errors,
      notes: { sources: sources.map((s) => ({ imageId: s.ImageId, imageName: s.ImageName })) },
      carry: { sources },
    };
  },
  // The deletion budget is run-wide: each account's shard gets its share.
  shareLimits: (config, shards) => ({ ...config, maxDeletes: shareOf(config.maxDeletes, shards)! }),
  apply: (ctx, acting, carried) =>
    applySync(ctx.client, ctx.config.sourceRegion, carried.values().next().value?.sources ?? [], acting),
});
