/**
 * Typed service methods, generated from the action table: `cvm.describeInstances(region, req)`.
 * Plus the two helpers every caller needs: paging (100 rows a page, with a ceiling) and
 * batching (100 ids a call).
 */
import { ACTIONS, actionSpec, type ActionName, type ActionSpec } from "./actions.ts";
import { checkedRows } from "./normalize.ts";
import { CLIENT_CODES, TencentCloudApiError } from "./errors.ts";
import type { ApiResponse, CallOptions, TencentCloudClient } from "./client.ts";
import type { ApiTypes } from "./action-types.ts";
import type { Instance } from "./data-types.ts";

export type { ApiTypes } from "./action-types.ts";

type Method<A extends keyof ApiTypes> = (
  region: string | undefined,
  req: ApiTypes[A][0],
  how?: Pick<CallOptions, "atMostOnce">,
) => Promise<ApiResponse<ApiTypes[A][1]>>;
export type ServiceMethods = { [A in keyof ApiTypes as Uncapitalize<A>]: Method<A> };

const bound = new WeakMap<TencentCloudClient, ServiceMethods>();

/** The typed methods for a client: `api(client).stopInstances(region, {...})`. */
export function api(client: TencentCloudClient): ServiceMethods {
  let m = bound.get(client);
  if (!m) bound.set(client, (m = bindServices(client)));
  return m;
}

/** Every typed method, each a one-line call through the client. */
export function bindServices(client: TencentCloudClient): ServiceMethods {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(ACTIONS) as ActionName[]) {
    const spec: ActionSpec = ACTIONS[name];
    const method = name[0]!.toLowerCase() + name.slice(1);
    out[method] = (region: string | undefined, req: Record<string, unknown>, how?: Pick<CallOptions, "atMostOnce">) =>
      client.call(spec.service, name, req, { region, expected: spec.expected, atMostOnce: how?.atMostOnce });
  }
  return out as ServiceMethods;
}

/** Splits ids into batches of the action's documented size (100 for CVM batch actions). */
export function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function batchSizeOf(action: keyof ApiTypes): number {
  return actionSpec(action)?.batchSize ?? 100;
}

export interface PageOptions {
  /** A listing longer than this many pages is an error (a runaway guard), never silently cut. */
  maxPages?: number;
  /**
   * Pages fetched ahead once TotalCount is known (default 4): fewer round trips, bounded memory.
   * A function is asked again before each page is sent, so a caller can read further ahead while
   * it has room (at least one page is always in flight).
   */
  ahead?: number | (() => number);
}

/** The listings the pager serves, with the list they return and the field that identifies a row. */
export const LISTINGS = {
  DescribeInstances: { listKey: "InstanceSet", idField: "InstanceId" },
  DescribeInstancesStatus: { listKey: "InstanceStatusSet", idField: "InstanceId" },
  DescribeImages: { listKey: "ImageSet", idField: "ImageId" },
  DescribeKeyPairs: { listKey: "KeyPairSet", idField: "KeyId" },
  // SSM's TotalCount counts the region's secrets, not the ones the filters match (the witness
  // ssm.ListSecrets.json answers TotalCount 3 with one row), so a short page ends this listing.
  ListSecrets: { listKey: "SecretMetadatas", idField: "SecretName", unfilteredTotal: true },
  ListTriggers: { listKey: "Triggers", idField: "TriggerName" },
} as const;
export type ListingAction = keyof typeof LISTINGS;
type ListKey<A extends ListingAction> = (typeof LISTINGS)[A]["listKey"];
export type Row<A extends ListingAction> =
  ApiTypes[A][1][ListKey<A> & keyof ApiTypes[A][1]] extends Array<infer R> ? R : never;

/** A listing that cannot be trusted to be whole: no TotalCount, cut short, or past the ceiling. */
function listingError(
  action: string,
  region: string | undefined,
  message: string,
  requestId?: string,
): TencentCloudApiError {
  return new TencentCloudApiError({
    code: CLIENT_CODES.listing,
    message,
    action,
    region,
    service: actionSpec(action)?.service ?? "cvm",
    requestId,
  });
}

/** One listing being paged: what every page request and check needs, fixed for the listing. */
interface Listing<A extends ListingAction> {
  client: TencentCloudClient;
  action: A;
  region: string | undefined;
  req: ApiTypes[A][0];
  service: string;
  listKey: string;
  idField: string;
  /** The listing's TotalCount counts more than its filters match (LISTINGS' `unfilteredTotal`). */
  unfilteredTotal: boolean;
  limit: number;
  /** Ids already yielded: a row a shifted listing gives again is dropped. */
  seen: Set<string>;
}

type Page<A extends ListingAction> = {
  rows: Array<Row<A>>;
  rawCount: number;
  total: number;
  offset: number;
  requestId: string;
};

function listingOf<A extends ListingAction>(
  client: TencentCloudClient,
  action: A,
  region: string | undefined,
  req: ApiTypes[A][0],
): Listing<A> {
  const spec = actionSpec(action)!;
  const { listKey, idField } = LISTINGS[action];
  const unfilteredTotal = "unfilteredTotal" in LISTINGS[action];
  const limit = spec.pageSize ?? 100;
  return {
    client,
    action,
    region,
    req,
    service: spec.service,
    listKey,
    idField,
    unfilteredTotal,
    limit,
    seen: new Set(),
  };
}

/** The page at `offset`, its rows checked; a reply without TotalCount, or cut short of it, is an error. */
async function fetchPage<A extends ListingAction>(l: Listing<A>, offset: number): Promise<Page<A>> {
  const { action, region, listKey, limit } = l;
  const res = await l.client.call<ApiTypes[A][1]>(
    l.service,
    action,
    { ...l.req, Offset: offset, Limit: limit },
    { region },
  );
  const raw = res as unknown as Record<string, unknown>;
  const rawCount = Array.isArray(raw[listKey]) ? (raw[listKey] as unknown[]).length : 0;
  const { rows } = checkedRows<Row<A>>(action, region, listKey, raw);
  const total = raw.TotalCount;
  if (typeof total !== "number" || !Number.isInteger(total) || total < 0) {
    throw listingError(action, region, "reply has no TotalCount: the end of the list cannot be known", res.RequestId);
  }
  if (rawCount < limit && offset + rawCount < total && !l.unfilteredTotal) {
    throw listingError(
      action,
      region,
      `page at offset ${offset} has ${rawCount} rows but TotalCount is ${total}: the listing was cut short`,
      res.RequestId,
    );
  }
  return { rows, rawCount, total, offset, requestId: res.RequestId };
}

/** A page's rows not yielded before (logged when some were). */
function freshRows<A extends ListingAction>(l: Listing<A>, page: Page<A>): Array<Row<A>> {
  const out: Array<Row<A>> = [];
  for (const row of page.rows) {
    const id = (row as Record<string, unknown>)[l.idField] as string;
    if (l.seen.has(id)) continue;
    l.seen.add(id);
    out.push(row);
  }
  if (out.length < page.rows.length) {
    l.client.logger.warn("listing shifted while paged: repeated rows dropped", {
      action: l.action,
      region: l.region,
      requestId: page.requestId,
      repeated: page.rows.length - out.length,
    });
  }
  return out;
}

/**
 * Yields every page of an Offset/Limit listing, in order, as checked rows. A listing may shift
 * while it is paged (a row created or deleted between two pages), so:
 * - a row whose id an earlier page already gave is dropped (logged), so no caller sees it twice;
 * - TotalCount is read from every page and the last page is wherever the newest TotalCount
 *   says, so rows pushed past the first page's count are still fetched;
 * - a reply without TotalCount, or a page that ends before its own TotalCount, is an error:
 *   the end of a list is never guessed from a short page;
 * - a listing longer than the page ceiling is an error, never a silent cut.
 * What a shift can still hide is a row that moved to an earlier page after that page was read:
 * callers never treat absence from a listing as evidence.
 */
export async function* pages<A extends ListingAction>(
  client: TencentCloudClient,
  action: A,
  region: string | undefined,
  req: ApiTypes[A][0],
  opts: PageOptions = {},
): AsyncGenerator<Array<Row<A>>> {
  const l = listingOf(client, action, region, req);
  const { limit } = l;
  const maxPages = opts.maxPages ?? 2000;
  const first = await fetchPage(l, 0);
  yield freshRows(l, first);
  let known = first.total;
  let next = limit;
  if (first.rawCount < limit) return;
  const inFlight: Array<Promise<Page<A>>> = [];
  const want = opts.ahead ?? 4;
  // At least one page in flight whatever the caller says (NaN too): none would end the listing unread.
  const ahead = () => {
    const n = typeof want === "function" ? want() : want;
    return Number.isFinite(n) ? Math.max(1, Math.floor(n)) : 1;
  };
  try {
    for (;;) {
      if (Math.ceil(known / limit) > maxPages)
        throw listingError(
          action,
          region,
          `${known} rows need more than ${maxPages} pages of ${limit} (the page ceiling)`,
        );
      while (inFlight.length < ahead() && next < known) {
        const page = fetchPage(l, next);
        // A page read ahead may fail while an earlier one is still awaited: marked as handled
        // here, it fails the listing when its turn comes instead of crashing the process as an
        // unhandled rejection.
        page.catch(() => undefined);
        inFlight.push(page);
        next += limit;
      }
      if (!inFlight.length) return;
      const page = await inFlight.shift()!;
      known = Math.max(known, page.total);
      yield freshRows(l, page);
      // A short page that agrees with its own TotalCount is the end of the list.
      if (page.rawCount < limit) return;
    }
  } finally {
    // Pages already asked for are settled, so none fails unobserved after we stop.
    await Promise.allSettled(inFlight);
  }
}

/** Collects every row of a listing (de-duplicated by id). */
export async function listAll<A extends ListingAction>(
  client: TencentCloudClient,
  action: A,
  region: string | undefined,
  req: ApiTypes[A][0],
  opts: PageOptions = {},
): Promise<Array<Row<A>>> {
  const rows: Array<Row<A>> = [];
  for await (const page of pages(client, action, region, req, opts)) rows.push(...page);
  return rows;
}

/** Describes instances by id, 100 ids a call, as the seed requires. */
export async function describeInstancesByIds(
  client: TencentCloudClient,
  region: string,
  ids: string[],
): Promise<Instance[]> {
  const out: Instance[] = [];
  for (const batch of batches(ids, batchSizeOf("DescribeInstances"))) {
    out.push(...(await listAll(client, "DescribeInstances", region, { InstanceIds: batch })));
  }
  return out;
}
