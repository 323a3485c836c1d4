/**
 * Typed service methods, generated from the action table: `cvm.describeInstances(region, req)`.
 * Plus the two helpers every caller needs: paging (100 rows a page, with a ceiling) and
 * batching (100 ids a call).
 */
import { ACTIONS, actionSpec, type ActionName } from "./actions.ts";
import { checkedRows } from "./normalize.ts";
import type { ApiResponse, TencentCloudClient } from "./client.ts";
import type {
  Filter, GetMonitorDataRequest, GetMonitorDataResponse, Image, Instance, InstanceState, KeyPair, RegionInfo, RenewFlag,
} from "./types.ts";

type Ids = { InstanceIds: string[] };
type Page = { Offset?: number; Limit?: number };

/** Request and response types per action; the table in actions.ts gives service and limits. */
export interface ApiTypes {
  DescribeRegions: [Record<string, never>, { TotalCount: number; RegionSet: RegionInfo[] }];
  DescribeZones: [Record<string, never>, { TotalCount: number; ZoneSet: Array<{ Zone: string; ZoneState: string }> }];
  DescribeInstances: [Page & { InstanceIds?: string[]; Filters?: Filter[] }, { TotalCount: number; InstanceSet: Instance[] }];
  DescribeInstancesStatus: [Page & { InstanceIds?: string[] }, { TotalCount: number; InstanceStatusSet: Array<{ InstanceId: string; InstanceState: InstanceState }> }];
  StartInstances: [Ids, object];
  StopInstances: [Ids & { ForceStop?: boolean; StopType?: "SOFT" | "HARD" | "SOFT_FIRST"; StoppedMode?: "KEEP_CHARGING" | "STOP_CHARGING" }, object];
  ModifyInstancesRenewFlag: [Ids & { RenewFlag: RenewFlag }, object];
  DescribeImages: [Page & { ImageIds?: string[]; Filters?: Filter[] }, { TotalCount: number; ImageSet: Image[] }];
  DescribeImageQuota: [Record<string, never>, { ImageNumQuota: number }];
  // ImageName and ImageSetRequired: current CVM API (the 2018 seed predates them).
  SyncImages: [{ ImageIds: string[]; DestinationRegions: string[]; ImageName?: string; ImageSetRequired?: boolean; DryRun?: boolean }, { ImageSet?: Array<{ ImageId: string; Region: string }> }];
  DeleteImages: [{ ImageIds: string[] }, object];
  CreateKeyPair: [{ KeyName: string; ProjectId: number }, { KeyPair: KeyPair }];
  ImportKeyPair: [{ KeyName: string; ProjectId: number; PublicKey: string }, { KeyId: string }];
  DescribeKeyPairs: [Page & { KeyIds?: string[]; Filters?: Filter[] }, { TotalCount: number; KeyPairSet: KeyPair[] }];
  AssociateInstancesKeyPairs: [Ids & { KeyIds: string[]; ForceStop?: boolean }, object];
  DisassociateInstancesKeyPairs: [Ids & { KeyIds: string[]; ForceStop?: boolean }, object];
  DeleteKeyPairs: [{ KeyIds: string[] }, object];
  GetMonitorData: [GetMonitorDataRequest, GetMonitorDataResponse];
  CreateSecret: [{ SecretName: string; VersionId?: string; SecretString: string; Description?: string; Tags?: Array<{ TagKey: string; TagValue: string }> }, { SecretName: string; VersionId: string }];
  GetSecretValue: [{ SecretName: string; VersionId: string }, { SecretName: string; VersionId: string; SecretString: string }];
  PutSecretValue: [{ SecretName: string; VersionId: string; SecretString: string }, { SecretName: string; VersionId: string }];
  DescribeSecret: [{ SecretName: string }, { SecretName: string; Description: string; Status: string; CreateTime: number }];
  ListSecrets: [{ Offset?: number; Limit?: number; SearchSecretName?: string; State?: number }, { TotalCount: number; SecretMetadatas: Array<{ SecretName: string; Description: string; Status: string; CreateTime: number }> }];
  DeleteSecret: [{ SecretName: string; RecoveryWindowInDays?: number }, { SecretName: string; DeleteTime: number }];
}

type Method<A extends keyof ApiTypes> = (region: string | undefined, req: ApiTypes[A][0]) => Promise<ApiResponse<ApiTypes[A][1]>>;
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
    const spec = ACTIONS[name];
    const method = name[0]!.toLowerCase() + name.slice(1);
    out[method] = (region: string | undefined, req: Record<string, unknown>) => client.call(spec.service, name, req, { region });
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
  /** Stop after this many pages even if TotalCount says there are more (a runaway guard). */
  maxPages?: number;
  /** Pages fetched ahead once TotalCount is known (default 4): fewer round trips, bounded memory. */
  ahead?: number;
}

/**
 * Yields every page of an Offset/Limit listing, in order. The first page gives TotalCount; the
 * rest are fetched a few at a time ahead of the consumer. Stops at TotalCount, at a short page,
 * or at the page ceiling, so a server that misreports TotalCount cannot make it loop forever.
 */
export async function* pages<A extends "DescribeInstances" | "DescribeImages" | "DescribeKeyPairs" | "DescribeInstancesStatus">(
  client: TencentCloudClient,
  action: A,
  region: string | undefined,
  req: ApiTypes[A][0],
  listKey: keyof ApiTypes[A][1],
  opts: PageOptions = {},
): AsyncGenerator<ApiResponse<ApiTypes[A][1]>> {
  const spec = actionSpec(action)!;
  const limit = spec.pageSize ?? 100;
  const maxPages = opts.maxPages ?? 2000;
  // Each page is checked as it arrives: broken rows are dropped (and logged), a missing list is a typed error.
  type Page = { res: ApiResponse<ApiTypes[A][1]>; rawCount: number };
  const fetchAt = async (offset: number): Promise<Page> => {
    const res = await client.call<ApiTypes[A][1]>(spec.service, action, { ...req, Offset: offset, Limit: limit }, { region });
    const raw = res as unknown as Record<string, unknown>;
    const rawCount = Array.isArray(raw[listKey as string]) ? (raw[listKey as string] as unknown[]).length : 0;
    const { rows, dropped } = checkedRows(action, region, listKey as string, raw);
    if (dropped) client.logger.warn("rows dropped from a reply", { action, region, requestId: res.RequestId, dropped });
    raw[listKey as string] = rows;
    return { res, rawCount };
  };

  const first = await fetchAt(0);
  yield first.res;
  const reported = (first.res as { TotalCount?: unknown }).TotalCount;
  const total = typeof reported === "number" && Number.isFinite(reported) ? reported : 0;
  if (first.rawCount < limit || first.rawCount >= total) return;
  const offsets: number[] = [];
  for (let page = 1; page < maxPages && page * limit < total; page++) offsets.push(page * limit);
  const inFlight: Array<Promise<Page>> = [];
  const ahead = Math.max(1, opts.ahead ?? 4);
  try {
    while (offsets.length || inFlight.length) {
      while (inFlight.length < ahead && offsets.length) inFlight.push(fetchAt(offsets.shift()!));
      const page = await inFlight.shift()!;
      yield page.res;
      if (page.rawCount < limit) return;
    }
  } finally {
    // Pages already asked for are settled, so none fails unobserved after we stop.
    await Promise.allSettled(inFlight);
  }
}

/** Collects every row of a listing. */
export async function listAll<A extends "DescribeInstances" | "DescribeImages" | "DescribeKeyPairs" | "DescribeInstancesStatus", K extends keyof ApiTypes[A][1]>(
  client: TencentCloudClient,
  action: A,
  region: string | undefined,
  req: ApiTypes[A][0],
  listKey: K,
  opts: PageOptions = {},
): Promise<ApiTypes[A][1][K]> {
  const rows: unknown[] = [];
  for await (const page of pages(client, action, region, req, listKey, opts)) rows.push(...((page[listKey] as unknown[]) ?? []));
  return rows as ApiTypes[A][1][K];
}

/** Describes instances by id, 100 ids a call, as the seed requires. */
export async function describeInstancesByIds(client: TencentCloudClient, region: string, ids: string[]): Promise<Instance[]> {
  const out: Instance[] = [];
  for (const batch of batches(ids, batchSizeOf("DescribeInstances"))) {
    out.push(...(await listAll(client, "DescribeInstances", region, { InstanceIds: batch }, "InstanceSet")));
  }
  return out;
}
