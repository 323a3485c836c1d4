/**
 * The emulator's own cost per DescribeInstances page at fleet scale, in process CPU: 100,000
 * instances over 10 regions (10,000 per region), 100-row pages, with the filters the functions
 * send. The fleet benchmark measures our client only if this stays small (goal: <= 2 ms a page).
 */
import { EmulatorState } from "../emulator/state.ts";
import { generateFleet } from "../emulator/fleet.ts";
import { instanceHandlers } from "../emulator/handlers/instances.ts";
import { replyBody } from "../emulator/reply.ts";
import { BENCH_REGIONS } from "./fleet.ts";

const FILTERS: Array<[string, unknown[] | undefined]> = [
  ["none", undefined],
  [
    "auto-stop scope (charge type, state)",
    [
      { Name: "instance-charge-type", Values: ["POSTPAID_BY_HOUR"] },
      { Name: "instance-state", Values: ["RUNNING"] },
    ],
  ],
  ["renew-flag scope (charge type)", [{ Name: "instance-charge-type", Values: ["PREPAID"] }]],
  ["a tag (tag:env)", [{ Name: "tag:env", Values: ["prod"] }]],
];

export function emulatorPageBench(
  instances = 100_000,
): Array<{ filter: string; instances: number; cpuMsPerPage: number }> {
  const state = new EmulatorState(BENCH_REGIONS);
  generateFleet(state, { instances, regions: BENCH_REGIONS, seed: 42 });
  const describe = instanceHandlers.DescribeInstances!;
  return FILTERS.map(([filter, Filters]) => {
    const pages = 200;
    const t = process.cpuUsage();
    for (let i = 0; i < pages; i++) {
      // Serialised as the server sends it (replyBody splices each row's kept JSON): the reply's cost is part of the page's.
      replyBody(
        describe({
          state,
          region: BENCH_REGIONS[0]!,
          params: { ...(Filters ? { Filters } : {}), Offset: (i * 100) % 3000, Limit: 100 },
        }) as Record<string, unknown>,
        "bench",
      );
    }
    const u = process.cpuUsage(t);
    return { filter, instances, cpuMsPerPage: +((u.user + u.system) / 1000 / pages).toFixed(2) };
  });
}
