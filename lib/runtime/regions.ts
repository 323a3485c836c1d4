/** The regions a run covers: REGIONS resolved (`all` from the Region API), and per-region work side by side. */
import { isRegion } from "../config/fields.ts";
import type { BaseConfig } from "../config/config.ts";
import type { ApiResponse, TencentCloudClient } from "../tencent/client.ts";
import type { RegionInfo } from "../tencent/data-types.ts";
import { checkedRows } from "../tencent/normalize.ts";
import { api } from "../tencent/services.ts";
import { CLIENT_CODES, TencentCloudApiError } from "../tencent/errors.ts";

/** REGIONS=all becomes every AVAILABLE region from DescribeRegions. */
export async function resolveRegions(
  config: Pick<BaseConfig, "regions" | "region">,
  client: TencentCloudClient,
): Promise<string[]> {
  if (config.regions !== "all") return config.regions;
  return availableRegions(client, config.region);
}

/**
 * Every AVAILABLE region the account can use for CVM, checked: the Region API's list
 * (DescribeRegions, Product=cvm), the current one, or, when that API refuses (a policy without
 * region:DescribeRegions, say), CVM's own DescribeRegions, which is no longer updated, with a warning.
 */
export async function availableRegions(client: TencentCloudClient, region: string): Promise<string[]> {
  let res: ApiResponse<Record<string, unknown>>;
  try {
    res = await client.call<Record<string, unknown>>("region", "DescribeRegions", { Product: "cvm" }, { region });
  } catch (err) {
    if (!(err instanceof TencentCloudApiError)) throw err;
    client.logger.warn(
      "the Region API's DescribeRegions did not answer; REGIONS=all falls back to CVM's DescribeRegions, which is no longer updated (a region newer than it is missed)",
      { code: err.code, requestId: err.requestId },
    );
    res = (await api(client).describeRegions(region, {})) as unknown as ApiResponse<Record<string, unknown>>;
  }
  const { rows } = checkedRows<RegionInfo>(
    "DescribeRegions",
    region,
    "RegionSet",
    res as unknown as Record<string, unknown>,
  );
  const out = rows.filter((r) => r.RegionState === "AVAILABLE" && typeof r.Region === "string").map((r) => r.Region);
  // A region name becomes a host name, a key and a file name: one that is not a region's shape
  // (`../../x`) is a broken or hostile reply, refused whole rather than skipped.
  const bad = out.filter((r) => !isRegion(r));
  if (bad.length) {
    throw new TencentCloudApiError({
      code: CLIENT_CODES.badResponse,
      message: `DescribeRegions listed ${bad.length} name(s) that are not region names (${bad
        .slice(0, 3)
        .map((r) => JSON.stringify(r.slice(0, 40)))
        .join(", ")}); set REGIONS to a list instead of all`,
      action: "DescribeRegions",
      region,
      service: "cvm",
      requestId: res.RequestId,
    });
  }
  // An account always has regions: an empty answer is a broken reply, never "nothing to do".
  if (!out.length) {
    throw new TencentCloudApiError({
      code: CLIENT_CODES.badResponse,
      message: "DescribeRegions listed no AVAILABLE region; set REGIONS to a list instead of all",
      action: "DescribeRegions",
      region,
      service: "cvm",
      requestId: res.RequestId,
    });
  }
  return out;
}

/** Runs per-region work concurrently; the client's per-region limiters keep each under its limits. */
export async function forEachRegion<T>(
  regions: string[],
  fn: (region: string) => Promise<T>,
): Promise<Array<{ region: string; value?: T; error?: unknown }>> {
  return Promise.all(
    regions.map(async (region) => {
      try {
        return { region, value: await fn(region) };
      } catch (error) {
        return { region, error };
      }
    }),
  );
}
