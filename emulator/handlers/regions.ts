/** DescribeRegions / DescribeZones (seed 004 "Region-related APIs"). */
import type { Handler } from "./context.ts";

export const regionHandlers: Record<string, Handler> = {
  DescribeRegions: (ctx) => ({
    TotalCount: ctx.state.regions.length,
    RegionSet: ctx.state.regions.map((r) => ({ Region: r, RegionName: r, RegionState: "AVAILABLE" })),
  }),
  DescribeZones: (ctx) => {
    const zones = [1, 2, 3].map((n) => ({ Zone: `${ctx.region}-${n}`, ZoneId: String(100000 + n), ZoneName: `${ctx.region} zone ${n}`, ZoneState: "AVAILABLE" }));
    return { TotalCount: zones.length, ZoneSet: zones };
  },
};
