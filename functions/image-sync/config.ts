/** image-sync settings, declared once (lib/config/settings.ts) and read from env. */
import { ConfigError, readConfig, toBaseConfig, type Env } from "../../lib/config/config.ts";
import { csv, field, int, isRegion, optionalString, region } from "../../lib/config/fields.ts";
import { tag, type TagMatch } from "../../lib/config/parsers.ts";
import { declareSettings } from "../../lib/config/settings.ts";

export const SETTINGS = declareSettings({
  sourceRegion: {
    env: "IMAGE_SYNC_SOURCE_REGION",
    parse: region(),
    meaning: "where golden images are built",
    default: "`TENCENTCLOUD_REGION`",
  },
  destinations: {
    env: "IMAGE_SYNC_DESTINATIONS",
    parse: optionalString(),
    meaning: "comma list of regions, or `all`",
    default: "`REGIONS` minus the source",
  },
  imageIds: {
    env: "IMAGE_SYNC_IMAGE_IDS",
    parse: field((v, fail) => {
      const ids = csv(v);
      for (const id of ids)
        if (!/^img-[a-z0-9]{8}$/.test(id)) fail(`"${id}" is not an image id (img- and 8 characters)`);
      return ids;
    }),
    meaning: "sync exactly these images",
  },
  namePrefix: {
    env: "IMAGE_SYNC_NAME_PREFIX",
    parse: optionalString(),
    meaning: "or: the newest NORMAL private image per name with this prefix",
  },
  tag: {
    env: "IMAGE_SYNC_TAG",
    parse: tag("autopilot:sync=true"),
    meaning: "or (default): the newest NORMAL private image per name with this tag",
  },
  keepTag: {
    env: "IMAGE_SYNC_KEEP_TAG",
    parse: tag("autopilot:keep=true"),
    meaning: "images with this tag are never pruned",
  },
  keep: {
    env: "IMAGE_SYNC_KEEP",
    parse: int(2, 1, 100),
    meaning: "copies the tool made to keep per image name and destination",
  },
  maxDeletes: {
    env: "IMAGE_SYNC_MAX_DELETES",
    parse: int(20, 0),
    meaning: "blast-radius limit on image deletions per run",
  },
});

export type Selection = { by: "ids"; ids: string[] } | { by: "prefix"; prefix: string } | { by: "tag"; tag: TagMatch };

/** The settings as a run uses them: the source region resolved, the destinations checked, one selection. */
export type ImageSyncConfig = ReturnType<typeof loadConfig>;

export function loadConfig(env: Env = process.env) {
  const { shared, own: e } = readConfig(env, SETTINGS);
  const base = toBaseConfig(shared);
  const sourceRegion = e.sourceRegion ?? base.region;
  const issues: string[] = [];
  let destinations: string[] | "all";
  const raw = e.destinations?.trim();
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
  if (e.imageIds.length && e.namePrefix)
    issues.push("IMAGE_SYNC_IMAGE_IDS and IMAGE_SYNC_NAME_PREFIX: set one, not both");
  if (issues.length) throw new ConfigError(issues);
  const selection: Selection = e.imageIds.length
    ? { by: "ids", ids: e.imageIds }
    : e.namePrefix
      ? { by: "prefix", prefix: e.namePrefix }
      : { by: "tag", tag: e.tag };
  return {
    ...base,
    sourceRegion,
    destinations,
    selection,
    keepTag: e.keepTag,
    keep: e.keep,
    maxDeletes: e.maxDeletes,
  };
}
