/**
 * The Tag API (tag 2018-08-13) as far as we use it: TagResources and UnTagResources, from tccli's
 * `tag/v20180813/api.json` and the Tag docs (product/651/46533, use limits product/651/13354).
 * - ResourceList: 1 to 10 six-segment names, `qcs::cvm:<region>:uin/<uin>:instance/<id>`
 *   (more: LimitExceeded.ResourceNumPerRequest);
 * - Tags: 1 to 10 pairs (more: LimitExceeded.TagNumPerRequest); a key the resource already has
 *   gets the new value;
 * - keys 1–127 and values 1–255 characters of letters, digits, spaces inside and `+-=._:/@()[],;><`
 *   (empty: InvalidParameterValue.TagKeyEmpty / TagValueEmpty; too long: …TagKeyLengthExceeded /
 *   TagValueLengthExceeded, the Tag API's error codes); keys starting `qcloud`, `tencent` or
 *   `project` are reserved (the use limits page; checked without case, the stricter reading); at
 *   most 50 tags on one resource;
 * - the reply lists what could not be tagged in FailedResources {Resource, Code, Message}.
 * The per-resource codes are not documented; the emulator answers ResourceNotFound (a resource it
 * cannot find in the caller's account) and LimitExceeded.ResourceAttachedTags (past 50 tags).
 * The service is global: a request may name no Region.
 */
import { ApiFault, idList } from "../api-fault.ts";
import type { Handler, HandlerContext } from "./context.ts";

const RESOURCE = /^qcs::cvm:([a-z0-9-]+):uin\/(\d+):instance\/(ins-[a-z0-9]{8})$/;
const ALLOWED = /^[\p{L}\p{N} +\-=._:/@()[\],;><]+$/u;
const MAX_TAGS_PER_RESOURCE = 50;

function checkTag(t: unknown, i: number): { TagKey: string; TagValue: string } {
  const { TagKey, TagValue } = (t ?? {}) as { TagKey?: unknown; TagValue?: unknown };
  if (typeof TagKey !== "string" || typeof TagValue !== "string")
    throw new ApiFault("InvalidParameter", `Tags.${i} needs a TagKey and a TagValue.`);
  if (!TagKey.length) throw new ApiFault("InvalidParameterValue.TagKeyEmpty", `Tags.${i}.TagKey is empty.`);
  if (!TagValue.length) throw new ApiFault("InvalidParameterValue.TagValueEmpty", `Tags.${i}.TagValue is empty.`);
  if ([...TagKey].length > 127)
    throw new ApiFault("InvalidParameterValue.TagKeyLengthExceeded", `Tags.${i}.TagKey is longer than 127 characters.`);
  if ([...TagValue].length > 255)
    throw new ApiFault(
      "InvalidParameterValue.TagValueLengthExceeded",
      `Tags.${i}.TagValue is longer than 255 characters.`,
    );
  const bad = (s: string) => s.trim() !== s || !ALLOWED.test(s);
  if (bad(TagKey))
    throw new ApiFault(
      "InvalidParameterValue.TagKeyCharacterIllegal",
      `Tag key \`${TagKey}\` has a character tags do not allow.`,
    );
  if (bad(TagValue))
    throw new ApiFault(
      "InvalidParameterValue.TagValueCharacterIllegal",
      `Tag value \`${TagValue}\` has a character tags do not allow.`,
    );
  if (/^(qcloud|tencent|project)/i.test(TagKey))
    throw new ApiFault("InvalidParameterValue.ReservedTagKey", `Tag key \`${TagKey}\` is reserved.`);
  return { TagKey, TagValue };
}

type EmuInstance = NonNullable<ReturnType<HandlerContext["state"]["instances"]["get"]>>;

/**
 * Runs `write` on each named instance of the caller's (a six-segment name of another account,
 * region or id is ResourceNotFound); a write may refuse its resource with a code and message.
 * The reply's FailedResources, as both Tag API writes answer.
 */
function perResource(
  ctx: HandlerContext,
  resources: string[],
  write: (inst: EmuInstance) => { Code: string; Message: string } | undefined,
) {
  const failed: Array<{ Resource: string; Code: string; Message: string }> = [];
  for (const resource of resources) {
    const m = RESOURCE.exec(resource);
    const inst = m && m[2] === ctx.account ? ctx.state.instances.get(m[3]!) : undefined;
    const refused =
      m && inst && inst.Region === m[1]
        ? write(inst)
        : { Code: "ResourceNotFound", Message: `The resource \`${resource}\` does not exist in this account.` };
    if (refused) failed.push({ Resource: resource, ...refused });
    else ctx.state.tagVersion++;
  }
  return { FailedResources: failed };
}

/** ResourceList: 1 to 10 names a request (LimitExceeded.ResourceNumPerRequest past that). */
function resourceList(params: Record<string, unknown>): string[] {
  const v = params.ResourceList;
  if (Array.isArray(v) && v.length > 10)
    throw new ApiFault("LimitExceeded.ResourceNumPerRequest", "`ResourceList` names at most 10 resources a request.");
  return idList(params, "ResourceList", { required: true });
}

export const tagHandlers: Record<string, Handler> = {
  TagResources(ctx) {
    const resources = resourceList(ctx.params);
    const raw = ctx.params.Tags;
    if (!Array.isArray(raw) || !raw.length)
      throw new ApiFault("MissingParameter", "The request is missing a required parameter `Tags`.");
    if (raw.length > 10)
      throw new ApiFault("LimitExceeded.TagNumPerRequest", "`Tags` accepts at most 10 tags a request.");
    const tags = raw.map(checkTag);
    return perResource(ctx, resources, (inst) => {
      const have = inst.Tags ?? [];
      const next = [
        ...have.filter((t) => !tags.some((n) => n.TagKey === t.Key)),
        ...tags.map((t) => ({ Key: t.TagKey, Value: t.TagValue })),
      ];
      if (next.length > MAX_TAGS_PER_RESOURCE)
        return {
          Code: "LimitExceeded.ResourceAttachedTags",
          Message: `The resource would have more than ${MAX_TAGS_PER_RESOURCE} tags.`,
        };
      inst.Tags = next;
    });
  },
  UnTagResources(ctx) {
    const resources = resourceList(ctx.params);
    if (Array.isArray(ctx.params.TagKeys) && ctx.params.TagKeys.length > 10)
      throw new ApiFault("LimitExceeded.TagNumPerRequest", "`TagKeys` names at most 10 keys a request.");
    const keys = idList(ctx.params, "TagKeys", { required: true });
    // A key the resource does not have is no failure: unbinding is idempotent.
    return perResource(ctx, resources, (inst) => {
      inst.Tags = (inst.Tags ?? []).filter((t) => !keys.includes(t.Key));
      return undefined;
    });
  },
};
