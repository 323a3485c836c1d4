/** image-sync settings, from env. */
import * as z from "zod/mini";
import {
  baseShape,
  ownVariables,
  ConfigError,
  parseEnv,
  legacyBaseConfig,
  type BaseConfig,
  type Env,
} from "../../lib/config/config.ts";
import { csv, field, int, isRegion, optionalString, region } from "../../lib/config/fields.ts";
import { tag, type TagMatch } from "../../lib/config/parsers.ts";

const schema = z.object({
  ...baseShape,
  IMAGE_SYNC_SOURCE_REGION: region(),
  IMAGE_SYNC_DESTINATIONS: optionalString(),
  IMAGE_SYNC_IMAGE_IDS: field((v, fail) => {
    const ids = csv(v);
    for (const id of ids) if (!/^img-[a-z0-9]{8}$/.test(id)) fail(`"${id}" is not an image id (img- and 8 characters)`);
    return ids;
  }),
  IMAGE_SYNC_NAME_PREFIX: optionalString(),
  IMAGE_SYNC_TAG: tag("autopilot:sync=true"),
  IMAGE_SYNC_KEEP_TAG: tag("autopilot:keep=true"),
  IMAGE_SYNC_KEEP: int(2, 1, 100),
  IMAGE_SYNC_MAX_DELETES: int(20, 0),
});

export type Selection = { by: "ids"; ids: string[] } | { by: "prefix"; prefix: string } | { by: "tag"; tag: TagMatch };

export interface ImageSyncConfig extends BaseConfig {
  sourceRegion: string;
  destinations: string[] | "all";
  selection: Selection;
  keepTag: TagMatch;
  keep: number;
  maxDeletes: number;
}

/** The variables this function reads beyond the shared ones. */
export const VARIABLES = ownVariables(schema);

export function loadConfig(env: Env = process.env): ImageSyncConfig {
  const e = parseEnv(schema, env);
  const base = legacyBaseConfig(e);
  const sourceRegion = e.IMAGE_SYNC_SOURCE_REGION ?? base.region;
  const issues: string[] = [];
  let destinations: string[] | "all";
  const raw = e.IMAGE_SYNC_DESTINATIONS?.trim();
  if (raw === "all") destinations = "all";
  else if (raw) {
    destinations = csv(raw);
    for (const d of destinations)
      if (!isRegion(d))
        issues.push(`IMAGE_SYNC_DESTINATIONS: "${d}" is not a region name (e.g. ap-shanghai), or use "all"`);
    if (destinations.includes(sourceRegion))
      issues.push(
        `IMAGE_SYNC_DESTINATIONS: ${sourceRegion} is the source region; SyncImages cannot copy an image to its own region`,
      );
  } else if (Array.isArray(base.regions) && base.regions.some((r) => r !== sourceRegion)) {
    destinations = base.regions.filter((r) => r !== sourceRegion);
  } else {
    issues.push('IMAGE_SYNC_DESTINATIONS: required: a comma list of regions, or "all"');
    destinations = [];
  }
  if (e.IMAGE_SYNC_IMAGE_IDS.length && e.IMAGE_SYNC_NAME_PREFIX)
    issues.push("IMAGE_SYNC_IMAGE_IDS and IMAGE_SYNC_NAME_PREFIX: set one, not both");
  if (issues.length) throw new ConfigError(issues);
  const selection: Selection = e.IMAGE_SYNC_IMAGE_IDS.length
    ? { by: "ids", ids: e.IMAGE_SYNC_IMAGE_IDS }
    : e.IMAGE_SYNC_NAME_PREFIX
      ? { by: "prefix", prefix: e.IMAGE_SYNC_NAME_PREFIX }
      : { by: "tag", tag: e.IMAGE_SYNC_TAG };
  return {
    ...base,
    sourceRegion,
    destinations,
    selection,
    keepTag: e.IMAGE_SYNC_KEEP_TAG,
    keep: e.IMAGE_SYNC_KEEP,
    maxDeletes: e.IMAGE_SYNC_MAX_DELETES,
  };
}
