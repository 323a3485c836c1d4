/**
 * Decides, per source image and destination region, whether to sync, what is already there,
 * and which of our own old copies to prune. Pure.
 *
 * Copies are identified by name: SyncImages' `ImageName` (current CVM API) names the copy
 * `<source name>-apsync-<8 chars of the source id>` in the same call that creates it, so even a
 * run that crashes right after SyncImages leaves a copy the next run recognises. Tagging the
 * copy afterwards would need a second call that a crash could skip, leaving an unmarked copy.
 */
import type { Decision } from "../../lib/runtime/spec.ts";
import type { Image } from "../../lib/tencent/data-types.ts";
import { tagsOf } from "../../lib/tencent/normalize.ts";
import type { TagMatch } from "../../lib/config/parsers.ts";

/** Current CVM API: an image name is at most 60 characters. */
export const MAX_IMAGE_NAME = 60;
const MARKER = /^(.*)-apsync-([a-z0-9]{8})$/;

export function copyName(source: Pick<Image, "ImageName" | "ImageId">): string {
  const suffix = `-apsync-${source.ImageId.slice(4)}`;
  return source.ImageName.slice(0, MAX_IMAGE_NAME - suffix.length) + suffix;
}

/** For a copy we made: its group (the source's name as we wrote it) and the source id's tail. */
export function parseCopy(img: Pick<Image, "ImageName" | "ImageType">): { base: string; source8: string } | undefined {
  if (img.ImageType !== "PRIVATE_IMAGE") return undefined;
  const m = MARKER.exec(img.ImageName);
  return m ? { base: m[1]!, source8: m[2]! } : undefined;
}

export interface DestInventory {
  region: string;
  /** Every custom (PRIVATE_IMAGE) image in the region. */
  images: Image[];
  quota: number;
  /** Image ids some instance in the region was created from: never pruned. */
  inUse: Set<string>;
}

/** Why a copy is made, deleted or left: the closed list reports and statistics read. */
export const KINDS = {
  missing: "copy to make",
  present: "copy present",
  "in-progress": "copy in progress",
  "quota-full": "quota full",
  "name-held": "name held by a copy that must stay",
  "source-unusable": "source not usable",
  "unknown-region": "unknown region",
  unreadable: "destination could not be read",
  "duplicate-copy": "duplicate copy",
  "failed-copy": "failed copy",
  "make-room": "oldest copy, to make room",
  "over-keep": "more than IMAGE_SYNC_KEEP copies",
} as const;
export type SyncKind = keyof typeof KINDS;

/**
 * A decision per source image and destination (`id` = the source image, action `sync`), or per
 * copy of ours to delete (`id` = the copy, action `delete-image`).
 */
export type SyncDecision = Decision<SyncKind>;

export interface PlanPolicy {
  keep: number;
  keepTag: TagMatch;
  maxDeletes: number;
}

/** Checks a source before any call: what SyncImages would reject anyway. */
export function sourceProblem(img: Image): string | undefined {
  if (img.ImageType !== "PRIVATE_IMAGE") return `${img.ImageType} is not a custom image`;
  if (img.ImageState !== "NORMAL")
    return `source image is ${img.ImageState}, not NORMAL (InvalidImageId.IncorrectState)`;
  // No size rule: "under 50 GB" is on the legacy SyncImages page only; the current API states
  // none, and most custom images are exactly 50 or 100 GiB (a default system disk is 50 GB).
  return undefined;
}

const byAge = (a: Image, b: Image) => Date.parse(a.CreatedTime) - Date.parse(b.CreatedTime);
/**
 * States a copy may be deleted in. The official model's ImageState lists CREATING, NORMAL,
 * CREATEFAILED, SYNCING, IMPORTING, IMPORTFAILED; a copy in motion (CREATING, SYNCING,
 * IMPORTING) or in a state we do not know is never deleted.
 */
export const DELETABLE: ReadonlySet<string> = new Set(["NORMAL", "CREATEFAILED", "IMPORTFAILED"]);
/** States in which a copy is still on its way. */
export const IN_PROGRESS: ReadonlySet<string> = new Set(["SYNCING", "CREATING", "IMPORTING"]);

/** Every source × destination and every copy to delete, decided. Pure. */
export function plan(sources: Image[], dests: DestInventory[], policy: PlanPolicy): SyncDecision[] {
  const decisions: SyncDecision[] = [];
  let budget = policy.maxDeletes;
  const current8 = new Set(sources.map((s) => s.ImageId.slice(4)));

  for (const dest of dests) {
    const pruned = new Set<string>();
    const keepTagged = (img: Image) => tagsOf(img).get(policy.keepTag.key) === policy.keepTag.value;
    /**
     * The one check every deletion passes, whatever branch asks for it: a copy we
     * made, in a deletable state, that no instance was created from, not kept by tag, not
     * already chosen.
     */
    const mayDelete = (img: Image) =>
      !!parseCopy(img) &&
      !pruned.has(img.ImageId) &&
      DELETABLE.has(img.ImageState) &&
      !dest.inUse.has(img.ImageId) &&
      !keepTagged(img);
    /** Our copies that may go to make room: deletable, and not the ready copy of a current source. */
    const prunable = (img: Image) =>
      mayDelete(img) && (!current8.has(parseCopy(img)!.source8) || img.ImageState !== "NORMAL");
    const prune = (img: Image, kind: SyncKind, reason: string): boolean => {
      // `!(budget > 0)`: a budget that is not a number deletes nothing (NaN compares false both ways).
      if (!(budget > 0) || !mayDelete(img)) return false;
      budget--;
      pruned.add(img.ImageId);
      decisions.push({
        id: img.ImageId,
        region: dest.region,
        name: img.ImageName,
        kind,
        action: "delete-image",
        reason,
        detail: { state: img.ImageState },
      });
      return true;
    };
    const planned = new Set<string>();
    let used = dest.images.length;

    for (const src of sources) {
      const item = { id: src.ImageId, region: dest.region, name: src.ImageName };
      const copies = dest.images.filter((i) => parseCopy(i)?.source8 === src.ImageId.slice(4));
      const ready = copies.find((c) => c.ImageState === "NORMAL");
      const syncing = copies.find((c) => IN_PROGRESS.has(c.ImageState));
      if (ready) {
        decisions.push({
          ...item,
          kind: "present",
          reason: `copy ${ready.ImageId} is NORMAL`,
          detail: { imageId: ready.ImageId },
        });
        // A second copy of the same source (a retried or overlapping sync) is ours and surplus:
        // keep the ready one, prune the rest once they are deletable.
        for (const extra of copies.filter((c) => c !== ready)) {
          if (prune(extra, "duplicate-copy", `duplicate copy of ${src.ImageId}`)) used--;
        }
        continue;
      }
      if (syncing) {
        decisions.push({
          ...item,
          kind: "in-progress",
          reason: `copy ${syncing.ImageId} is ${syncing.ImageState}`,
          detail: { imageId: syncing.ImageId },
        });
        continue;
      }
      // Copies that ended in failure are replaced; they go only if they pass the same checks.
      const left: Image[] = [];
      for (const failed of copies) {
        if (prune(failed, "failed-copy", `copy of ${src.ImageId} ended ${failed.ImageState}; replaced by a new one`))
          used--;
        else left.push(failed);
      }
      // Image names are unique in a region (SyncImages: InvalidImageName.Duplicate): while a
      // failed copy we may not delete holds the name, a new copy cannot be made.
      if (left.length) {
        const why = left
          .map(
            (c) =>
              `${c.ImageId} (${c.ImageState}${keepTagged(c) ? ", kept by tag" : ""}${dest.inUse.has(c.ImageId) ? ", in use" : ""})`,
          )
          .join(", ");
        decisions.push({
          ...item,
          kind: "name-held",
          reason: `copy name ${copyName(src)} is held by ${why}, which may not be deleted: delete it or remove its keep tag to sync again`,
        });
        continue;
      }
      // Make room under the quota by pruning our own oldest copies of older sources.
      const candidates = dest.images.filter(prunable).sort(byAge);
      while (used + 1 > dest.quota && candidates.length) {
        const victim = candidates.shift()!;
        if (
          !prune(
            victim,
            "make-room",
            `oldest copy made by cvm-autopilot, to make room for ${src.ImageId} (quota ${dest.quota})`,
          )
        )
          break;
        used--;
      }
      if (used + 1 > dest.quota) {
        const why = budget <= 0 ? "IMAGE_SYNC_MAX_DELETES reached" : "no copy made by cvm-autopilot can be pruned";
        decisions.push({
          ...item,
          kind: "quota-full",
          reason: `quota full (${used}/${dest.quota} custom images) and ${why}`,
        });
        continue;
      }
      used++;
      planned.add(src.ImageId);
      decisions.push({
        ...item,
        kind: "missing",
        action: "sync",
        reason: `no copy of ${src.ImageId} in ${dest.region}`,
        detail: { copyName: copyName(src) },
      });
    }

    // Keep the newest IMAGE_SYNC_KEEP copies per source name; a planned copy counts as newest.
    const groups = new Map<string, Image[]>();
    for (const img of dest.images) {
      const c = parseCopy(img);
      if (c && !pruned.has(img.ImageId)) groups.set(c.base, [...(groups.get(c.base) ?? []), img]);
    }
    for (const [base, imgs] of groups) {
      const coming = sources.filter((s) => copyName(s).startsWith(`${base}-apsync-`) && planned.has(s.ImageId)).length;
      const excess = imgs.length + coming - policy.keep;
      // The oldest beyond the limit go, except those that may not (in use, kept by tag, current).
      const old = [...imgs].sort(byAge).slice(0, Math.max(0, excess)).filter(prunable);
      for (const img of old) prune(img, "over-keep", `more than IMAGE_SYNC_KEEP=${policy.keep} copies of ${base}`);
    }
  }
  return decisions;
}

/** The newest NORMAL image per name, for tag- and prefix-selected sources. */
export function newestPerName(images: Image[]): Image[] {
  const best = new Map<string, Image>();
  for (const img of images) {
    const cur = best.get(img.ImageName);
    if (!cur || Date.parse(img.CreatedTime) > Date.parse(cur.CreatedTime)) best.set(img.ImageName, img);
  }
  return [...best.values()];
}
