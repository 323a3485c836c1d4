/** DescribeRegions / DescribeZones (the 2018 CVM API 3.0 reference "Region-related APIs"). */
import { ApiFault } from "../api-fault.ts";
import type { Handler } from "./context.ts";

export const regionHandlers: Record<string, Handler> = {
  DescribeRegions: (ctx) => ({
    TotalCount: ctx.state.regions.length,
    RegionSet: ctx.state.regions.map((r) => ({ Region: r, RegionName: r, RegionState: "AVAILABLE" })),
  }),
  DescribeZones: (ctx) => {
    const zones = [1, 2, 3].map((n) => ({
      Zone: `${ctx.region}-${n}`,
      ZoneId: String(100000 + n),
      ZoneName: `${ctx.region} zone ${n}`,
      ZoneState: "AVAILABLE",
    }));
    return { TotalCount: zones.length, ZoneSet: zones };
  },
};

/**
 * The Region API (region 2022-06-27), the current list of a product's regions: CVM's own
 * DescribeRegions is no longer updated ("暂时停止更新", cvm api.json) and points here. Product is
 * required; the reply's RegionInfo carries the console fields as null, as tccli's example shows.
 */
export const regionApiHandlers: Record<string, Handler> = {
  DescribeRegions: (ctx) => {
    const product = ctx.params.Product;
    if (typeof product !== "string" || !product)
      throw new ApiFault("MissingParameter", "The request is missing a required parameter `Product`.");
    if (product !== "cvm")
      throw new ApiFault(
        "InvalidParameterValue",
        `Product \`${product}\` is not one this emulator lists regions for (cvm).`,
      );
    return {
      TotalCount: ctx.state.regions.length,
      RegionSet: ctx.state.regions.map((r) => ({
        Region: r,
        RegionName: r,
        RegionState: "AVAILABLE",
        RegionTypeMC: null,
        LocationMC: null,
        RegionNameMC: null,
        RegionIdMC: null,
      })),
    };
  },
};
