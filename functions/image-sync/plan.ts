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

/**
 * One destination's pass through the plan: the decisions so far (the whole run's list), the
 * run-wide delete budget it draws on, and what it has chosen in this destination.
 */
interface DestPass {
  dest: DestInventory;
  policy: PlanPolicy;
  /** The last 8 characters of every current source's id: their ready copies are never pruned to make room. */
  current8: Set<string>;
  /** IMAGE_SYNC_MAX_DELETES is for the whole run, shared by every destination. */
  budget: { left: number };
  decisions: SyncDecision[];
  /** Copies chosen for deletion here. */
  pruned: Set<string>;
  /** Sources a copy is planned for here. */
  planned: Set<string>;
  /** Custom images counted against the quota: as listed, less those pruned, plus those planned. */
  used: number;
}

/** Every source × destination and every copy to delete, decided. Pure. */
export function plan(sources: Image[], dests: DestInventory[], policy: PlanPolicy): SyncDecision[] {
  const decisions: SyncDecision[] = [];
  const budget = { left: policy.maxDeletes };
  const current8 = new Set(sources.map((s) => s.ImageId.slice(4)));
  for (const dest of dests) {
    const pass: DestPass = {
      dest,
      policy,
      current8,
      budget,
      decisions,
      pruned: new Set(),
      planned: new Set(),
      used: dest.images.length,
    };
    for (const src of sources) decideSource(pass, src);
    pruneOverKeep(pass, sources);
  }
  return decisions;
}

const keepTagged = (pass: DestPass, img: Image) =>
  tagsOf(img).get(pass.policy.keepTag.key) === pass.policy.keepTag.value;

/**
 * The one check every deletion passes, whatever step asks for it: a copy we made, in a deletable
 * state, that no instance was created from, not kept by tag, not already chosen.
 */
const mayDelete = (pass: DestPass, img: Image) =>
  !!parseCopy(img) &&
  !pass.pruned.has(img.ImageId) &&
  DELETABLE.has(img.ImageState) &&
  !pass.dest.inUse.has(img.ImageId) &&
  !keepTagged(pass, img);

/** Our copies that may go to make room: deletable, and not the ready copy of a current source. */
const prunable = (pass: DestPass, img: Image) =>
  mayDelete(pass, img) && (!pass.current8.has(parseCopy(img)!.source8) || img.ImageState !== "NORMAL");

/** Decides to delete a copy if it may go and the budget allows; false if it stays. */
function prune(pass: DestPass, img: Image, kind: SyncKind, reason: string): boolean {
  // `!(left > 0)`: a budget that is not a number deletes nothing (NaN compares false both ways).
  if (!(pass.budget.left > 0) || !mayDelete(pass, img)) return false;
  pass.budget.left--;
  pass.pruned.add(img.ImageId);
  pass.used--;
  pass.decisions.push({
    id: img.ImageId,
    region: pass.dest.region,
    name: img.ImageName,
    kind,
    action: "delete-image",
    reason,
    detail: { state: img.ImageState },
  });
  return true;
}

const itemOf = (pass: DestPass, src: Image) => ({ id: src.ImageId, region: pass.dest.region, name: src.ImageName });

/** One source in one destination: present, on its way, blocked, or a copy to make. */
function decideSource(pass: DestPass, src: Image): void {
  const copies = pass.dest.images.filter((i) => parseCopy(i)?.source8 === src.ImageId.slice(4));
  const ready = copies.find((c) => c.ImageState === "NORMAL");
  const syncing = copies.find((c) => IN_PROGRESS.has(c.ImageState));
  if (ready) {
    pass.decisions.push({
      ...itemOf(pass, src),
      kind: "present",
      reason: `copy ${ready.ImageId} is NORMAL`,
      detail: { imageId: ready.ImageId },
    });
    // A second copy of the same source (a retried or overlapping sync) is ours and surplus:
    // keep the ready one, prune the rest once they are deletable.
    for (const extra of copies.filter((c) => c !== ready))
      prune(pass, extra, "duplicate-copy", `duplicate copy of ${src.ImageId}`);
    return;
  }
  if (syncing) {
    pass.decisions.push({
      ...itemOf(pass, src),
      kind: "in-progress",
      reason: `copy ${syncing.ImageId} is ${syncing.ImageState}`,
      detail: { imageId: syncing.ImageId },
    });
    return;
  }
  if (!clearFailedCopies(pass, src, copies) || !makeRoom(pass, src)) return;
  pass.used++;
  pass.planned.add(src.ImageId);
  pass.decisions.push({
    ...itemOf(pass, src),
    kind: "missing",
    action: "sync",
    reason: `no copy of ${src.ImageId} in ${pass.dest.region}`,
    detail: { copyName: copyName(src) },
  });
}

/**
 * Copies that ended in failure are replaced; they go only if they pass the same checks. False,
 * with the reason decided, while one that may not go holds the name.
 */
function clearFailedCopies(pass: DestPass, src: Image, failed: Image[]): boolean {
  const left: Image[] = [];
  for (const c of failed)
    if (!prune(pass, c, "failed-copy", `copy of ${src.ImageId} ended ${c.ImageState}; replaced by a new one`))
      left.push(c);
  if (!left.length) return true;
  // Image names are unique in a region (SyncImages: InvalidImageName.Duplicate): while a
  // failed copy we may not delete holds the name, a new copy cannot be made.
  const why = left
    .map(
      (c) =>
        `${c.ImageId} (${c.ImageState}${keepTagged(pass, c) ? ", kept by tag" : ""}${pass.dest.inUse.has(c.ImageId) ? ", in use" : ""})`,
    )
    .join(", ");
  pass.decisions.push({
    ...itemOf(pass, src),
    kind: "name-held",
    reason: `copy name ${copyName(src)} is held by ${why}, which may not be deleted: delete it or remove its keep tag to sync again`,
  });
  return false;
}

/** Makes room under the quota by pruning our own oldest copies of older sources. False, with the reason decided, if it cannot. */
function makeRoom(pass: DestPass, src: Image): boolean {
  const { quota } = pass.dest;
  const candidates = pass.dest.images.filter((img) => prunable(pass, img)).sort(byAge);
  while (pass.used + 1 > quota && candidates.length) {
    const victim = candidates.shift()!;
    const reason = `oldest copy made by cvm-autopilot, to make room for ${src.ImageId} (quota ${quota})`;
    if (!prune(pass, victim, "make-room", reason)) break;
  }
  if (pass.used + 1 > quota) {
    const why =
      pass.budget.left <= 0 ? "IMAGE_SYNC_MAX_DELETES reached" : "no copy made by cvm-autopilot can be pruned";
    pass.decisions.push({
      ...itemOf(pass, src),
      kind: "quota-full",
      reason: `quota full (${pass.used}/${quota} custom images) and ${why}`,
    });
    return false;
  }
  return true;
}

/** Keeps the newest IMAGE_SYNC_KEEP copies per source name; a planned copy counts as newest. */
function pruneOverKeep(pass: DestPass, sources: Image[]): void {
  const groups = new Map<string, Image[]>();
  for (const img of pass.dest.images) {
    const c = parseCopy(img);
    if (c && !pass.pruned.has(img.ImageId)) groups.set(c.base, [...(groups.get(c.base) ?? []), img]);
  }
  const { keep } = pass.policy;
  for (const [base, imgs] of groups) {
    const coming = sources.filter(
      (s) => copyName(s).startsWith(`${base}-apsync-`) && pass.planned.has(s.ImageId),
    ).length;
    const excess = imgs.length + coming - keep;
    // The oldest beyond the limit go, except those that may not (in use, kept by tag, current).
    const old = [...imgs]
      .sort(byAge)
      .slice(0, Math.max(0, excess))
      .filter((img) => prunable(pass, img));
    for (const img of old) prune(pass, img, "over-keep", `more than IMAGE_SYNC_KEEP=${keep} copies of ${base}`);
  }
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
