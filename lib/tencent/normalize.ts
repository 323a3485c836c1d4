/**
 * Replies are checked before any decision rests on them: a listing that is not a list is a
 * typed error (ClientError.BadResponse); a row without the fields a decision needs is dropped
 * (a safe skip, counted and logged) rather than half-read. Tags and key lists are coerced to
 * their documented shapes.
 */
import { CLIENT_CODES, TencentCloudApiError } from "./errors.ts";
import type { Tag } from "./data-types.ts";

const REQUIRED: Record<string, string[]> = {
  DescribeInstances: ["InstanceId", "InstanceState", "InstanceChargeType"],
  DescribeInstancesStatus: ["InstanceId", "InstanceState"],
  DescribeImages: ["ImageId", "ImageName", "ImageState", "ImageType"],
  DescribeKeyPairs: ["KeyId", "KeyName"],
  ListSecrets: ["SecretName"],
  ListTriggers: ["TriggerName", "Type"],
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isTag = (t: unknown): t is Tag => isObject(t) && typeof t.Key === "string" && typeof t.Value === "string";
const strOr = (v: unknown, d = "") => (typeof v === "string" ? v : d);

/** Key/Value tags whatever the spelling (seed examples use tagKey/tagValue); junk entries dropped. */
export function normalizeTags(v: unknown): Tag[] {
  if (!Array.isArray(v)) return [];
  // Tags as the API writes them are kept as they are: a copy of each row's tags, made again each
  // time a plan read them, was garbage a fleet run of thousands of rows need not make.
  if (v.every(isTag)) return v;
  const out: Tag[] = [];
  for (const t of v) {
    if (!isObject(t)) continue;
    const key = t.Key ?? t.tagKey;
    const value = t.Value ?? t.tagValue;
    if (typeof key === "string") out.push({ Key: key, Value: typeof value === "string" ? value : String(value ?? "") });
  }
  return out;
}

/** Reads a resource's tags whether spelled Key/Value or tagKey/tagValue (seed example); junk ignored. */
export function tagsOf(resource: { Tags?: unknown }): Map<string, string> {
  return new Map(normalizeTags(resource.Tags).map((t) => [t.Key, t.Value]));
}

/** One tag's value (the last of that key, as tagsOf's map holds), without building a map: for a plan that reads a few keys of each of thousands of rows. */
export function tagValue(tags: readonly Tag[], key: string): string | undefined {
  let value: string | undefined;
  for (const t of tags) if (t.Key === key) value = t.Value;
  return value;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

/**
 * Coerces a row in place: it is freshly parsed from one reply and nothing else holds it, and a
 * copy of every ~40-field instance row was a large fleet run's biggest source of garbage.
 */
function normalizeRow(action: string, row: Record<string, unknown>): Record<string, unknown> {
  const out = row;
  if ("Tags" in row || action === "DescribeInstances" || action === "DescribeImages")
    out.Tags = normalizeTags(row.Tags);
  if (action === "DescribeInstances") {
    out.InstanceName = strOr(row.InstanceName);
    out.InstanceType = strOr(row.InstanceType);
    out.CreatedTime = strOr(row.CreatedTime);
    out.LoginSettings = { KeyIds: strings(isObject(row.LoginSettings) ? row.LoginSettings.KeyIds : undefined) };
  }
  if (action === "DescribeImages") {
    out.CreatedTime = strOr(row.CreatedTime);
    // An image of unknown size is treated as too large to sync, never as small.
    out.ImageSize =
      typeof row.ImageSize === "number" && Number.isFinite(row.ImageSize) ? row.ImageSize : Number.POSITIVE_INFINITY;
  }
  if (action === "DescribeKeyPairs") {
    out.AssociatedInstanceIds = strings(row.AssociatedInstanceIds);
    out.CreatedTime = strOr(row.CreatedTime);
    out.PublicKey = strOr(row.PublicKey);
  }
  return out;
}

/**
 * The rows of a listing, checked: throws BadResponse if the list is missing or a row lacks a field
 * we cannot do without, naming the row. A broken row is never dropped in silence: whatever it
 * describes (an instance, a key) would then be absent from the listing, and absence is never
 * evidence of anything.
 */
export function checkedRows<T>(
  action: string,
  region: string | undefined,
  listKey: string,
  response: Record<string, unknown>,
): { rows: T[] } {
  const list = response[listKey];
  if (!Array.isArray(list)) {
    throw new TencentCloudApiError({
      code: CLIENT_CODES.badResponse,
      message: `reply has no ${listKey} list`,
      action,
      region,
      service: "cvm",
      requestId: typeof response.RequestId === "string" ? response.RequestId : undefined,
    });
  }
  const required = REQUIRED[action] ?? [];
  const rows: T[] = [];
  for (let i = 0; i < list.length; i++) {
    const row: unknown = list[i];
    const wrong = !isObject(row)
      ? ["the row itself"]
      : required.filter((f) => typeof row[f] !== "string" || row[f] === "");
    if (!wrong.length) {
      rows.push(normalizeRow(action, row as Record<string, unknown>) as T);
      continue;
    }
    const id = isObject(row) ? required.map((f) => row[f]).find((v) => typeof v === "string" && v) : undefined;
    throw new TencentCloudApiError({
      code: CLIENT_CODES.badResponse,
      message: `${listKey}[${i}]${id ? ` (${String(id).slice(0, 64)})` : ""} is not a row of this listing: ${wrong.join(", ")} ${wrong.length > 1 ? "are" : "is"} not a non-empty string`,
      action,
      region,
      service: "cvm",
      requestId: typeof response.RequestId === "string" ? response.RequestId : undefined,
    });
  }
  return { rows };
}

/** A number field the caller cannot do without, or a typed error. */
export function requireNumber(
  response: Record<string, unknown>,
  field: string,
  action: string,
  region: string | undefined,
): number {
  const v = response[field];
  if (typeof v === "number" && Number.isFinite(v)) return v;
  throw new TencentCloudApiError({
    code: CLIENT_CODES.badResponse,
    message: `reply has no numeric ${field}`,
    action,
    region,
    service: "cvm",
    requestId: typeof response.RequestId === "string" ? response.RequestId : undefined,
  });
}
